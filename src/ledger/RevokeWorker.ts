/**
 * Runs the game's `onRevoked` handler for orders a platform took back after they were granted, once per
 * order across processes, on the shared lease loop: a revocation job is leased to one process while the
 * handler runs and taken over with a higher fence if that process dies. The order itself is already
 * `revoked` in the ledger (see revokeScripts.ts); this only gets the game told, so it can claw back.
 */
import type { Clock } from '../context.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/Store.js';
import type { Lease, LeaseEventListener } from '../workers/lease/Lease.js';
import { LeaseWorker } from '../workers/lease/LeaseWorker.js';
import { runHandler } from '../workers/lease/runHandler.js';
import { Journal, PROCESS_NAME, entry, journalOptionsSchema } from './journal.js';
import type { LedgerKeys } from './keys.js';
import { retentionOf, type LedgerOptions } from './options.js';
import { decodeRecord } from './record.js';
import { revokeDoneScript, revokeLease } from './revokeScripts.js';
import type { RevokeHandler } from './types.js';
import { errorText } from '../errorText.js';

export interface RevokeWorkerDeps {
  store: Store;
  keys: LedgerKeys;
  clock: Clock;
  logger: Logger;
  options: LedgerOptions;
  handler: RevokeHandler;
  onLeaseEvent?: LeaseEventListener;
  journal?: Journal;
}

/** The idempotency key `onRevoked` gets for an order: distinct from the grant's, stable per order. */
export function revokeKeyOf(dedupeKey: string): string {
  return `revoke:${dedupeKey}`;
}

export class RevokeWorker {
  private readonly loop: LeaseWorker;
  private readonly journal: Journal;
  /** How long a handled revocation job is kept: as long as a finished order's record. */
  private readonly recordMs: number;

  constructor(private readonly d: RevokeWorkerDeps) {
    this.journal = d.journal ?? new Journal(d.store, journalOptionsSchema.parse({}));
    this.recordMs = retentionOf(d.options).recordMs;
    this.loop = new LeaseWorker({
      name: 'revocation worker',
      work: 'due revocations',
      label: 'order',
      onLeaseEvent: d.onLeaseEvent,
      store: d.store,
      clock: d.clock,
      logger: d.logger,
      keys: { prefix: d.keys.revokePrefix, due: d.keys.revokeDue, gaveUp: d.keys.revokeGaveUp },
      scripts: revokeLease,
      options: d.options,
      run: (lease) => this.revoke(lease),
    });
  }

  start(): void {
    this.loop.start();
  }

  kick(): void {
    this.loop.kick();
  }

  stop(graceMs?: number): Promise<void> {
    return this.loop.stop(graceMs);
  }

  private async revoke(lease: Lease): Promise<void> {
    const { store, keys, clock, logger } = this.d;
    const { id, attempt } = lease;
    const record = decodeRecord(await store.hgetall(keys.order(id)).catch(() => ({}) as Record<string, string>));
    if (!record) return; // unreadable now; the lease runs out and a later look retries
    const run = await runHandler(lease, this.d.options.handlerTimeoutMs, () => this.d.handler(record, { idempotencyKey: revokeKeyOf(id), attempt, signal: lease.abort.signal }));
    if (run.kind === 'lost') return;
    try {
      if (run.kind === 'done') {
        const note = entry(clock.now(), 'revocation_handled', { attempt, process: PROCESS_NAME });
        const ok = await store.run(
          revokeDoneScript,
          [lease.key, keys.revokeDue, keys.order(id)],
          [clock.now(), lease.claim.fence, id, JSON.stringify(note), this.journal.options.maxEntries, this.recordMs],
        );
        if (ok) logger.info('onRevoked handled a revoked order', { order: id, userId: record.userId, attempt });
        return;
      }
      const message = errorText(run.error);
      const { outcome, retryAt } = await lease.fail(message);
      if (outcome === 'given_up') logger.error('onRevoked kept failing: revocation given up (the order stays revoked; claw back by hand)', { order: id, attempts: attempt, error: message });
      else if (outcome === 'rescheduled') logger.warn('onRevoked failed: will retry', { order: id, attempt, retryInMs: retryAt - clock.now(), error: message });
    } catch (err) {
      logger.error('could not record an onRevoked outcome; it will be retried', { order: id, error: errorText(err) });
    }
  }
}
