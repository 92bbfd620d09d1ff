/**
 * One reading of a peer address, for allow-lists, per-address connection caps and logs alike: however a
 * socket, a proxy's X-Forwarded-For or a URL writes an address, the same peer must come out as the same
 * text, or an allow-list entry would miss it (or a cap would count it twice).
 */
import { isIP } from 'node:net';

/** `::ffff:1.2.3.4`, `::ffff:102:304` and `0:0:0:0:0:ffff:1.2.3.4` (any case): the IPv4 address inside. */
const MAPPED = /^(?:::|(?:0{1,4}:){5})ffff:(?:(\d{1,3}(?:\.\d{1,3}){3})|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i;

/** The IPv4 address of an IPv4-mapped IPv6 address (dotted or hex tail), else undefined. */
export function ipv4FromMapped(ip: string): string | undefined {
  const m = MAPPED.exec(ip);
  if (!m) return undefined;
  if (m[1] !== undefined) return isIP(m[1]) === 4 ? m[1] : undefined;
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/**
 * The canonical text of an address: surrounding whitespace, URL/RFC 7239 brackets (`[::1]`, `[::1]:443`)
 * and an IPv4 `:port` (as some proxies write X-Forwarded-For) removed, an IPv6 zone id (`fe80::1%eth0`)
 * dropped, and an IPv4-mapped IPv6 address (how a dual-stack socket reports IPv4 peers) written as IPv4.
 * Anything that is still not an address is returned trimmed, for the caller's `isIP` to refuse.
 */
export function normalizeIp(ip: string): string {
  let s = ip.trim();
  const bracketed = /^\[([^\]]*)\](?::\d{1,5})?$/.exec(s);
  if (bracketed) s = bracketed[1]!;
  else {
    const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(s);
    if (withPort) s = withPort[1]!;
  }
  const zone = s.indexOf('%');
  if (zone > 0 && s.includes(':')) s = s.slice(0, zone);
  return ipv4FromMapped(s) ?? s;
}
