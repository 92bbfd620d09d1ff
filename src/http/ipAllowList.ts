import { BlockList, isIP } from 'node:net';
import { ipv4FromMapped, normalizeIp } from '../net/ipAddress.js';

/**
 * Builds a matcher for an allow-list of addresses and CIDR ranges (IPv4 and IPv6). IPv4-mapped IPv6
 * addresses (`::ffff:10.0.0.1`, how a dual-stack socket reports IPv4 peers) match their IPv4 entries.
 * An empty or missing list allows everyone.
 *
 * Entries are parsed strictly because an allow-list that misreads an entry fails open: `"203.0.113.0/"`
 * once read as `/0` and let every address in. Whether `/0` itself is acceptable is decided at register
 * (`http.allowZeroPrefix`), where the option's name can be reported.
 */
export function createIpMatcher(entries: readonly string[] | undefined): (ip: string | undefined) => boolean {
  if (!entries || entries.length === 0) return () => true;
  const list = new BlockList();
  for (const raw of entries) {
    const parsed = parseIpEntry(raw);
    if (!parsed.ok) throw new Error(`${JSON.stringify(raw)} is not an IP address or CIDR range: ${parsed.reason}`);
    if (parsed.prefix === undefined) list.addAddress(parsed.address, parsed.type);
    else list.addSubnet(parsed.address, parsed.prefix, parsed.type);
  }
  return (ip) => {
    if (!ip) return false;
    const addr = normalizeIp(ip);
    const family = isIP(addr);
    if (!family) return false;
    return list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
  };
}

export type ParsedIpEntry = { ok: true; address: string; type: 'ipv4' | 'ipv6'; prefix?: number } | { ok: false; reason: string };

/**
 * One allow-list entry: an address, or an address, exactly one `/` and a decimal prefix (0-32 for IPv4,
 * 0-128 for IPv6). No whitespace, no hex or signed prefixes. An IPv4-mapped IPv6 entry
 * (`::ffff:1.2.3.0/120`) becomes its IPv4 form, so it matches peers however the socket reports them.
 */
export function parseIpEntry(raw: string): ParsedIpEntry {
  if (typeof raw !== 'string' || raw === '') return { ok: false, reason: 'empty entry' };
  if (/\s/.test(raw)) return { ok: false, reason: 'contains whitespace' };
  const parts = raw.split('/');
  if (parts.length > 2) return { ok: false, reason: 'more than one "/"' };
  const [addr, bits] = parts as [string, string | undefined];
  const family = isIP(addr);
  if (!family) return { ok: false, reason: addr === '' ? 'no address before "/"' : `${JSON.stringify(addr)} is not an IPv4 or IPv6 address` };
  const max = family === 4 ? 32 : 128;
  let prefix: number | undefined;
  if (bits !== undefined) {
    if (!/^\d{1,3}$/.test(bits)) return { ok: false, reason: bits === '' ? 'empty prefix after "/"' : `prefix ${JSON.stringify(bits)} is not a decimal number` };
    prefix = Number(bits);
    if (prefix > max) return { ok: false, reason: `prefix /${prefix} is out of range 0-${max}` };
  }
  const mapped = family === 6 ? ipv4FromMapped(addr) : undefined;
  if (mapped) {
    if (prefix !== undefined && prefix < 96) return { ok: false, reason: `an IPv4-mapped range needs a prefix of at least /96, got /${prefix}` };
    return { ok: true, address: mapped, type: 'ipv4', ...(prefix !== undefined ? { prefix: prefix - 96 } : {}) };
  }
  return { ok: true, address: addr, type: family === 4 ? 'ipv4' : 'ipv6', ...(prefix !== undefined ? { prefix } : {}) };
}

/** Whether an entry is a valid range covering every address (`0.0.0.0/0`, `::/0`, `::ffff:0.0.0.0/96`). */
export function isAnyAddressEntry(raw: string): boolean {
  const parsed = parseIpEntry(raw);
  return parsed.ok && parsed.prefix === 0;
}

/** Why an entry is refused, or undefined when it is valid (for the options schema). */
export function ipEntryProblem(entry: string): string | undefined {
  const parsed = parseIpEntry(entry);
  return parsed.ok ? undefined : `${JSON.stringify(entry)} is not an IP address or CIDR range such as "10.0.0.0/8": ${parsed.reason}`;
}

/** Validates entries without building a matcher. */
export function isValidIpEntry(entry: string): boolean {
  return parseIpEntry(entry).ok;
}
