/**
 * Panel sign-in: the operator types the admin token once; the answer is a session cookie (HttpOnly,
 * SameSite=Strict, scoped to the panel's path) holding a random session id, its expiry and an HMAC over
 * both under a key derived from the admin token. Any process with the same token accepts it, so a panel
 * behind a load balancer works, and changing the token signs everyone out. Each session has a CSRF token
 * (an HMAC of its id) that the page sends with every POST; a forged form from another site has the
 * cookie withheld by SameSite and cannot know the token.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../context.js';

export const COOKIE_NAME = 'platform_bridge_panel';

export interface PanelSession {
  id: string;
  expires: number;
  csrf: string;
}

export class PanelSessions {
  private readonly key: Buffer;
  private readonly tokenHash: Buffer;
  /** Sessions signed out on this process before they expire (other processes keep them until expiry). */
  private readonly revoked = new Map<string, number>();

  constructor(
    adminToken: string,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {
    this.key = createHmac('sha256', adminToken).update('colyseus-platform-bridge panel session v1').digest();
    this.tokenHash = createHash('sha256').update(adminToken).digest();
  }

  /** Whether a typed token is the admin token, in constant time. */
  tokenMatches(typed: string): boolean {
    const got = createHash('sha256').update(typed).digest();
    return timingSafeEqual(got, this.tokenHash) && typed.length > 0;
  }

  create(): { session: PanelSession; cookieValue: string } {
    const id = randomBytes(18).toString('base64url');
    const expires = this.clock.now() + this.ttlMs;
    const body = `${id}.${expires}`;
    return { session: { id, expires, csrf: this.csrfOf(id) }, cookieValue: `${body}.${this.mac(body)}` };
  }

  /** The session a request's Cookie header carries, if it is valid and current. */
  read(cookieHeader: string | null): PanelSession | undefined {
    const value = cookieOf(cookieHeader, COOKIE_NAME);
    if (!value) return undefined;
    const parts = value.split('.');
    if (parts.length !== 3) return undefined;
    const [id, exp, mac] = parts as [string, string, string];
    const want = Buffer.from(this.mac(`${id}.${exp}`));
    const got = Buffer.from(mac);
    if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
    const expires = Number(exp);
    const now = this.clock.now();
    if (!Number.isSafeInteger(expires) || expires <= now) return undefined;
    if (this.revoked.has(id)) return undefined;
    return { id, expires, csrf: this.csrfOf(id) };
  }

  /** Whether a request's CSRF token is the one bound to its session. */
  csrfOk(session: PanelSession, sent: string | null): boolean {
    if (!sent) return false;
    const a = Buffer.from(sent);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  revoke(session: PanelSession): void {
    const now = this.clock.now();
    for (const [id, until] of this.revoked) if (until <= now) this.revoked.delete(id);
    if (this.revoked.size < 10_000) this.revoked.set(session.id, session.expires);
  }

  cookie(value: string, path: string, secure: boolean, maxAgeSec = Math.floor(this.ttlMs / 1000)): string {
    return `${COOKIE_NAME}=${value}; Path=${path}; Max-Age=${maxAgeSec}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  private csrfOf(id: string): string {
    return createHmac('sha256', this.key).update(`csrf.${id}`).digest('base64url');
  }
}

function cookieOf(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
