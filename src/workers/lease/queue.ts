import type { Clock } from '../../clock.js';
import type { Store } from '../../store/Store.js';
import type { LeaseScripts } from './scripts.js';

/** Where one leased job queue lives in the store. */
export interface LeaseKeys {
  /** A member's hash is `prefix + member`. */
  prefix: string;
  /** Members by the time they are due (or their lease ends). */
  due: string;
  /** Members that failed `maxAttempts` times, by when they were given up. */
  gaveUp: string;
}

/** The tuning every leased queue has (each queue's option schema says it to users in its own words). */
export interface LeaseOptions {
  leaseMs: number;
  pollIntervalMs: number;
  batchSize: number;
  concurrency: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** The longest one handler run may take; past it the attempt counts as failed and its signal aborts. */
  handlerTimeoutMs: number;
}

/** One leased job queue: its keys, its scripts, and the store and clock they run on. */
export interface LeaseQueue {
  store: Store;
  clock: Clock;
  keys: LeaseKeys;
  scripts: LeaseScripts;
  options: LeaseOptions;
  /**
   * For queues whose scripts start a given-up member's retention (`LeaseQueueSpec.retention`); `layout`
   * is the key the retention's Lua places the member's tombstone by (the ledger's shard layout).
   */
  retention?: { layout: string; recordMs: number; dedupeMs: number };
}
