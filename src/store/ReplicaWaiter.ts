/**
 * Replicated durability: a money write counts as durable only once `replicas` replicas have it. Redis's
 * WAIT blocks the connection it is sent on, so it runs on a connection of its own (the store's commands
 * keep flowing while a replica is slow); to cover the writes made on the store's connection, each round
 * first writes a marker key on this connection and then WAITs for it. Redis replicates one ordered stream,
 * so a replica that has the marker has every write the primary executed before it: every write whose reply
 * this process had received (a whole group-commit batch included), and every record another process wrote
 * that this process read (a duplicate's original). Calls that arrive while a round is on the wire share the
 * next one, so under load one WAIT confirms many orders.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { StoreUnavailableError } from './Store.js';

export interface DurabilityOptions {
  /** Replicas that must acknowledge a money write before it is confirmed; 0 confirms at once. */
  replicas: number;
  /** How long one confirmation may wait for them. */
  timeoutMs: number;
}

/** A write was recorded on the primary but not confirmed on enough replicas in time: answer "retry later". */
export class NotReplicatedError extends StoreUnavailableError {
  constructor(
    readonly acknowledged: number,
    readonly wanted: number,
    timeoutMs: number,
  ) {
    super(`recorded, but only ${acknowledged} of ${wanted} replica(s) confirmed it within ${timeoutMs} ms`);
    this.name = 'NotReplicatedError';
  }
}

interface Waiting {
  resolve(): void;
  reject(error: Error): void;
}

export class ReplicaWaiter {
  private waiting: Waiting[] = [];
  private running = false;
  private closed = false;

  constructor(
    private readonly client: Redis,
    private readonly markKey: string,
    private readonly options: DurabilityOptions,
    private readonly logger: Logger,
  ) {}

  /** Resolves once every write (and read) this process completed before the call is on the replicas. */
  confirm(): Promise<void> {
    if (this.options.replicas === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new StoreUnavailableError('redis store is closed'));
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.running) void this.rounds();
    });
  }

  private async rounds(): Promise<void> {
    this.running = true;
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      const { replicas, timeoutMs } = this.options;
      let outcome: Error | undefined;
      try {
        const replies = await this.client.pipeline().incr(this.markKey).call('WAIT', replicas, timeoutMs).exec();
        const failed = replies?.find(([err]) => err);
        if (!replies || failed) throw failed?.[0] ?? new Error('no reply to WAIT');
        const acknowledged = Number(replies[1]![1]);
        if (acknowledged < replicas) {
          outcome = new NotReplicatedError(acknowledged, replicas, timeoutMs);
          this.logger.warn('money writes not confirmed by enough replicas in time; the platform is answered "retry later"', {
            acknowledged,
            wanted: replicas,
            timeoutMs,
            writes: group.length,
          });
        }
      } catch (err) {
        outcome = err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`could not wait for replicas: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      }
      for (const w of group) {
        if (outcome) w.reject(outcome);
        else w.resolve();
      }
    }
    this.running = false;
  }

  close(): void {
    this.closed = true;
    const group = this.waiting;
    this.waiting = [];
    for (const w of group) w.reject(new StoreUnavailableError('redis store is closed'));
  }
}

/** Replicas the primary reports online (`INFO replication`), for health. */
export function onlineReplicas(info: string): number {
  let online = 0;
  for (const line of info.split(/\r?\n/)) {
    if (/^slave\d+:/.test(line) && /(^|,|:)state=online(,|$)/.test(line)) online++;
  }
  return online;
}
