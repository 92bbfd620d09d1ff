/**
 * Redis Cluster hash slots, computed as the cluster does (CRC16/XMODEM of the key's hash tag, mod 16384),
 * so a batch of script calls sent as one EVAL is checked to stay in one slot on every layout: a batch that
 * works on a single Redis but would fail with CROSSSLOT on a Cluster fails here, in tests, with its keys.
 */

const SLOTS = 16384;

const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

/** The part of a key the cluster hashes: the first non-empty `{…}`, else the whole key (Redis's rule). */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}

export function keySlot(key: string): number {
  return crc16(Buffer.from(hashTag(key), 'utf8')) % SLOTS;
}

export class CrossSlotError extends Error {
  override readonly name = 'CrossSlotError';
}

/**
 * Throws a {@link CrossSlotError} naming the first two keys that a Cluster would put in different slots.
 * Cheap when every key carries the same tag (a string comparison per key); the CRC runs only when tags differ.
 */
export function assertOneSlot(what: string, keys: readonly string[]): void {
  if (keys.length < 2) return;
  const first = keys[0]!;
  const tag = hashTag(first);
  let slot: number | undefined;
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    const t = hashTag(key);
    if (t === tag) continue;
    slot ??= keySlot(first);
    const other = crc16(Buffer.from(t, 'utf8')) % SLOTS;
    if (other !== slot) {
      throw new CrossSlotError(`${what}: keys of one batch must share one Redis Cluster hash slot (one {tag}); ${JSON.stringify(first)} is in slot ${slot}, ${JSON.stringify(key)} in slot ${other}`);
    }
  }
}
