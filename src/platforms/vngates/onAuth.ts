/**
 * A room `static onAuth` that accepts a VNGates access token: the token is checked with userinfo and the
 * room's `client.auth` becomes `{ userId, username }`. Positive answers are kept briefly (never past the
 * token's own expiry) so a player hopping rooms does not cost a VNGates round trip per join; concurrent
 * joins with one token share one call.
 *
 * @example
 * const auth = vngatesOnAuth(new VngatesClient({ appId, userinfoUrl, timeoutMs: 5000, retries: 2 }));
 * class BattleRoom extends Room { static onAuth = auth; }
 */
import { createHash } from 'node:crypto';
import { ErrorCode, ServerError } from '@colyseus/core';
import { VngatesApiError } from './errors.js';
import type { VngatesUser } from './types.js';

export interface VngatesAuth {
  userId: string;
  username: string;
}

export interface OnAuthOptions {
  /** How long a verified token is trusted without asking again (default 60 s; 0 = always ask). */
  cacheMs?: number;
  /** Tokens kept at most; the oldest is dropped first (default 10,000). */
  maxEntries?: number;
  now?: () => number;
}

export function vngatesOnAuth(client: { userinfo(token: string): Promise<VngatesUser> }, opts: OnAuthOptions = {}) {
  const cacheMs = opts.cacheMs ?? 60_000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { auth: VngatesAuth; until: number }>();
  const inFlight = new Map<string, Promise<VngatesAuth>>();

  const lookup = async (token: string, key: string): Promise<VngatesAuth> => {
    let user: VngatesUser;
    try {
      user = await client.userinfo(token);
    } catch (err) {
      if (err instanceof VngatesApiError) throw new ServerError(ErrorCode.AUTH_FAILED, `VNGates refused the access token${err.msg ? `: ${err.msg}` : ''}`);
      throw new ServerError(ErrorCode.APPLICATION_ERROR, 'VNGates could not be reached to check the access token; try again', { cause: err });
    }
    const auth = { userId: user.userId, username: user.username };
    const until = Math.min(now() + cacheMs, user.accessExpires ?? Infinity);
    if (until > now()) {
      cache.delete(key);
      cache.set(key, { auth, until });
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    }
    return auth;
  };

  return async function onAuth(token: string | undefined, _options?: unknown, _context?: unknown): Promise<VngatesAuth> {
    if (typeof token !== 'string' || token === '') throw new ServerError(ErrorCode.AUTH_FAILED, 'a VNGates access token is required');
    // tokens are credentials: only their digest is kept in memory
    const key = createHash('sha256').update(token).digest('base64');
    const hit = cache.get(key);
    if (hit && hit.until > now()) return hit.auth;
    if (hit) cache.delete(key);
    let pending = inFlight.get(key);
    if (!pending) {
      pending = lookup(token, key).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };
}
