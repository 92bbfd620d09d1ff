/**
 * Hashing and signature helpers shared by every platform. Platforms differ in which fields they sign and how
 * the secret is attached; they agree on hex digests and on needing a constant-time compare, which lives here.
 * @remarks Extension point: exported for a game's own platform calls the bridge does not wrap (same digests,
 * same constant-time compare).
 */
import * as crypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type HashName = 'md5' | 'sha256' | 'sha1';

// Node ≥ 21.7's one-shot hash skips the Hash object: several times cheaper for the short strings signed here
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string }).hash;

/** Lowercase hex digest of UTF-8 text (or raw bytes). */
export function hashHex(algorithm: HashName, data: string | Buffer): string {
  return oneShot ? oneShot(algorithm, data, 'hex') : createHash(algorithm).update(data).digest('hex');
}

export const md5Hex = (data: string | Buffer): string => hashHex('md5', data);
export const sha256Hex = (data: string | Buffer): string => hashHex('sha256', data);

export function hmacHex(algorithm: HashName, key: string | Buffer, data: string | Buffer): string {
  return createHmac(algorithm, key).update(data).digest('hex');
}

export const hmacSha1Hex = (key: string | Buffer, data: string | Buffer): string => hmacHex('sha1', key, data);

/**
 * Constant-time equality of a received signature and the digest we computed. The expected side is always
 * a digest, whose length is public (32 hex digits for MD5, 40 for SHA-1), so a length mismatch may answer
 * at once; equal lengths are compared without an early exit. `caseInsensitive` is for hex digests, which
 * platforms send in either case.
 */
export function safeEqual(received: string, expected: string, caseInsensitive = false): boolean {
  const a = Buffer.from(caseInsensitive ? received.toLowerCase() : received, 'utf8');
  const b = Buffer.from(caseInsensitive ? expected.toLowerCase() : expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface CanonicalOptions {
  /** Keys left out of the string (the signature field itself). Default `['signature']`. */
  excludeKeys?: readonly string[];
  /** Leave out keys whose value is empty, null or undefined. Default true. */
  skipEmpty?: boolean;
  /** Include `key=` before each value. Default true. */
  includeKeys?: boolean;
  /** Joins the pairs. Default `&`. */
  separator?: string;
  /** How values are written: raw (decoded) text, RFC 3986 percent-encoding, or form encoding. Default raw. */
  encodeValues?: 'none' | 'rfc3986' | 'form';
}

/**
 * The GameCenter canonical string: parameters sorted by name in ASCII order and joined as `k=v&k=v`
 * (without the secret; the caller appends it as its sign variant says).
 */
export function canonicalSorted(params: Record<string, unknown>, opts: CanonicalOptions = {}): string {
  const exclude = new Set(opts.excludeKeys ?? ['signature']);
  const skipEmpty = opts.skipEmpty ?? true;
  const includeKeys = opts.includeKeys ?? true;
  const sep = opts.separator ?? '&';
  const encode = opts.encodeValues ?? 'none';
  const parts: string[] = [];
  for (const key of Object.keys(params).sort(asciiCompare)) {
    if (exclude.has(key)) continue;
    const raw = params[key];
    if (raw === undefined || raw === null || (skipEmpty && raw === '')) continue;
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects took the JSON branch; what is left is a primitive
    const text = typeof raw === 'string' ? raw : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
    const value = encode === 'rfc3986' ? rfc3986(text) : encode === 'form' ? new URLSearchParams({ v: text }).toString().slice(2) : text;
    parts.push(includeKeys ? `${key}=${value}` : value);
  }
  return parts.join(sep);
}

/** Byte-wise (code unit) ordering, as `sort` in Java/PHP/Go does for ASCII keys; not locale-aware. */
function asciiCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
