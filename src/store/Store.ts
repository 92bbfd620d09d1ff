/**
 * The plugin's storage contract. Everything the plugin keeps (the order ledger, schedules, rank cursors,
 * serverstate) goes through this interface so that one contract test suite can hold the Redis
 * implementation and the in-process one to the same behaviour, as Colyseus does with its Presence.
 *
 * Multi-key atomic steps are {@link StoreScript}s: each carries its Lua body for Redis and an equivalent
 * synchronous body for the in-process store (atomic there because it runs to completion on one thread).
 */
import type { EvictionRisk } from './evictionRisk.js';
import type { KeySpace } from './KeySpace.js';
import type { MemoryDb } from './MemoryDb.js';

/** The shapes a Redis script can return; the in-process body must return the same shapes. */
export type ScriptReply = string | number | null | ScriptReply[];

/** @remarks Extension point: declare with `defineScript` and run with `bridge.store.run(script, keys, args)`. */
export interface StoreScript<R> {
  /** Unique name; becomes the ioredis custom command name. */
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
  /**
   * Lua run before the body, once per script call: local helpers the body uses. A batch (batchLua.ts)
   * defines them once for all its calls instead of once per call. See {@link scriptLua} for the whole text.
   */
  readonly prelude?: string;
  /**
   * How many leading ARGV are settings every caller of one batcher passes alike (prefixes, retention, the
   * answers to give): a batch whose calls agree on them sends them once instead of once per call, which
   * spares this process and Redis a few hundred argument conversions per batch. The script still sees
   * them in every call's ARGV. Default 0.
   */
  readonly sharedArgs?: number;
  /** The same step for the in-process store. Must mirror Lua's reply conversions (integers, nil → null). */
  local(db: MemoryDb, keys: string[], args: string[]): ScriptReply;
  /** Turns the raw reply of either body into the typed result. */
  decode(reply: ScriptReply): R;
}

/** One call of a script run in a batch, and its outcome: each call succeeds or fails on its own. */
export interface ScriptCall {
  keys: string[];
  args: ReadonlyArray<string | number>;
}

export type BatchOutcome<R> = { ok: true; value: R } | { ok: false; error: Error };

export interface SetOptions {
  /** Expire after this many milliseconds. */
  px?: number;
  /** Only set when the key does not exist. */
  nx?: boolean;
}

export type MessageHandler = (message: string) => void;

/**
 * Everything the bridge keeps, behind one contract with a Redis and an in-process implementation.
 * @remarks Extension point: `bridge.store` runs your own atomic steps ({@link StoreScript}, `defineScript`)
 * under the bridge's key prefix (`store.keys`), on whichever store the bridge was configured with.
 */
export interface Store {
  readonly kind: 'redis' | 'memory';
  readonly keys: KeySpace;

  /** Resolves when the store answers within `timeoutMs`, rejects otherwise. Never hangs. */
  ping(timeoutMs?: number): Promise<void>;

  get(key: string): Promise<string | null>;
  /** Returns false when `nx` was asked and the key existed. */
  set(key: string, value: string, opts?: SetOptions): Promise<boolean>;
  del(...keys: string[]): Promise<number>;
  incrBy(key: string, by: number): Promise<number>;
  pexpire(key: string, ms: number): Promise<boolean>;
  /** Milliseconds to live; -1 without expiry, -2 when absent (as Redis PTTL). */
  pttl(key: string): Promise<number>;

  hget(key: string, field: string): Promise<string | null>;
  hset(key: string, values: Record<string, string | number>): Promise<number>;
  hsetnx(key: string, field: string, value: string): Promise<boolean>;
  hgetall(key: string): Promise<Record<string, string>>;
  hdel(key: string, ...fields: string[]): Promise<number>;
  hincrby(key: string, field: string, by: number): Promise<number>;

  /** Adds or updates; returns the number of members newly added. */
  zadd(key: string, entries: ReadonlyArray<readonly [score: number, member: string]>): Promise<number>;
  zrem(key: string, ...members: string[]): Promise<number>;
  zscore(key: string, member: string): Promise<number | null>;
  zcard(key: string): Promise<number>;
  /** Members with min ≤ score ≤ max in score order (ties by member), at most `limit`. */
  zrangeByScore(key: string, min: number, max: number, limit?: number): Promise<Array<{ member: string; score: number }>>;

  sadd(key: string, ...members: string[]): Promise<number>;
  srem(key: string, ...members: string[]): Promise<number>;
  smembers(key: string): Promise<string[]>;
  sismember(key: string, member: string): Promise<boolean>;

  rpush(key: string, ...values: string[]): Promise<number>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  llen(key: string): Promise<number>;

  /** Runs an atomic multi-key step. */
  run<R>(script: StoreScript<R>, keys: string[], args: ReadonlyArray<string | number>): Promise<R>;
  /**
   * Runs several calls of one script in one round trip, in order, as if run back to back with nothing in
   * between; one call failing does not stop the others. Every key of every call must be in one Redis
   * Cluster slot (the bridge's keys share a hash tag per feature): checked on every store, so a batch a
   * Cluster would refuse is refused everywhere, as a whole, with a CrossSlotError naming two of its keys.
   * Otherwise rejects as a whole only when the store cannot be reached, like {@link run}.
   */
  runBatch<R>(script: StoreScript<R>, calls: readonly ScriptCall[]): Promise<Array<BatchOutcome<R>>>;

  publish(channel: string, message: string): Promise<void>;
  /** Returns the function that removes this subscription. */
  subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>>;

  /**
   * Resolves once every write this process completed before the call, and every record it read, is on the
   * replicas `ledger.durability` asks for (at once when it asks for none). Rejects with a
   * StoreUnavailableError (a NotReplicatedError when replicas did not confirm in time): the write stays
   * recorded, but the platform must be answered "retry later".
   */
  confirmDurable(): Promise<void>;
  /** Replicas wanted and online, for health; undefined when durability asks for none. */
  replication(): Promise<{ wanted: number; online: number } | undefined>;
  /** Whether Redis may evict keys (a policy other than `noeviction` with a maxmemory), for health; undefined when it cannot. */
  evictionRisk(): Promise<EvictionRisk | undefined>;

  /** Closes connections; later calls reject. Idempotent. */
  close(): Promise<void>;
}

export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** A script's whole Lua as one call runs it: its prelude, then its body. */
export function scriptLua(script: Pick<StoreScript<unknown>, 'lua' | 'prelude'>): string {
  return script.prelude ? `${script.prelude}\n${script.lua}` : script.lua;
}
