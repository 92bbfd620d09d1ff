/**
 * The client address of a router request. Colyseus's router hands endpoints a WHATWG `Request`, which has
 * no socket, so the bridge stamps the socket address into a header on the way in. The stamp carries a
 * per-process random tag and overwrites whatever a caller sent under that name, so it cannot be forged.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { normalizeIp } from '../net/ipAddress.js';
import { createIpMatcher } from './ipAllowList.js';

export const PEER_HEADER = 'x-platform-bridge-peer';

export interface PeerOptions {
  /**
   * Trust `X-Forwarded-For` from this many proxies in front of the server (nginx on Colyseus Cloud: 1).
   * 0 uses the socket address.
   */
  trustProxyHops: number;
  /**
   * The proxies' addresses or ranges: X-Forwarded-For is read only when the socket peer is one of them, so a
   * client reaching the port directly cannot claim an allowed address. Empty: the header is never read.
   */
  trustedProxies?: readonly string[];
}

export class PeerStamp {
  private readonly tag = randomBytes(12).toString('hex');
  private installedOn = new WeakSet<HttpServer>();

  private readonly isProxy: (ip: string | undefined) => boolean;

  constructor(private readonly opts: PeerOptions) {
    const proxies = opts.trustedProxies ?? [];
    this.isProxy = proxies.length ? createIpMatcher(proxies) : () => false;
  }

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
    const socketPeer = this.socketPeerOf(headers);
    if (this.opts.trustProxyHops === 0 || socketPeer === undefined) return socketPeer;
    const xff = headers.get('x-forwarded-for');
    const hops = xff
      ? xff
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
    // walk from the socket peer leftwards through X-Forwarded-For, one hop per trusted proxy: an entry is
    // believed only when the hop that reported it is a trusted proxy itself
    let current = socketPeer;
    for (let i = 1; i <= this.opts.trustProxyHops; i++) {
      if (!this.isProxy(current)) break;
      const next = hops[hops.length - i];
      if (!next) break;
      current = normalizeIp(next);
    }
    return current;
  }

  private socketPeerOf(headers: Headers): string | undefined {
    const stamp = headers.get(PEER_HEADER);
    if (!stamp) return undefined;
    const sep = stamp.indexOf(' ');
    if (sep < 0 || stamp.slice(0, sep) !== this.tag) return undefined;
    const ip = stamp.slice(sep + 1);
    return ip ? normalizeIp(ip) : undefined;
  }
}
