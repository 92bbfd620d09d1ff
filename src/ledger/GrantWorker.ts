/**
 * Runs the game's grant handler for due orders. One loop per process (no timer per order): each look claims
 * a batch through one script, which leases the orders to this process. While the handler runs the lease is
 * renewed; if this process dies, the lease runs out and another process's look claims the order again
 * (with a higher fence, so the dead holder's late answer, if any, is ignored).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../context.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/Store.js';
import { StoreUnavailableError } from '../store/Store.js';
import { backoffDelay } from './backoff.js';
import type { LedgerKeys } from './keys.js';
import type { LedgerOptions } from './options.js';
import { decodeRecord, deliveryOf } from './record.js';
import { claimScript, completeScript, failScript, renewScript, type Claimed } from './scripts.js';
import type { GrantDelivery, GrantHandler, GrantResult } from './types.js';

export interface GrantWorkerDeps {
  store: Store;
  keys: LedgerKeys;
  clock: Clock;
  logger: Logger;
  options: LedgerOptions;
  handler: GrantHandler;
  /** Told about every grant recorded here, to wake the player's room. */
  onGranted: (delivery: GrantDelivery) => void;
}

export class GrantWorker {
  readonly owner = randomUUID();
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = true;
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private storeDown = false;

  constructor(private readonly d: GrantWorkerDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Look for due work now (an order was just accepted here). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Stops looking for work; waits for running handlers up to `graceMs`, then aborts them. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const pending = [...this.inFlight.values()];
    if (!pending.length) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(pending.map((p) => p.done)), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const p of this.inFlight.values()) p.abort.abort(new Error('bridge closing'));
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    this.again = false;
    try {
      const free = this.d.options.concurrency - this.inFlight.size;
      if (free > 0) {
        const claimed = await this.d.store.run(
          claimScript,
          [this.d.keys.due],
          [this.d.clock.now(), Math.min(free, this.d.options.batchSize), this.d.options.leaseMs, this.d.keys.orderPrefix, this.owner],
        );
        if (this.storeDown) this.d.logger.info('grant worker: store reachable again');
        this.storeDown = false;
        for (const c of claimed) this.launch(c);
        // a full batch means more may be due right away
        if (claimed.length === Math.min(free, this.d.options.batchSize)) this.again = true;
      }
    } catch (err) {
      if (!this.storeDown) this.d.logger.warn('grant worker: cannot claim due orders', { error: err instanceof Error ? err.message : String(err) });
      this.storeDown = err instanceof StoreUnavailableError;
    } finally {
      this.running = false;
      this.schedule(this.again ? 0 : this.d.options.pollIntervalMs);
    }
  }

  private launch(c: Claimed): void {
    if (this.inFlight.has(c.member)) return;
    const abort = new AbortController();
    const done = this.grant(c, abort).finally(() => {
      this.inFlight.delete(c.member);
      this.kick();
    });
    this.inFlight.set(c.member, { abort, done });
  }

  private async grant(c: Claimed, abort: AbortController): Promise<void> {
    const { store, keys, clock, logger, options } = this.d;
    const orderKey = keys.order(c.member);
    const record = decodeRecord(await store.hgetall(orderKey).catch(() => ({}) as Record<string, string>));
    if (!record) return; // unreadable now; the lease runs out and a later look retries
    // the fence counts hand-overs: a takeover after a crash is attempt 2 even though nothing was recorded
    const attempt = c.fence;
    if (c.previous === 'granting') logger.warn('taking over an order whose grant lease ran out', { order: c.member, attempt });

    const renew = setInterval(() => {
      store
        .run(renewScript, [orderKey, keys.due], [clock.now(), c.fence, c.member, options.leaseMs])
        .then((held) => {
          if (!held) abort.abort(new Error('grant lease lost to another process'));
        })
        .catch(() => undefined);
    }, Math.max(50, Math.floor(options.leaseMs / 3)));
    renew.unref();

    let result: GrantResult | undefined;
    let failure: unknown;
    try {
      result = (await this.d.handler(record, { idempotencyKey: c.member, attempt, signal: abort.signal })) ?? undefined;
    } catch (err) {
      failure = err ?? new Error('grant handler failed');
    } finally {
      clearInterval(renew);
    }

    try {
      if (failure === undefined) {
        const grantedAt = clock.now();
        const delivery = deliveryOf(record, result, grantedAt);
        const ok = await store.run(
          completeScript,
          [orderKey, keys.due, keys.inbox(record.userId)],
          [grantedAt, c.fence, c.member, JSON.stringify(result ?? {}), JSON.stringify(delivery)],
        );
        if (ok) {
          logger.info('order granted', { order: c.member, userId: record.userId, attempt });
          this.d.onGranted(delivery);
        } else {
          logger.warn('grant finished after the lease was lost; the current holder records the outcome', { order: c.member });
        }
      } else {
        const message = failure instanceof Error ? failure.message : String(failure);
        const next = clock.now() + backoffDelay(attempt, options.backoffBaseMs, options.backoffMaxMs);
        const outcome = await store.run(
          failScript,
          [orderKey, keys.due, keys.gaveUp],
          [clock.now(), c.fence, c.member, message.slice(0, 1000), next, options.maxAttempts],
        );
        if (outcome === 'given_up') logger.error('grant handler kept failing: order given up (retry it once fixed)', { order: c.member, attempts: attempt, error: message });
        else if (outcome === 'rescheduled') logger.warn('grant handler failed: will retry', { order: c.member, attempt, retryInMs: next - clock.now(), error: message });
      }
    } catch (err) {
      // the outcome could not be recorded: the lease runs out and the order is tried again (the handler is idempotent)
      logger.error('could not record a grant outcome; the order will be retried', { order: c.member, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
