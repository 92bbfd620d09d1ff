/**
 * The Redis store: the plugin's own ioredis connection (Colyseus quits the connections it is handed at
 * shutdown, so sharing one with RedisPresence would cut the ledger off mid-flush). Commands fail fast while
 * Redis is unreachable (one reconnect attempt per command, a command timeout) so that a payment callback is
 * answered with a failure the platform retries, rather than hanging until the platform's own timeout.
 */
import { Redis, Cluster, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.js';
import { isIoredisCluster, isIoredisInstance } from './ioredisShape.js';
import { RedisSubscriptions } from './RedisSubscriptions.js';
import { KeySpace } from './KeySpace.js';
import { batchArgs, batchLua, batchReplies } from './batchLua.js';
import { assertOneSlot } from './slot.js';
import { onlineReplicas, ReplicaWaiter, type DurabilityOptions } from './ReplicaWaiter.js';
import { EVICTION_PROBLEM, readEvictionRisk, type EvictionRisk } from './evictionRisk.js';
import { scriptLua, StoreUnavailableError, type BatchOutcome, type MessageHandler, type ScriptCall, type ScriptReply, type SetOptions, type Store, type StoreScript } from './Store.js';

export type RedisConnection = string | RedisOptions | { cluster: ClusterNode[]; options?: ClusterOptions } | Redis | Cluster;

export interface RedisStoreOptions {
  connection: RedisConnection;
  keys?: KeySpace;
  logger: Logger;
  /** Upper bound for one command while Redis is slow or away. */
  commandTimeoutMs?: number;
  /** Replicas a money write must reach before it is confirmed (`ledger.durability`). */
  durability?: DurabilityOptions;
}

type Client = Redis | Cluster;

// no enableAutoPipelining: with ioredis 5.9, a batch still in flight when the connection closes throws an
// uncaught TypeError inside ioredis (autoPipelining.js), which would take the game server down.
// protocol 2: the replies every script decoder is tested with; ioredis 6 would speak RESP3 by default
// (ioredis 5 has no such option and speaks RESP2 anyway).
const FAIL_FAST: RedisOptions = { maxRetriesPerRequest: 1, enableOfflineQueue: true, ...({ protocol: 2 } as RedisOptions) };

export function openRedis(connection: RedisConnection, commandTimeoutMs: number): Client {
  if (isIoredisInstance(connection)) {
    // a private duplicate: the host may hand the same instance to Colyseus, which quits it at shutdown. It
    // gets the bridge's fail-fast settings: the host's instance may wait through 20 reconnects per command
    const own: RedisOptions = { ...FAIL_FAST, commandTimeout: commandTimeoutMs };
    if (isIoredisCluster(connection)) {
      return connection.duplicate(undefined, { redisOptions: { ...connection.options.redisOptions, ...own } });
    }
    return (connection as Redis).duplicate(own);
  }
  if (typeof connection === 'string') return new Redis(connection, { ...FAIL_FAST, commandTimeout: commandTimeoutMs });
  if ('cluster' in connection) {
    return new Cluster(connection.cluster, {
      ...connection.options,
      redisOptions: { ...FAIL_FAST, commandTimeout: commandTimeoutMs, ...connection.options?.redisOptions },
    });
  }
  return new Redis({ ...FAIL_FAST, commandTimeout: commandTimeoutMs, ...connection });
}

export class RedisStore implements Store {
  readonly kind = 'redis' as const;
  readonly keys: KeySpace;
  readonly client: Client;
  private readonly subs: RedisSubscriptions;
  private readonly waiterClient?: Redis;
  private readonly waiter?: ReplicaWaiter;
  private readonly wantedReplicas: number;
  private readonly logger: Logger;
  private readonly defined = new Set<string>();
  private closed = false;
  private lastError?: string;
  /** The eviction policy last logged as unsafe: said once per policy, not at every reconnect. */
  private evictionLogged?: string;

  constructor(opts: RedisStoreOptions) {
    this.keys = opts.keys ?? new KeySpace();
    this.logger = opts.logger;
    this.client = openRedis(opts.connection, opts.commandTimeoutMs ?? 2000);
    this.watch(this.client, 'main');
    this.subs = new RedisSubscriptions(() => {
      const sub = this.client.duplicate();
      this.watch(sub, 'subscriber');
      return sub;
    }, this.logger);
    const durability = opts.durability ?? { replicas: 0, timeoutMs: 1000 };
    this.wantedReplicas = durability.replicas;
    if (durability.replicas > 0) {
      if (isIoredisCluster(this.client)) {
        this.client.disconnect();
        // WAIT is answered by the node it is sent to, and a cluster client sends a keyless command anywhere
        throw new Error('ledger.durability.replicas needs a single Redis primary (with replicas); it is not supported on a Redis Cluster connection');
      }
      // its own connection: WAIT blocks the connection it runs on for up to timeoutMs
      this.waiterClient = this.client.duplicate({ commandTimeout: durability.timeoutMs + (opts.commandTimeoutMs ?? 2000) });
      this.watch(this.waiterClient, 'durability');
      this.waiter = new ReplicaWaiter(this.waiterClient, this.keys.key('durability', 'mark'), durability, this.logger);
    }
  }

  confirmDurable(): Promise<void> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('redis store is closed'));
    return this.waiter ? this.waiter.confirm() : Promise.resolve();
  }

  async replication(): Promise<{ wanted: number; online: number } | undefined> {
    if (!this.waiter) return undefined;
    const info = await this.cmd(() => (this.client as Redis).info('replication'));
    return { wanted: this.wantedReplicas, online: onlineReplicas(info) };
  }

  evictionRisk(): Promise<EvictionRisk | undefined> {
    return this.cmd(() => readEvictionRisk(this.client));
  }

  /**
   * Checked at every `ready` of the main connection (a failover may land on a node configured otherwise):
   * an eviction policy that may delete ledger keys is an error to fix, logged once per policy. Money paths
   * keep working: refusing them would not make Redis keep the keys.
   */
  private checkEviction(): void {
    this.evictionRisk().then(
      (risk) => {
        if (!risk || risk.policy === this.evictionLogged) return;
        this.evictionLogged = risk.policy;
        this.logger.error(`redis may evict the bridge's keys: ${EVICTION_PROBLEM}`, {
          maxmemoryPolicy: risk.policy,
          maxmemory: risk.maxmemory,
          ...(risk.node ? { node: risk.node } : {}),
        });
      },
      // not readable (an ACL without INFO, a connection lost again): health says what it can
      () => undefined,
    );
  }

  /** Logs connection trouble once per distinct error, not once per reconnect attempt. */
  private watch(client: Client, role: string): void {
    client.on('error', (err: Error) => {
      const text = err?.message ?? String(err);
      if (text !== this.lastError) this.logger.warn(`redis ${role} connection error`, { error: text });
      this.lastError = text;
    });
    client.on('ready', () => {
      if (this.lastError) this.logger.info(`redis ${role} connection ready again`);
      this.lastError = undefined;
      if (role === 'main') this.checkEviction();
    });
  }

  private async cmd<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('redis store is closed');
    try {
      return await fn();
    } catch (err) {
      throw isConnectionError(err) ? new StoreUnavailableError(`redis unavailable: ${(err as Error).message}`, { cause: err }) : err;
    }
  }

  async ping(timeoutMs = 1000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`redis did not answer PING within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.cmd(() => this.client.ping()), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  get = (key: string) => this.cmd(() => this.client.get(key));

  async set(key: string, value: string, opts: SetOptions = {}): Promise<boolean> {
    const args: Array<string | number> = [];
    if (opts.px !== undefined) args.push('PX', opts.px);
    if (opts.nx) args.push('NX');
    const r = await this.cmd(() => (this.client as Redis).call('SET', key, value, ...args));
    return r === 'OK';
  }

  del = (...keys: string[]) => (keys.length ? this.cmd(() => this.client.del(...keys)) : Promise.resolve(0));
  incrBy = (key: string, by: number) => this.cmd(() => this.client.incrby(key, by));
  pexpire = async (key: string, ms: number) => (await this.cmd(() => this.client.pexpire(key, ms))) === 1;
  pttl = (key: string) => this.cmd(() => this.client.pttl(key));

  hget = (key: string, field: string) => this.cmd(() => this.client.hget(key, field));
  hset = (key: string, values: Record<string, string | number>) => this.cmd(() => this.client.hset(key, values));
  hsetnx = async (key: string, field: string, value: string) => (await this.cmd(() => this.client.hsetnx(key, field, value))) === 1;
  hgetall = (key: string) => this.cmd(() => this.client.hgetall(key));
  hdel = (key: string, ...fields: string[]) => this.cmd(() => this.client.hdel(key, ...fields));
  hincrby = (key: string, field: string, by: number) => this.cmd(() => this.client.hincrby(key, field, by));

  zadd = (key: string, entries: ReadonlyArray<readonly [number, string]>) => (entries.length ? this.cmd(() => this.client.zadd(key, ...entries.flatMap(([s, m]) => [s, m]))) : Promise.resolve(0));
  zrem = (key: string, ...members: string[]) => this.cmd(() => this.client.zrem(key, ...members));
  zscore = async (key: string, member: string) => {
    const s = await this.cmd(() => this.client.zscore(key, member));
    return s === null ? null : Number(s);
  };
  zcard = (key: string) => this.cmd(() => this.client.zcard(key));

  async zrangeByScore(key: string, min: number, max: number, limit?: number) {
    const bound = (n: number) => (n === Infinity ? '+inf' : n === -Infinity ? '-inf' : String(n));
    const raw =
      limit === undefined
        ? await this.cmd(() => this.client.zrangebyscore(key, bound(min), bound(max), 'WITHSCORES'))
        : await this.cmd(() => this.client.zrangebyscore(key, bound(min), bound(max), 'WITHSCORES', 'LIMIT', 0, limit));
    const out: Array<{ member: string; score: number }> = [];
    for (let i = 0; i < raw.length; i += 2) out.push({ member: raw[i]!, score: Number(raw[i + 1]) });
    return out;
  }

  sadd = (key: string, ...members: string[]) => this.cmd(() => this.client.sadd(key, ...members));
  srem = (key: string, ...members: string[]) => this.cmd(() => this.client.srem(key, ...members));
  smembers = (key: string) => this.cmd(() => this.client.smembers(key));
  sismember = async (key: string, member: string) => (await this.cmd(() => this.client.sismember(key, member))) === 1;

  rpush = (key: string, ...values: string[]) => this.cmd(() => this.client.rpush(key, ...values));
  lrange = (key: string, start: number, stop: number) => this.cmd(() => this.client.lrange(key, start, stop));
  llen = (key: string) => this.cmd(() => this.client.llen(key));

  async run<R>(script: StoreScript<R>, keys: string[], args: ReadonlyArray<string | number>): Promise<R> {
    if (keys.length !== script.numberOfKeys) throw new Error(`script ${script.name} takes ${script.numberOfKeys} keys, got ${keys.length}`);
    const command = `pb_${script.name}`;
    if (!this.defined.has(command)) {
      // defineCommand sends EVALSHA and falls back to EVAL on NOSCRIPT, so a Redis restart is harmless
      this.client.defineCommand(command, { numberOfKeys: script.numberOfKeys, lua: scriptLua(script) });
      this.defined.add(command);
    }
    const fn = (this.client as unknown as Record<string, (...a: Array<string | number>) => Promise<ScriptReply>>)[command]!;
    const reply = await this.cmd(() => fn.call(this.client, ...keys, ...args));
    return script.decode(reply);
  }

  async runBatch<R>(script: StoreScript<R>, calls: readonly ScriptCall[]): Promise<Array<BatchOutcome<R>>> {
    for (const call of calls) {
      if (call.keys.length !== script.numberOfKeys) throw new Error(`script ${script.name} takes ${script.numberOfKeys} keys, got ${call.keys.length}`);
    }
    if (calls.length === 0) return [];
    const { keys, args } = batchArgs(calls, script.sharedArgs);
    // one EVAL: on a Cluster every key must be in one slot, so it is checked here on every layout
    assertOneSlot(`script ${script.name} batch`, keys);
    const command = `pb_${script.name}_batch`;
    if (!this.defined.has(command)) {
      // no numberOfKeys: a batch's key count varies, so it is passed first on each call
      this.client.defineCommand(command, { lua: batchLua(script) });
      this.defined.add(command);
    }
    const fn = (this.client as unknown as Record<string, (...a: Array<string | number>) => Promise<ScriptReply>>)[command]!;
    const reply = await this.cmd(() => fn.call(this.client, keys.length, ...keys, ...args));
    return batchReplies(reply).map((item): BatchOutcome<R> => {
      if (!item.ok) return { ok: false, error: new Error(`script ${script.name} failed: ${item.error}`) };
      try {
        return { ok: true, value: script.decode(item.reply) };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
      }
    });
  }

  publish = async (channel: string, message: string): Promise<void> => {
    await this.cmd(() => this.client.publish(channel, message));
  };

  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    if (this.closed) throw new StoreUnavailableError('redis store is closed');
    return this.subs.subscribe(channel, handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiter?.close();
    await Promise.all([quit(this.client), this.subs.close(quit), this.waiterClient ? quit(this.waiterClient) : undefined]);
  }
}

async function quit(client: Client): Promise<void> {
  // QUIT waits for Redis; when Redis is gone it would wait for a reconnect that never comes
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await Promise.race([client.quit(), new Promise((r) => setTimeout(r, 1000).unref())]);
  } catch {
    // already closed
  } finally {
    client.disconnect();
  }
}

function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const m = err.message;
  return (
    /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Command timed out|MaxRetriesPerRequest|Stream isn't writeable|enableOfflineQueue|CLUSTERDOWN|LOADING|READONLY/i.test(m) ||
    (err as { code?: string }).code === 'ECONNREFUSED'
  );
}
