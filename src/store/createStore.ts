import type { Logger } from '../logger.js';
import { KeySpace } from './KeySpace.js';
import { MemoryStore } from './MemoryStore.js';
import { RedisStore, type RedisConnection } from './RedisStore.js';
import type { DurabilityOptions } from './ReplicaWaiter.js';
import type { Store } from './Store.js';

export interface CreateStoreOptions {
  redis?: RedisConnection;
  keyPrefix?: string;
  commandTimeoutMs?: number;
  durability?: DurabilityOptions;
  logger: Logger;
}

/** Redis when a connection is configured; otherwise the in-process store, with a warning that says what that means. */
export function createStore(opts: CreateStoreOptions): Store {
  const keys = new KeySpace(opts.keyPrefix);
  if (opts.redis !== undefined) {
    return new RedisStore({ connection: opts.redis, keys, logger: opts.logger, commandTimeoutMs: opts.commandTimeoutMs, durability: opts.durability });
  }
  if (opts.durability && opts.durability.replicas > 0) {
    throw new Error(
      "ledger.durability.replicas > 0 needs Redis with replicas: the in-process store keeps orders in one process's memory, which no replica can confirm. Configure `redis`, or set replicas to 0.",
    );
  }
  opts.logger.warn(
    'no redis configured: using the in-process store. It is single-process only and keeps nothing across restarts; ' +
      'configure `redis` before running more than one process or taking real payments.',
  );
  return new MemoryStore(keys);
}
