/**
 * A local stand-in for the VNGates `userinfo` endpoint (spec 003), so a game's tests can join rooms that use
 * `vngatesOnAuth` without VNGates. It checks what the document asks (form POST, `sign = md5(app_id +
 * access_token)`) and answers in the document's shape: the user for a known token, `status: 0` otherwise.
 * `failNext` makes the next calls fail the way a network does (HTTP 503, no answer, an HTML page).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { md5Hex, safeEqual } from '../signing.js';

export interface VngatesDoubleUser {
  userId: string;
  username?: string;
  refreshToken?: string;
}

/** How the next calls fail instead of answering. */
export type VngatesFailure = '503' | 'hang' | 'html';

export interface VngatesDoubleOptions {
  appId: string;
  /** access token → the user it belongs to. */
  users?: Record<string, VngatesDoubleUser>;
  host?: string;
  port?: number;
}

export class VngatesDouble {
  private server?: Server;
  private readonly users: Map<string, VngatesDoubleUser>;
  private readonly script: VngatesFailure[] = [];
  /** Every form the double received, in order. */
  readonly requests: Array<Record<string, string>> = [];

  constructor(private readonly o: VngatesDoubleOptions) {
    this.users = new Map(Object.entries(o.users ?? {}));
  }

  /** The next `times` calls fail with `failure` (retries, timeouts, gateways). */
  failNext(failure: VngatesFailure, times = 1): void {
    for (let i = 0; i < times; i++) this.script.push(failure);
  }

  /** Makes `token` valid for `userId`. */
  addUser(token: string, userId: string, username = `user${userId}`): void {
    this.users.set(token, { userId, username });
  }

  /** Starts listening; resolves with the URL to set as `vngates.userinfoUrl`. */
  async start(): Promise<{ url: string }> {
    this.server = createServer((req, res) => this.handle(req, res));
    const host = this.o.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port ?? 0, host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    return { url: `http://${host}:${port}/api/userinfo` };
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections(); // a hung request would hold close() open
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      this.requests.push(form);
      const step = this.script.shift();
      if (step === 'hang') return; // never answers: the client's timeout must end it
      if (step === '503') return void res.writeHead(503).end('busy');
      if (step === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>gateway</html>');
      const answer = (o: object) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(o));
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/x-www-form-urlencoded' || form.app_id !== this.o.appId || !form.access_token || !form.sign)
        return answer({ status: 0, msg: 'invalid parameter' });
      if (!safeEqual(form.sign, md5Hex(form.app_id + form.access_token))) return answer({ status: 0, msg: 'invalid sign' });
      const user = this.users.get(form.access_token);
      if (!user) return answer({ status: 0, msg: 'access token expired' });
      const now = Date.now();
      answer({
        access_token: form.access_token,
        refresh_token: user.refreshToken ?? md5Hex(`refresh:${form.access_token}`).slice(0, 32),
        refresh_expires: now + 7 * 86_400_000,
        data: { user_id: user.userId, username: user.username ?? `user${user.userId}` },
        access_expires: now + 3_600_000,
        status: 1,
      });
    });
  }
}
