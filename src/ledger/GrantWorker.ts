/**
 * Runs the game's grant handler for due orders, once per order across processes, on the shared lease loop
 * (workers/lease/LeaseWorker.ts): an order is leased to one process while its handler runs, and taken over
 * with a higher fence if that process dies. What is the ledger's own is here: reading the order, calling
 * the handler, and recording a grant together with its delivery to the player's inbox.
 */
import type { Clock } from '../context.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/Store.js';
import type { Lease, LeaseEventListener } from '../workers/lease/Lease.js';
import { LeaseWorker } from '../workers/lease/LeaseWorker.js';
import { runHandler } from '../workers/lease/runHandler.js';
import type { LedgerKeys } from './keys.js';
import type { LedgerOptions } from './options.js';
import { decodeRecord, deliveryOf } from './record.js';
import { completeScript, grantLease } from './scripts.js';
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
  /** Told when a grant lease of this process is lost, taken over, or its handler times out. */
  onLeaseEvent?: LeaseEventListener;
}

export class GrantWorker {
  private readonly loop: LeaseWorker;
  /** Listeners of this process's lease events (a lease lost, an order taken over, a handler timed out), e.g. a journal. */
  readonly leaseListeners = new Set<LeaseEventListener>();

  constructor(private readonly d: GrantWorkerDeps) {
    this.loop = new LeaseWorker({
      name: 'grant worker',
      work: 'due orders',
      label: 'order',
      onLeaseEvent: (e) => {
        d.onLeaseEvent?.(e);
        for (const l of this.leaseListeners) l(e);
      },
      store: d.store,
      clock: d.clock,
      logger: d.logger,
      keys: { prefix: d.keys.orderPrefix, due: d.keys.due, gaveUp: d.keys.gaveUp },
      scripts: grantLease,
      options: d.options,
      run: (lease) => this.grant(lease),
    });
  }

  /** This process's name in the `leaseOwner` of the orders it holds. */
  get owner(): string {
    return this.loop.owner;
  }

  start(): void {
    this.loop.start();
  }

  /** Look for due work now (an order was just accepted here). */
  kick(): void {
    this.loop.kick();
  }

  /** Stops looking for work; waits for running handlers up to `graceMs`, then aborts them. */
  stop(graceMs?: number): Promise<void> {
    return this.loop.stop(graceMs);
  }

  private async grant(lease: Lease): Promise<void> {
    const { store, keys, clock, logger } = this.d;
    const { id, attempt } = lease;
    const record = decodeRecord(await store.hgetall(lease.key).catch(() => ({}) as Record<string, string>));
    if (!record) return; // unreadable now; the lease runs out and a later look retries
    if (lease.claim.previous === 'granting') logger.warn('taking over an order whose grant lease ran out', { order: id, attempt });

    const run = await runHandler(lease, this.d.options.handlerTimeoutMs, () =>
      this.d.handler(record, { idempotencyKey: id, attempt, signal: lease.abort.signal }),
    );
    if (run.kind === 'lost') return; // the lease logged it; whoever holds the order now records its outcome
    let result: GrantResult | undefined;
    let failure: unknown;
    if (run.kind === 'done') result = run.value ?? undefined;
    else failure = run.error;
    if (run.kind === 'timed-out') logger.warn('grant handler timed out: its signal is aborted and the attempt counts as failed', { order: id, attempt, timeoutMs: this.d.options.handlerTimeoutMs });

    try {
      if (failure === undefined) {
        const grantedAt = clock.now();
        const delivery = deliveryOf(record, result, grantedAt);
        const ok = await store.run(
          completeScript,
          [lease.key, keys.due, keys.inbox(record.userId)],
          [grantedAt, lease.claim.fence, id, JSON.stringify(result ?? {}), JSON.stringify(delivery)],
        );
        if (ok) {
          logger.info('order granted', { order: id, userId: record.userId, attempt });
          this.d.onGranted(delivery);
        } else {
          logger.warn('grant finished after the lease was lost; the current holder records the outcome', { order: id });
        }
      } else {
        const message = failure instanceof Error ? failure.message : String(failure);
        const { outcome, retryAt } = await lease.fail(message);
        if (outcome === 'given_up') logger.error('grant handler kept failing: order given up (retry it once fixed)', { order: id, attempts: attempt, error: message });
        else if (outcome === 'rescheduled') logger.warn('grant handler failed: will retry', { order: id, attempt, retryInMs: retryAt - clock.now(), error: message });
      }
    } catch (err) {
      // the outcome could not be recorded: the lease runs out and the order is tried again (the handler is idempotent)
      logger.error('could not record a grant outcome; the order will be retried', { order: id, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
