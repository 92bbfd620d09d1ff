/**
 * The in-process store: used when no Redis is configured, for trial runs on one process. It keeps nothing
 * across restarts and cannot be shared between processes, which the register call says in the log.
 */
import { KeySpace } from './KeySpace.js';
import { MemoryDb } from './MemoryDb.js';
import { assertOneSlot } from './slot.js';
import { StoreUnavailableError, type BatchOutcome, type MessageHandler, type ScriptCall, type ScriptReply, type SetOptions, type Store, type StoreScript } from './Store.js';

export class MemoryStore implements Store {
  readonly kind = 'memory' as const;
  readonly db: MemoryDb;
  private readonly channels = new Map<string, Set<MessageHandler>>();
  private closed = false;

  constructor(
    readonly keys: KeySpace = new KeySpace(),
    now: () => number = Date.now,
  ) {
    this.db = new MemoryDb(now);
    // a script's PUBLISH reaches subscribers after the script has run, as with Redis
    this.db.onPublish = (channel, message) => queueMicrotask(() => this.deliver(channel, message));
  }

  /** Runs `fn` on a later microtask so callers see the same asynchrony as with Redis. */
  private async op<T>(fn: () => T): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('in-process store is closed');
    await Promise.resolve();
    return fn();
  }

  async ping(): Promise<void> {
    await this.op(() => undefined);
  }

  get = (key: string) => this.op(() => this.db.get(key));
  set = (key: string, value: string, opts?: SetOptions) => this.op(() => this.db.set(key, value, opts));
  del = (...keys: string[]) => this.op(() => this.db.del(...keys));
  incrBy = (key: string, by: number) => this.op(() => this.db.incrBy(key, by));
  pexpire = (key: string, ms: number) => this.op(() => this.db.pexpire(key, ms));
  pttl = (key: string) => this.op(() => this.db.pttl(key));

  hget = (key: string, field: string) => this.op(() => this.db.hget(key, field));
  hset = (key: string, values: Record<string, string | number>) => this.op(() => this.db.hset(key, values));
  hsetnx = (key: string, field: string, value: string) => this.op(() => this.db.hsetnx(key, field, value));
  hgetall = (key: string) => this.op(() => this.db.hgetall(key));
  hdel = (key: string, ...fields: string[]) => this.op(() => this.db.hdel(key, ...fields));
  hincrby = (key: string, field: string, by: number) => this.op(() => this.db.hincrby(key, field, by));

  zadd = (key: string, entries: ReadonlyArray<readonly [number, string]>) => this.op(() => this.db.zadd(key, entries));
  zrem = (key: string, ...members: string[]) => this.op(() => this.db.zrem(key, ...members));
  zscore = (key: string, member: string) => this.op(() => this.db.zscore(key, member));
  zcard = (key: string) => this.op(() => this.db.zcard(key));
  zrangeByScore = (key: string, min: number, max: number, limit?: number) => this.op(() => this.db.zrangeByScore(key, min, max, limit));

  sadd = (key: string, ...members: string[]) => this.op(() => this.db.sadd(key, ...members));
  srem = (key: string, ...members: string[]) => this.op(() => this.db.srem(key, ...members));
  smembers = (key: string) => this.op(() => this.db.smembers(key));
  sismember = (key: string, member: string) => this.op(() => this.db.sismember(key, member));

  rpush = (key: string, ...values: string[]) => this.op(() => this.db.rpush(key, ...values));
  lrange = (key: string, start: number, stop: number) => this.op(() => this.db.lrange(key, start, stop));
  llen = (key: string) => this.op(() => this.db.llen(key));

  run<R>(script: StoreScript<R>, keys: string[], args: ReadonlyArray<string | number>): Promise<R> {
    return this.op(() => {
      if (keys.length !== script.numberOfKeys) throw new Error(`script ${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
      const reply: ScriptReply = script.local(this.db, keys, args.map(String));
      return script.decode(reply);
    });
  }

  runBatch<R>(script: StoreScript<R>, calls: readonly ScriptCall[]): Promise<Array<BatchOutcome<R>>> {
    return this.op(() => {
      // the same refusal as Redis, so a batch that a Cluster would refuse fails on the in-process store too
      assertOneSlot(
        `script ${script.name} batch`,
        calls.flatMap((c) => c.keys),
      );
      return calls.map((call): BatchOutcome<R> => {
        try {
          if (call.keys.length !== script.numberOfKeys) throw new Error(`script ${script.name} takes ${script.numberOfKeys} keys, got ${call.keys.length}`);
          return { ok: true, value: script.decode(script.local(this.db, call.keys, call.args.map(String))) };
        } catch (error) {
          return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
        }
      });
    });
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.op(() => undefined);
    this.deliver(channel, message);
  }

  private deliver(channel: string, message: string): void {
    if (this.closed) return;
    const handlers = this.channels.get(channel);
    if (!handlers) return;
    for (const h of [...handlers]) {
      try {
        h(message);
      } catch {
        // a subscriber's failure must not stop delivery to the others, as with Redis
      }
    }
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    await this.op(() => undefined);
    let set = this.channels.get(channel);
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(handler);
    return async () => {
      const s = this.channels.get(channel);
      s?.delete(handler);
      if (s && s.size === 0) this.channels.delete(channel);
    };
  }

  /** One process's memory has no replicas: register refuses `ledger.durability.replicas` > 0 with this store. */
  confirmDurable(): Promise<void> {
    return this.op(() => undefined);
  }

  async replication(): Promise<undefined> {
    return undefined;
  }

  // nothing evicts a process's own memory
  async evictionRisk(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.channels.clear();
  }
}
