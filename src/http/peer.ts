/**
 * The client address of a router request. Colyseus's router hands endpoints a WHATWG `Request`, which has
 * no socket, so the bridge stamps the socket address into a header on the way in. The stamp carries a
 * per-process random tag and overwrites whatever a caller sent under that name, so it cannot be forged.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { normalizeIp } from './ipAllowList.js';

export const PEER_HEADER = 'x-platform-bridge-peer';

export interface PeerOptions {
  /**
   * Trust `X-Forwarded-For` from this many proxies in front of the server (nginx on Colyseus Cloud: 1).
   * 0 uses the socket address.
   */
  trustProxyHops: number;
}

export class PeerStamp {
  private readonly tag = randomBytes(12).toString('hex');
  private installedOn = new WeakSet<HttpServer>();

  constructor(private readonly opts: PeerOptions) {}

  /**
   * Prepends the stamping listener. It must run before Colyseus's own request listener, which Colyseus
   * prepends when it binds its routes at listen time, so this is called after that.
   */
  install(server: HttpServer): void {
    if (this.installedOn.has(server)) return;
    this.installedOn.add(server);
    server.prependListener('request', (req: IncomingMessage) => {
      req.headers[PEER_HEADER] = `${this.tag} ${req.socket?.remoteAddress ?? ''}`;
    });
  }

  /** The caller's address, or undefined when it cannot be established (then allow-lists refuse). */
  peerOf(headers: Headers): string | undefined {
    if (this.opts.trustProxyHops > 0) {
      const xff = headers.get('x-forwarded-for');
      if (xff) {
        const hops = xff.split(',').map((s) => s.trim()).filter(Boolean);
        // the address the outermost trusted proxy saw is `hops` entries from the right
        const ip = hops[hops.length - this.opts.trustProxyHops];
        if (ip) return normalizeIp(ip);
      }
    }
    const stamp = headers.get(PEER_HEADER);
    if (!stamp) return undefined;
    const sep = stamp.indexOf(' ');
    if (sep < 0 || stamp.slice(0, sep) !== this.tag) return undefined;
    const ip = stamp.slice(sep + 1);
    return ip ? normalizeIp(ip) : undefined;
  }
}
