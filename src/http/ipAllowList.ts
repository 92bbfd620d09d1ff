import { BlockList, isIP } from 'node:net';

/**
 * Builds a matcher for an allow-list of addresses and CIDR ranges (IPv4 and IPv6). IPv4-mapped IPv6
 * addresses (`::ffff:10.0.0.1`, how a dual-stack socket reports IPv4 peers) match their IPv4 entries.
 * An empty or missing list allows everyone.
 */
export function createIpMatcher(entries: readonly string[] | undefined): (ip: string | undefined) => boolean {
  if (!entries || entries.length === 0) return () => true;
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [addr, bits] = entry.split('/');
    const family = isIP(addr ?? '');
    if (!family) throw new Error(`not an IP address or CIDR range: ${JSON.stringify(raw)}`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(addr!, type);
    else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) throw new Error(`bad CIDR prefix in ${JSON.stringify(raw)}`);
      list.addSubnet(addr!, prefix, type);
    }
  }
  return (ip) => {
    if (!ip) return false;
    const addr = normalizeIp(ip);
    const family = isIP(addr);
    if (!family) return false;
    return list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/** `::ffff:1.2.3.4` → `1.2.3.4`; strips an IPv6 zone id. */
export function normalizeIp(ip: string): string {
  const s = ip.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  if (mapped) return mapped[1]!;
  const zone = s.indexOf('%');
  return zone > 0 ? s.slice(0, zone) : s;
}

/** Validates entries without building a matcher (for the options schema). */
export function isValidIpEntry(entry: string): boolean {
  try {
    createIpMatcher([entry]);
    return true;
  } catch {
    return false;
  }
}
