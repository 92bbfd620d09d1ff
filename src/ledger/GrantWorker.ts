/**
 * Runs the game's grant handler for due orders, once per order across processes, on the shared lease loop
 * (workers/lease/LeaseWorker.ts): an order is leased to one process while its handler runs, and taken over
 * with a higher fence if that process dies. What is the ledger's own is here: reading the order, calling
 * the handler, and recording a grant together with its delivery to the player's inbox.
 */
import type { Clock } from '../context.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/Store.js';
import { ScriptBatcher } from '../store/ScriptBatcher.js';
import type { Lease, LeaseEventListener } from '../workers/lease/Lease.js';
import { LeaseWorker } from '../workers/lease/LeaseWorker.js';
import { runHandler } from '../workers/lease/runHandler.js';
import type { LedgerKeys } from './keys.js';
import { retentionOf, type LedgerOptions, type LedgerRetention } from './options.js';
import type { GrantTaker } from './StoreLedger.js';
import { OrderJournal } from './orderJournal.js';
import { decodeRecord, deliveryOf } from './record.js';
import { beginScript, grantLease } from './scripts.js';
import { completeScript } from './completeScript.js';
import { Journal, PROCESS_NAME, entry, journalOptionsSchema } from './journal.js';
import { NO_OPS, type OpsHooks } from '../ops/hooks.js';
import { grantNotice } from './grantNotice.js';
import type { GrantDelivery, GrantHandler, GrantResult, LedgerRecord, LocalHandOver } from './types.js';
import { errorText } from '../errorText.js';
import { backoffDelay } from '../backoff.js';

export interface GrantWorkerDeps {
  store: Store;
  keys: LedgerKeys;
  clock: Clock;
  logger: Logger;
  options: LedgerOptions;
  handler: GrantHandler;
  /** Told about every grant recorded here, to wake the player's room if it is on this process. */
  onGranted: (delivery: GrantDelivery) => void;
  /**
   * A hand-over to the player's room on this process, when it can take one right now (see `HandOver`): the
   * grant is then recorded straight into the player's unacknowledged grants and sent, instead of going
   * through the inbox.
   */
  handOverHere?: (userId: string) => LocalHandOver | undefined;
  /** The notice published to every process in the step that records a grant (default: one naming no hub). */
  notice?: (delivery: GrantDelivery) => string;
  /** Told when a grant lease of this process is lost, taken over, or its handler times out. */
  onLeaseEvent?: LeaseEventListener;
  /** Where each lease, failure and grant is journaled (default: the journal's default bounds). */
  journal?: Journal;
  ops?: OpsHooks;
}

const CONFIRM_RETRY_BASE_MS = 500;
const CONFIRM_RETRY_MAX_MS = 30_000;

export class GrantWorker implements GrantTaker {
  private readonly loop: LeaseWorker;
  private readonly confirmTimers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Listeners of this process's lease events (a lease lost, an order taken over, a handler timed out), e.g. a journal. */
  readonly leaseListeners = new Set<LeaseEventListener>();
  private readonly journal: OrderJournal;
  /** Grants finished together are recorded in one script run (group commit); each still gets its own answer. */
  private readonly completions: ScriptBatcher<boolean>;
  /** Grants on their way to the store after their handler returned; stop waits for them. */
  private readonly recording = new Set<Promise<void>>();
  private readonly retention: LedgerRetention;

  constructor(private readonly d: GrantWorkerDeps) {
    this.journal = new OrderJournal(d.store, (d.journal ?? new Journal(d.store, journalOptionsSchema.parse({}))).options.maxEntries);
    this.retention = retentionOf(d.options);
    this.completions = new ScriptBatcher(d.store, completeScript);
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
      retention: { layout: d.keys.shards, recordMs: this.retention.recordMs, dedupeMs: this.retention.dedupeMs },
      run: (lease) => this.grant(lease),
    });
  }

  get leaseMs(): number {
    return this.d.options.leaseMs;
  }

  reserve(): boolean {
    return this.loop.reserve();
  }

  take(record: LedgerRecord | undefined, since?: number): void {
    // the accept step leased it with fence 1, as a first claim would have
    this.loop.adopt(record && { id: record.dedupeKey, fence: 1, previous: 'pending', value: record, since });
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
  async stop(graceMs?: number): Promise<void> {
    await this.loop.stop(graceMs);
    // a grant whose handler returned is recorded before the store closes, not run again after its lease
    await Promise.all(this.recording);
    this.stopped = true;
    for (const t of this.confirmTimers) clearTimeout(t);
    this.confirmTimers.clear();
  }

  /**
   * Waits until a recorded grant is on the replicas `ledger.durability` asks for. A grant that is recorded
   * is done whatever the replicas say: not confirmed in time, it is waited for again (with backoff), never
   * granted again; only a failover before the replicas have it can bring the order back, and then the
   * handler's idempotency key makes the re-run harmless.
   */
  private confirm(id: string, tries: number): void {
    const { store, logger } = this.d;
    store.confirmDurable().then(
      () => {
        if (tries > 1) logger.info('granted order now confirmed by the replicas', { order: id, tries });
      },
      (err: unknown) => {
        const error = errorText(err);
        if (this.stopped) {
          logger.warn('granted order not confirmed by the replicas before shutdown', { order: id, tries, error });
          return;
        }
        const retryInMs = backoffDelay(tries, { baseMs: CONFIRM_RETRY_BASE_MS, maxMs: CONFIRM_RETRY_MAX_MS });
        if (tries === 1 || tries % 10 === 0) {
          logger.warn('order granted, but its record is not yet confirmed by the replicas; waiting again (the handler does not run again)', { order: id, tries, retryInMs, error });
        }
        const timer = setTimeout(() => {
          this.confirmTimers.delete(timer);
          this.confirm(id, tries + 1);
        }, retryInMs);
        this.confirmTimers.add(timer);
      },
    );
  }

  private async grant(lease: Lease): Promise<void> {
    const { store, keys, clock, logger } = this.d;
    const journal = this.journal;
    const { id, attempt } = lease;
    const journalKey = keys.order(id);
    const takeover = lease.claim.previous === 'granting';
    let record = lease.claim.value as LedgerRecord | undefined;
    if (!record) {
      // claimed by a look: read it, journaling the lease in the same step (an order leased at accept was journaled there)
      const taken = entry(clock.now(), takeover ? 'taken_over' : 'lease_taken', { attempt, process: PROCESS_NAME });
      const hash = await store.run(beginScript, [lease.key], [JSON.stringify(taken), journal.maxEntries]).catch(() => ({}) as Record<string, string>);
      record = decodeRecord(hash);
    }
    if (!record) return; // unreadable now; the lease runs out and a later look retries
    if (takeover) logger.warn('taking over an order whose grant lease ran out', { order: id, attempt });

    const started = performance.now();
    const run = await runHandler(lease, this.d.options.handlerTimeoutMs, () => this.d.handler(record, { idempotencyKey: id, attempt, signal: lease.abort.signal }));
    const ranMs = Math.round(performance.now() - started);
    if (run.kind === 'lost') {
      // the lease logged it; whoever holds the order now records its outcome (Redis may be out of reach: best effort)
      await journal.append(journalKey, entry(clock.now(), 'lease_lost', { attempt, process: PROCESS_NAME, reason: lease.lost ?? 'expired' })).catch(() => undefined);
      return;
    }
    let result: GrantResult | undefined;
    let failure: unknown;
    if (run.kind === 'done') result = run.value ?? undefined;
    else failure = run.error;
    if (run.kind === 'timed-out') logger.warn('grant handler timed out: its signal is aborted and the attempt counts as failed', { order: id, attempt, timeoutMs: this.d.options.handlerTimeoutMs });

    const recorded = this.record(lease, record, result, failure, ranMs);
    if (failure !== undefined) return recorded;
    // the slot frees while the grant is recorded: it runs no handler, and holding it kept the slots full under
    // load, so orders accepted here meanwhile were left to the claim path (a look, a claim, a first read)
    this.recording.add(recorded);
    void recorded.finally(() => this.recording.delete(recorded));
  }

  /** Records a run's outcome; never throws (what cannot be recorded is left to the lease). */
  private async record(lease: Lease, record: LedgerRecord, result: GrantResult | undefined, failure: unknown, ranMs: number): Promise<void> {
    const { keys, clock, logger } = this.d;
    const journal = this.journal;
    const ops = this.d.ops ?? NO_OPS;
    const { id, attempt } = lease;
    const journalKey = keys.order(id);
    try {
      if (failure === undefined) {
        const grantedAt = clock.now();
        const delivery = deliveryOf(record, result, grantedAt);
        const granted = entry(grantedAt, 'granted', { attempt, process: PROCESS_NAME, handlerMs: ranMs });
        const here = this.d.handOverHere?.(record.userId);
        const ok = await this.completions.run(
          [lease.key, keys.due, keys.inbox(record.userId), keys.waiting, keys.shards, here ? here.keepKey : keys.inbox(record.userId)],
          [
            grantedAt,
            lease.claim.fence,
            id,
            JSON.stringify(result ?? {}),
            JSON.stringify(delivery),
            JSON.stringify(granted),
            journal.maxEntries,
            this.retention.recordMs,
            this.retention.dedupeMs,
            keys.channel,
            record.userId,
            (this.d.notice ?? grantNotice)(delivery),
            here ? here.entry(grantedAt) : '',
            here ? here.keepMs : 0,
          ],
        );
        if (ok) {
          logger.info('order granted', { order: id, userId: record.userId, attempt });
          ops.order(record.source, 'granted');
          ops.grantDuration(ranMs / 1000);
          if (here) here.send(delivery);
          else this.d.onGranted(delivery);
          this.confirm(id, 1);
        } else {
          logger.warn('grant finished after the lease was lost; the current holder records the outcome', { order: id });
          await journal.append(journalKey, entry(clock.now(), 'lease_lost', { attempt, process: PROCESS_NAME, outcome: 'granted, not recorded' }));
        }
      } else {
        const message = errorText(failure);
        const { outcome, retryAt } = await lease.fail(message);
        const at = clock.now();
        if (outcome === 'stale') {
          await journal.append(journalKey, entry(at, 'lease_lost', { attempt, process: PROCESS_NAME, error: message.slice(0, 1000) }));
          return;
        }
        const failed = entry(at, 'attempt_failed', { attempt, process: PROCESS_NAME, error: message.slice(0, 1000), retryAt: outcome === 'rescheduled' ? retryAt : undefined });
        await journal.append(journalKey, failed);
        if (outcome === 'given_up') {
          await journal.append(journalKey, entry(at, 'given_up', { attempts: attempt, process: PROCESS_NAME }));
          ops.order(record.source, 'given_up');
          logger.error('grant handler kept failing: order given up (retry it once fixed)', { order: id, attempts: attempt, error: message });
        } else logger.warn('grant handler failed: will retry', { order: id, attempt, retryInMs: retryAt - clock.now(), error: message });
      }
    } catch (err) {
      // the outcome could not be recorded: the lease runs out and the order is tried again (the handler is idempotent)
      logger.error('could not record a grant outcome; the order will be retried', { order: id, error: errorText(err) });
    }
  }
}
