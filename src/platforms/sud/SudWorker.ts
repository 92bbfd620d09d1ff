/**
 * Runs the game's handlers for recorded SUD work, once per job across processes, on the shared lease loop
 * (workers/lease/LeaseWorker.ts): a job is leased to one process while its handler runs, and its outcome is
 * recorded only under the fence it was claimed with: a process that died mid-handler loses the job when its
 * lease ends and another process runs it (attempt 2); its late answer, if any, changes nothing.
 *
 * A settlement has two steps, the handler and the room delivery. The first is recorded as soon as it
 * succeeds; the second is a notification, not part of the handler (nor under its deadline): a room that
 * cannot be reached is logged and the job is done (a failure there never counts as a failed attempt).
 */
import type { Clock } from '../../context.js';
import type { Logger } from '../../logger.js';
import { ScriptBatcher } from '../../store/ScriptBatcher.js';
import type { Store } from '../../store/Store.js';
import type { Lease, LeaseEventListener } from '../../workers/lease/Lease.js';
import { LeaseWorker } from '../../workers/lease/LeaseWorker.js';
import { runHandler } from '../../workers/lease/runHandler.js';
import { decodeJob, type JobTaker } from './SudJournal.js';
import { UnstartedJobs } from './UnstartedJobs.js';
import type { SudKeys } from './keys.js';
import type { SudNote } from './notes.js';
import type { SudWorkerOptions } from './options.js';
import { completeScript, jobLease, markScript } from './scripts.js';
import type { HandlerContext, SettlementHandler, RoomSettlementDelivery, Settlement, SudEvent, SudEventHandler, SudJobRecord } from './types.js';
import { errorText } from '../../errorText.js';

export interface SudWorkerDeps {
  store: Store;
  keys: SudKeys;
  clock: Clock;
  logger: Logger;
  options: SudWorkerOptions;
  /** How long a finished job is kept in full (`recordDays`), then its tombstone (`dedupeDays`). */
  recordMs: number;
  dedupeMs: number;
  onSettlement?: SettlementHandler;
  onEvent?: SudEventHandler;
  rooms?: RoomSettlementDelivery;
  /** Told when a job lease of this process is lost, taken over, or its handler times out. */
  onLeaseEvent?: LeaseEventListener;
  /** Where each job's attempts and outcome are journaled (the desk's SUD timeline). */
  note?: SudNote;
}

/** Thrown inside a job when its lease was lost: the job belongs to another process now. */
class LeaseLost extends Error {}

export class SudWorker implements JobTaker {
  private readonly loop: LeaseWorker;
  /** Listeners of this process's lease events (a lease lost, a job taken over, a handler timed out), e.g. a journal. */
  readonly leaseListeners = new Set<LeaseEventListener>();
  /** Jobs that finish together are recorded done in one script run. */
  private readonly completions: ScriptBatcher<boolean>;
  private readonly unstarted: UnstartedJobs;
  /** Outcomes of finished handlers on their way to the store; stop waits for them. */
  private readonly recording = new Set<Promise<void>>();

  constructor(private readonly d: SudWorkerDeps) {
    this.completions = new ScriptBatcher(d.store, completeScript);
    this.unstarted = new UnstartedJobs({ store: d.store, keys: d.keys, clock: d.clock, logger: d.logger, onReleased: () => this.kick() });
    this.loop = new LeaseWorker({
      name: 'sud worker',
      work: 'due work',
      label: 'job',
      onLeaseEvent: (e) => {
        d.onLeaseEvent?.(e);
        for (const l of this.leaseListeners) l(e);
      },
      store: d.store,
      clock: d.clock,
      logger: d.logger,
      keys: { prefix: d.keys.jobPrefix, due: d.keys.due, gaveUp: d.keys.gaveUp },
      scripts: jobLease,
      options: d.options,
      run: (lease) => this.run(lease),
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Look for due work now (a job was just recorded here). */
  kick(): void {
    this.loop.kick();
  }

  get leaseMs(): number {
    return this.d.options.leaseMs;
  }

  reserve(): boolean {
    return this.loop.reserve();
  }

  unsure(jobId: string, recorder: string): void {
    this.unstarted.add(jobId, recorder);
  }

  take(job: SudJobRecord | undefined, since?: number): void {
    // the record step leased it with fence 1, as a first claim would have
    this.loop.adopt(job && { id: job.id, fence: 1, previous: 'pending', value: job, since });
  }

  /** Stops claiming; waits for running handlers up to `graceMs`, then aborts them (their lease lets another process finish). */
  async stop(graceMs?: number): Promise<void> {
    this.unstarted.stop();
    await this.loop.stop(graceMs);
    // a job whose handler returned is recorded done before the store closes, not run again after its lease
    await Promise.all(this.recording);
  }

  private async run(lease: Lease): Promise<void> {
    const { logger } = this.d;
    const { id, attempt } = lease;
    const job = (lease.claim.value as SudJobRecord | undefined) ?? (lease.claim.hash && decodeJob(id, lease.claim.hash));
    if (!job) {
      // counted like a failing handler, so a record that never reads ends `given_up` and visible, not retried forever
      const outcome = await lease.fail('job record unreadable').then(
        (r) => r.outcome,
        () => 'not recorded',
      );
      logger.error('sud: a job record is unreadable; counted as a failed attempt', { job: id, attempt, outcome });
      return;
    }
    if (lease.claim.previous === 'running') logger.warn('sud: taking over a job whose lease ran out', { job: id, attempt });
    this.d.note?.(id, lease.claim.previous === 'running' ? 'taken_over' : 'lease_taken', { attempt });

    const ctx: HandlerContext = { idempotencyKey: job.idempotencyKey, attempt, signal: lease.abort.signal };
    let handledNow = false;
    const run = await runHandler(lease, this.d.options.handlerTimeoutMs, async () => {
      if (job.kind === 'settle') handledNow = await this.settle(job, lease, ctx);
      else if (this.d.onEvent) await this.d.onEvent(job.payload as SudEvent, ctx);
    });
    if (run.kind === 'lost') {
      // the lease logged it; the current holder finishes the job
      this.d.note?.(id, 'lease_lost', { attempt, reason: lease.lost ?? 'expired' });
      return;
    }
    let failure: unknown = run.kind === 'done' ? undefined : run.error;
    let steps: string[] = [];
    if (failure === undefined && job.kind === 'settle') {
      if (this.showsInRoom(job)) {
        // after the handler's deadline, not under it: a room on a dead process answers only when Colyseus's
        // remote call times out (5 s), which must not turn a settled match into a failed attempt
        try {
          steps = await this.deliverToRoom(job, lease, handledNow);
        } catch (err) {
          failure = err;
        }
        if (lease.lost && !(failure instanceof LeaseLost)) {
          this.d.note?.(id, 'lease_lost', { attempt, reason: lease.lost });
          return;
        }
      } else if (handledNow) steps = ['handled', '1'];
    }
    if (failure instanceof LeaseLost) {
      logger.warn('sud: lease lost mid-job; the current holder finishes it', { job: id });
      this.d.note?.(id, 'lease_lost', { attempt });
      return;
    }
    if (run.kind === 'timed-out') {
      logger.warn('sud: handler timed out: its signal is aborted and the attempt counts as failed', { job: id, kind: job.kind, attempt, timeoutMs: this.d.options.handlerTimeoutMs });
    }
    if (failure !== undefined) return this.finish(job, lease, failure, steps);
    // the slot frees while the outcome is recorded: it runs no handler, and counting it kept the slots full under
    // load, so new jobs recorded here were left to the claim path (a poll, a claim, the body parsed again)
    const recorded = this.finish(job, lease, undefined, steps);
    this.recording.add(recorded);
    void recorded.then(() => this.recording.delete(recorded));
  }

  /** Runs the game's settlement handler unless an earlier attempt did; true when it ran now. */
  private async settle(job: SudJobRecord, lease: Lease, ctx: HandlerContext): Promise<boolean> {
    if (job.handled || !this.d.onSettlement) return false;
    const settlement = job.payload as Settlement;
    await this.d.onSettlement(settlement, ctx);
    this.d.logger.info('sud: match settled', { matchId: settlement.matchId, roomId: settlement.roomId, source: settlement.source, attempt: lease.attempt });
    return true;
  }

  /** A SUD settlement goes to its room once; a room that reported the settlement itself already has it. */
  private showsInRoom(job: SudJobRecord): boolean {
    return job.source === 'sud' && this.d.rooms !== undefined && job.delivered === undefined;
  }

  /**
   * Shows a settled match in its room, still under the job's lease; returns the step for the complete
   * script to record. Delivery is a notification, not the handler: a room that cannot be reached (gone, on a
   * process that died but is still listed, or throwing) is logged and the job is done, so it never counts as
   * a failed attempt and cannot end given_up. Its time is bounded by the room sink (Colyseus's remote call).
   */
  private async deliverToRoom(job: SudJobRecord, lease: Lease, handledNow: boolean): Promise<string[]> {
    const settlement = job.payload as Settlement;
    const release = lease.keep();
    try {
      // recorded before delivery, so a delivery interrupted by a lost lease is retried without settling the match again
      if (handledNow) await this.mark(lease, 'handled');
      let delivered: boolean | void;
      try {
        delivered = await this.d.rooms!.deliver(settlement.roomId, settlement);
      } catch (err) {
        if (lease.lost) throw err;
        this.d.logger.warn('sud: a settled match could not be shown in its room (room unreachable: gone or on a dead process); the job is done', {
          matchId: settlement.matchId,
          roomId: settlement.roomId,
          error: message(err),
        });
        delivered = false;
      }
      if (delivered === false) this.d.logger.info('sud: no live room for a settlement; it was settled but not shown in a room', { matchId: settlement.matchId, roomId: settlement.roomId });
      return ['delivered', delivered === false ? '0' : '1'];
    } finally {
      release();
    }
  }

  private async mark(lease: Lease, field: 'handled' | 'delivered', value = '1'): Promise<void> {
    const ok = await this.d.store.run(markScript, [lease.key], [this.d.clock.now(), lease.claim.fence, field, value]);
    if (!ok) throw new LeaseLost('lease lost to another process');
  }

  private async finish(job: SudJobRecord, lease: Lease, failure: unknown, steps: string[]): Promise<void> {
    const { keys, clock, logger } = this.d;
    const { id, attempt } = lease;
    try {
      if (failure === undefined) {
        const ok = await this.completions.run([lease.key, keys.due, keys.tombstone(id)], [clock.now(), lease.claim.fence, id, this.d.recordMs, this.d.dedupeMs, ...steps]);
        if (!ok) logger.warn('sud: job finished after its lease was lost; the current holder records the outcome', { job: id });
        this.d.note?.(id, ok ? 'completed' : 'lease_lost', { attempt, ...stepFieldsOf(steps), roomId: job.kind === 'settle' ? (job.payload as Settlement).roomId : undefined });
        return;
      }
      const text = message(failure);
      const { outcome, retryAt } = await lease.fail(text);
      const fields = { job: id, kind: job.kind, idempotencyKey: job.idempotencyKey, attempt, error: text };
      if (outcome !== 'stale') this.d.note?.(id, 'attempt_failed', { attempt, error: text.slice(0, 1000), retryAt: outcome === 'rescheduled' ? retryAt : undefined });
      if (outcome === 'given_up') this.d.note?.(id, 'given_up', { attempt });
      if (outcome === 'stale') this.d.note?.(id, 'lease_lost', { attempt, error: text.slice(0, 1000) });
      if (outcome === 'given_up') logger.error('sud: handler kept failing; job given up (fix, then settlements.retry it)', fields);
      else if (outcome === 'rescheduled') logger.warn('sud: handler failed; will retry', { ...fields, retryInMs: retryAt - clock.now() });
    } catch (err) {
      // the outcome could not be written: the lease runs out and the job runs again (handlers are idempotent)
      logger.error('sud: could not record a job outcome; it will run again', { job: id, error: message(err) });
    }
  }
}

/** The journal's view of finished steps: ['handled', '1'] → { handled: true }. */
function stepFieldsOf(steps: readonly string[]): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (let i = 0; i + 1 < steps.length; i += 2) out[steps[i]!] = steps[i + 1] === '1';
  return out;
}

function message(err: unknown): string {
  return errorText(err);
}
