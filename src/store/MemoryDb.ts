/**
 * A synchronous, in-process model of the Redis data types the plugin uses. {@link MemoryStore} wraps it in
 * the async {@link Store} interface, and script bodies for the in-process store call it directly, which is
 * what makes them atomic: nothing else runs until they return.
 *
 * Semantics follow Redis where the plugin relies on them: WRONGTYPE errors, empty containers disappear,
 * lazy expiry against an injectable clock.
 */
type Entry = { t: 'string'; v: string } | { t: 'hash'; v: Map<string, string> } | { t: 'zset'; v: Map<string, number> } | { t: 'set'; v: Set<string> } | { t: 'list'; v: string[] };

type Kind = Entry['t'];
interface Values {
  string: string;
  hash: Map<string, string>;
  zset: Map<string, number>;
  set: Set<string>;
  list: string[];
}

export class WrongTypeError extends Error {
  constructor() {
    super('WRONGTYPE Operation against a key holding the wrong kind of value');
  }
}

export class MemoryDb {
  private readonly data = new Map<string, Entry>();
  private readonly expiry = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Where a script's PUBLISH goes; the in-process store delivers it to its subscribers after the script. */
  onPublish?: (channel: string, message: string) => void;

  /** A PUBLISH from inside a script (Redis sends it once the script has run). */
  publish(channel: string, message: string): void {
    this.onPublish?.(channel, message);
  }

  /** The store's own clock in milliseconds, as a script reads Redis's with TIME. */
  time(): number {
    return this.now();
  }

  private live(key: string): Entry | undefined {
    const at = this.expiry.get(key);
    if (at !== undefined && at <= this.now()) {
      this.data.delete(key);
      this.expiry.delete(key);
      return undefined;
    }
    return this.data.get(key);
  }

  private read<K extends Kind>(key: string, kind: K): { v: Values[K] } | undefined {
    const e = this.live(key);
    if (!e) return undefined;
    if (e.t !== kind) throw new WrongTypeError();
    return e as unknown as { v: Values[K] };
  }

  private write<K extends Kind>(key: string, kind: K, make: () => Values[K]): Values[K] {
    const e = this.read(key, kind);
    if (e) return e.v;
    const v = make();
    this.data.set(key, { t: kind, v } as Entry);
    return v;
  }

  /** Drops a container that became empty, as Redis does. */
  private prune(key: string, size: number): void {
    if (size === 0) {
      this.data.delete(key);
      this.expiry.delete(key);
    }
  }

  exists(key: string): boolean {
    return this.live(key) !== undefined;
  }

  /** Every live key (for tests that compare a whole database with a Redis one). */
  keys(): string[] {
    return [...this.data.keys()].filter((k) => this.exists(k));
  }

  type(key: string): Kind | 'none' {
    return this.live(key)?.t ?? 'none';
  }

  get(key: string): string | null {
    return this.read(key, 'string')?.v ?? null;
  }

  set(key: string, value: string, opts: { px?: number; nx?: boolean } = {}): boolean {
    if (opts.nx && this.exists(key)) return false;
    this.data.set(key, { t: 'string', v: value });
    if (opts.px !== undefined) this.expiry.set(key, this.now() + opts.px);
    else this.expiry.delete(key);
    return true;
  }

  del(...keys: string[]): number {
    let n = 0;
    for (const k of keys) {
      if (this.exists(k)) n++;
      this.data.delete(k);
      this.expiry.delete(k);
    }
    return n;
  }

  incrBy(key: string, by: number): number {
    const cur = this.get(key);
    const base = cur === null ? 0 : Number(cur);
    if (!Number.isInteger(base)) throw new Error('ERR value is not an integer or out of range');
    const next = base + by;
    const ttl = this.expiry.get(key);
    this.data.set(key, { t: 'string', v: String(next) });
    if (ttl !== undefined) this.expiry.set(key, ttl);
    return next;
  }

  pexpire(key: string, ms: number): boolean {
    if (!this.exists(key)) return false;
    this.expiry.set(key, this.now() + ms);
    return true;
  }

  /** Drops a key's expiry; true when it had one. */
  persist(key: string): boolean {
    if (!this.exists(key)) return false;
    return this.expiry.delete(key);
  }

  pttl(key: string): number {
    if (!this.exists(key)) return -2;
    const at = this.expiry.get(key);
    return at === undefined ? -1 : Math.max(0, at - this.now());
  }

  hget(key: string, field: string): string | null {
    return this.read(key, 'hash')?.v.get(field) ?? null;
  }

  hset(key: string, values: Record<string, string | number>): number {
    const h = this.write(key, 'hash', () => new Map());
    let added = 0;
    for (const [f, v] of Object.entries(values)) {
      if (!h.has(f)) added++;
      h.set(f, String(v));
    }
    return added;
  }

  hsetnx(key: string, field: string, value: string): boolean {
    const h = this.write(key, 'hash', () => new Map());
    if (h.has(field)) return false;
    h.set(field, value);
    return true;
  }

  hgetall(key: string): Record<string, string> {
    const h = this.read(key, 'hash');
    return h ? Object.fromEntries(h.v) : {};
  }

  hdel(key: string, ...fields: string[]): number {
    const h = this.read(key, 'hash');
    if (!h) return 0;
    let n = 0;
    for (const f of fields) if (h.v.delete(f)) n++;
    this.prune(key, h.v.size);
    return n;
  }

  hincrby(key: string, field: string, by: number): number {
    const h = this.write(key, 'hash', () => new Map());
    const cur = Number(h.get(field) ?? '0');
    if (!Number.isInteger(cur)) throw new Error('ERR hash value is not an integer');
    const next = cur + by;
    h.set(field, String(next));
    return next;
  }

  hlen(key: string): number {
    return this.read(key, 'hash')?.v.size ?? 0;
  }

  zadd(key: string, entries: ReadonlyArray<readonly [number, string]>): number {
    const z = this.write(key, 'zset', () => new Map());
    let added = 0;
    for (const [score, member] of entries) {
      if (!z.has(member)) added++;
      z.set(member, score);
    }
    return added;
  }

  zrem(key: string, ...members: string[]): number {
    const z = this.read(key, 'zset');
    if (!z) return 0;
    let n = 0;
    for (const m of members) if (z.v.delete(m)) n++;
    this.prune(key, z.v.size);
    return n;
  }

  zscore(key: string, member: string): number | null {
    return this.read(key, 'zset')?.v.get(member) ?? null;
  }

  zcard(key: string): number {
    return this.read(key, 'zset')?.v.size ?? 0;
  }

  zrangeByScore(key: string, min: number, max: number, limit?: number): Array<{ member: string; score: number }> {
    const z = this.read(key, 'zset');
    if (!z) return [];
    const out: Array<{ member: string; score: number }> = [];
    for (const [member, score] of z.v) if (score >= min && score <= max) out.push({ member, score });
    out.sort((a, b) => a.score - b.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
    return limit === undefined ? out : out.slice(0, limit);
  }

  sadd(key: string, ...members: string[]): number {
    const s = this.write(key, 'set', () => new Set());
    let n = 0;
    for (const m of members) {
      if (s.has(m)) continue;
      s.add(m);
      n++;
    }
    return n;
  }

  srem(key: string, ...members: string[]): number {
    const s = this.read(key, 'set');
    if (!s) return 0;
    let n = 0;
    for (const m of members) if (s.v.delete(m)) n++;
    this.prune(key, s.v.size);
    return n;
  }

  smembers(key: string): string[] {
    return [...(this.read(key, 'set')?.v ?? [])];
  }

  sismember(key: string, member: string): boolean {
    return this.read(key, 'set')?.v.has(member) ?? false;
  }

  rpush(key: string, ...values: string[]): number {
    const l = this.write(key, 'list', () => []);
    l.push(...values);
    return l.length;
  }

  lrange(key: string, start: number, stop: number): string[] {
    const l = this.read(key, 'list')?.v ?? [];
    const n = l.length;
    const s = start < 0 ? Math.max(0, n + start) : start;
    const e = stop < 0 ? n + stop : Math.min(stop, n - 1);
    return e < s ? [] : l.slice(s, e + 1);
  }

  llen(key: string): number {
    return this.read(key, 'list')?.v.length ?? 0;
  }

  /** Removes up to `count` occurrences of `value` (0 = all), as LREM with a non-negative count. */
  lrem(key: string, count: number, value: string): number {
    const l = this.read(key, 'list');
    if (!l) return 0;
    let removed = 0;
    const kept: string[] = [];
    for (const v of l.v) {
      if (v === value && (count === 0 || removed < count)) removed++;
      else kept.push(v);
    }
    l.v.splice(0, l.v.length, ...kept);
    this.prune(key, l.v.length);
    return removed;
  }
}
