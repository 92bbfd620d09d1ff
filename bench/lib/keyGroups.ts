/**
 * What the bridge keeps in Redis, read through Redis alone (SCAN, TYPE, MEMORY USAGE, PTTL), grouped by
 * key shape: a key's group is its name up to the last `:`-separated part (`{ledger}:order:recharge:*`), so
 * a key shape the bridge starts writing shows up without a change here. Groups are sampled, not read
 * whole: a group's bytes are its sampled keys' mean MEMORY USAGE times its key count.
 */
import type { Redis } from 'ioredis';

export interface KeyGroup {
  pattern: string;
  keys: string[];
  type: string;
  /** Estimated bytes of the whole group (MEMORY USAGE, every element counted). */
  bytes: number;
  /** Mean length of the sampled keys (fields, members, items or bytes, by type). */
  length: number;
  /** Shortest and longest remaining time to live among the sampled keys; undefined when none has one. */
  ttlMs?: { min: number; max: number };
}

const SAMPLE = 20;
/** A group with fewer keys is named by its keys: its members are named things (`due`, `waiting`), not ids. */
const NAMED_BELOW = 10;

const LENGTH_COMMAND: Record<string, string> = { hash: 'hlen', zset: 'zcard', set: 'scard', list: 'llen', string: 'strlen', stream: 'xlen' };

/**
 * The last part is an id; so is any earlier part with a digit in it, so that `…:<order id>:<suffix>` keys
 * form one group too instead of a thousand of one key.
 */
export function patternOf(key: string, prefix: string): string {
  const parts = key.slice(prefix.length).split(':');
  if (parts.length === 1) return parts[0]!;
  return parts.map((p, i) => (i === parts.length - 1 || /\d/.test(p) ? '*' : p)).join(':');
}

/** A group's name in a note: its pattern, or its keys' names when there are only a few. */
export function labelOf(group: KeyGroup, prefix: string): string {
  return group.keys.length < NAMED_BELOW ? group.keys.map((k) => k.slice(prefix.length)).join(' + ') : group.pattern;
}

/** Every key under `prefix` by shape (SCAN alone: cheap enough to poll). */
export async function keysByPattern(redis: Redis, prefix: string): Promise<Map<string, string[]>> {
  const byPattern = new Map<string, Set<string>>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const pattern = patternOf(key, prefix);
      // SCAN may return a key twice; a group counts it once
      const set = byPattern.get(pattern);
      if (set) set.add(key);
      else byPattern.set(pattern, new Set([key]));
    }
  } while (cursor !== '0');
  return new Map([...byPattern].map(([p, set]) => [p, [...set].sort()]));
}

/** Every key under `prefix`, grouped by shape and sampled. */
export async function keyGroups(redis: Redis, prefix: string): Promise<Map<string, KeyGroup>> {
  const byPattern = await keysByPattern(redis, prefix);
  const groups = new Map<string, KeyGroup>();
  for (const [pattern, keys] of byPattern) {
    const sample = keys.length <= SAMPLE ? keys : Array.from({ length: SAMPLE }, (_, i) => keys[Math.floor((i * keys.length) / SAMPLE)]!);
    const read = redis.pipeline();
    for (const key of sample) read.type(key).memory('USAGE', key, 'SAMPLES', 0).pttl(key);
    const replies = (await read.exec()) ?? [];
    const seen: Array<{ key: string; type: string; bytes: number; ttl: number }> = [];
    for (let i = 0; i < sample.length; i++) {
      const [type, bytes, ttl] = [replies[3 * i]?.[1], replies[3 * i + 1]?.[1], replies[3 * i + 2]?.[1]];
      // a key that expired between SCAN and here has no usage
      if (typeof type === 'string' && type !== 'none' && typeof bytes === 'number' && typeof ttl === 'number') seen.push({ key: sample[i]!, type, bytes, ttl });
    }
    if (!seen.length) continue;
    const lengths = redis.pipeline();
    for (const s of seen) {
      const command = LENGTH_COMMAND[s.type];
      if (command) lengths.call(command, s.key);
    }
    const lengthReplies = ((await lengths.exec()) ?? []).map(([, n]) => (typeof n === 'number' ? n : 0));
    const ttls = seen.map((s) => s.ttl).filter((t) => t >= 0);
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
    groups.set(pattern, {
      pattern,
      keys,
      type: [...new Set(seen.map((s) => s.type))].join('/'),
      bytes: mean(seen.map((s) => s.bytes)) * keys.length,
      length: mean(lengthReplies),
      ...(ttls.length ? { ttlMs: { min: Math.min(...ttls), max: Math.max(...ttls) } } : {}),
    });
  }
  return groups;
}

export interface GroupChange {
  label: string;
  type: string;
  keys: number;
  bytes: number;
  /** Mean bytes of one key of the group as it is after (as it was, for a group now gone). */
  keyBytes: number;
  /** Mean length of a key of the group before and after (a few named keys: how much each grew). */
  length: { before: number; after: number };
  ttlMs?: { min: number; max: number };
}

/** What changed between two readings, group by group, largest byte change first. */
export function groupChanges(before: Map<string, KeyGroup>, after: Map<string, KeyGroup>, prefix: string): GroupChange[] {
  const changes: GroupChange[] = [];
  for (const pattern of new Set([...before.keys(), ...after.keys()])) {
    const b = before.get(pattern);
    const a = after.get(pattern);
    const keys = (a?.keys.length ?? 0) - (b?.keys.length ?? 0);
    const bytes = (a?.bytes ?? 0) - (b?.bytes ?? 0);
    if (keys === 0 && Math.abs(bytes) < 1) continue;
    // a group that is gone is described as it was
    const shown = a ?? b!;
    changes.push({
      label: labelOf(shown, prefix),
      type: shown.type,
      keys,
      bytes,
      keyBytes: shown.bytes / shown.keys.length,
      length: { before: b?.length ?? 0, after: shown.length },
      ...(shown.ttlMs ? { ttlMs: shown.ttlMs } : {}),
    });
  }
  return changes.sort((x, y) => Math.abs(y.bytes) - Math.abs(x.bytes));
}

/** `{ledger}:order:recharge:* +1000 hash (len 14, 612 B each, no TTL) 612 B/order`, per unit of `per`. */
export function describeChanges(changes: GroupChange[], per: number, unit: string): string {
  return changes
    .map((c) => {
      const ttl = c.ttlMs ? `TTL ${ttlText(c.ttlMs)}` : 'no TTL';
      const each = `, ${Math.round(c.keyBytes)} B each`;
      // a group that gained keys: the length of one; the same keys grown: from what to what
      const len = c.keys !== 0 ? `len ${round1(c.length.after)}` : `len ${round1(c.length.before)} → ${round1(c.length.after)}`;
      return `${c.label} ${c.keys >= 0 ? '+' : ''}${c.keys} ${c.type} (${len}${each}, ${ttl}) ${round1(c.bytes / per)} B/${unit}`;
    })
    .join('; ');
}

export function ttlText(ttl: { min: number; max: number }): string {
  const [min, max] = [fmtMs(ttl.min), fmtMs(ttl.max)];
  return min === max ? min : `${min}–${max}`;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
function fmtMs(ms: number): string {
  if (ms >= 86_400_000) return `${round1(ms / 86_400_000)} d`;
  if (ms >= 1000) return `${round1(ms / 1000)} s`;
  return `${ms} ms`;
}
