/**
 * Runs the game's handlers for recorded SUD work, once per job across processes. One loop per process
 * claims due jobs through one script (a lease), renews the lease while the handler runs, and records the
 * outcome only under the fence it claimed with: a process that died mid-handler loses the job when its
 * lease ends and another process runs it (attempt 2); its late answer, if any, changes nothing.
 *
 * A settlement has two steps, the handler and the room delivery. The first is recorded as soon as it
 * succeeds, so a failed delivery is retried without settling the match again.
 */
import type { Clock } from '../../context.js';
import type { Logger } from '../../logger.js';
import { backoffDelay } from '../../ledger/backoff.js';
import type { Store } from '../../store/Store.js';
import { StoreUnavailableError } from '../../store/Store.js';
import { decodeJob } from './SudJournal.js';
import type { SudKeys } from './keys.js';
import type { SudWorkerOptions } from './options.js';
import { claimScript, completeScript, failScript, markScript, renewScript, type ClaimedJob } from './scripts.js';
import type { HandlerContext, SettlementHandler, SettlementRoomSink, Settlement, SudEvent, SudEventHandler, SudJobRecord } from './types.js';

export interface SudWorkerDeps {
  store: Store;
  keys: SudKeys;
  clock: Clock;
  logger: Logger;
  options: SudWorkerOptions;
  retentionMs: number;
  onSettlement?: SettlementHandler;
  onEvent?: SudEventHandler;
  rooms?: SettlementRoomSink;
}

/** Thrown inside a job when its lease was lost: the job belongs to another process now. */
class LeaseLost extends Error {}

export class SudWorker {
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = true;
  private storeDown = false;
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(private readonly d: SudWorkerDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Look for due work now (a job was just recorded here). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Stops claiming; waits for running handlers up to `graceMs`, then aborts them (their lease lets another process finish). */
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
    const { options, keys, clock, store } = this.d;
    try {
      const free = options.concurrency - this.inFlight.size;
      if (free > 0) {
        const limit = Math.min(free, options.batchSize);
        const claimed = await store.run(claimScript, [keys.due], [clock.now(), limit, options.leaseMs, keys.jobPrefix]);
        if (this.storeDown) this.d.logger.info('sud worker: store reachable again');
        this.storeDown = false;
        for (const c of claimed) this.launch(c);
        if (claimed.length === limit) this.again = true;
      }
    } catch (err) {
      if (!this.storeDown) this.d.logger.warn('sud worker: cannot claim due work', { error: message(err) });
      this.storeDown = err instanceof StoreUnavailableError;
    } finally {
      this.running = false;
      this.schedule(this.again ? 0 : options.pollIntervalMs);
    }
  }

  private launch(c: ClaimedJob): void {
    if (this.inFlight.has(c.id)) return;
    const abort = new AbortController();
    const done = this.run(c, abort).finally(() => {
      this.inFlight.delete(c.id);
      this.kick();
    });
    this.inFlight.set(c.id, { abort, done });
  }

  private async run(c: ClaimedJob, abort: AbortController): Promise<void> {
    const { store, keys, clock, logger, options } = this.d;
    const jobKey = keys.job(c.id);
    const job = decodeJob(c.id, c.hash);
    if (!job) {
      logger.error('sud: a job record is unreadable; it is retried when its lease ends', { job: c.id });
      return;
    }
    if (c.previous === 'running') logger.warn('sud: taking over a job whose lease ran out', { job: c.id, attempt: c.fence });

    const renew = setInterval(() => {
      store
        .run(renewScript, [jobKey, keys.due], [clock.now(), c.fence, c.id, options.leaseMs])
        .then((held) => {
          if (!held) abort.abort(new LeaseLost('lease lost to another process'));
        })
        .catch(() => undefined);
    }, Math.max(50, Math.floor(options.leaseMs / 3)));
    renew.unref();

    const ctx: HandlerContext = { idempotencyKey: job.idempotencyKey, attempt: c.fence, signal: abort.signal };
    let failure: unknown;
    const steps: string[] = [];
    try {
      if (job.kind === 'settle') steps.push(...(await this.settle(job, c, ctx)));
      else if (this.d.onEvent) await this.d.onEvent(job.payload as SudEvent, ctx);
    } catch (err) {
      failure = err ?? new Error('handler failed');
    } finally {
      clearInterval(renew);
    }
    if (failure instanceof LeaseLost) {
      logger.warn('sud: lease lost mid-job; the current holder finishes it', { job: c.id });
      return;
    }
    await this.finish(job, c, failure, steps);
  }

  /** Runs what is left of a settlement; returns the finished steps for the complete script to record. */
  private async settle(job: SudJobRecord, c: ClaimedJob, ctx: HandlerContext): Promise<string[]> {
    const settlement = job.payload as Settlement;
    let handledNow = false;
    if (!job.handled && this.d.onSettlement) {
      await this.d.onSettlement(settlement, ctx);
      handledNow = true;
      this.d.logger.info('sud: match settled', { matchId: settlement.matchId, roomId: settlement.roomId, source: settlement.source, attempt: c.fence });
    }
    // a room that reported the settlement itself already has it
    if (job.source !== 'sud' || !this.d.rooms || job.delivered !== undefined) return handledNow ? ['handled', '1'] : [];
    // recorded before delivery, so a delivery that fails is retried without settling the match again
    if (handledNow) await this.mark(c, 'handled');
    const delivered = await this.d.rooms.deliver(settlement.roomId, settlement);
    if (delivered === false) this.d.logger.info('sud: no live room for a settlement; it was settled but not shown in a room', { matchId: settlement.matchId, roomId: settlement.roomId });
    return ['delivered', delivered === false ? '0' : '1'];
  }

  private async mark(c: ClaimedJob, field: 'handled' | 'delivered', value = '1'): Promise<void> {
    const ok = await this.d.store.run(markScript, [this.d.keys.job(c.id)], [this.d.clock.now(), c.fence, field, value]);
    if (!ok) throw new LeaseLost('lease lost to another process');
  }

  private async finish(job: SudJobRecord, c: ClaimedJob, failure: unknown, steps: string[]): Promise<void> {
    const { store, keys, clock, logger, options } = this.d;
    try {
      if (failure === undefined) {
        const ok = await store.run(completeScript, [keys.job(c.id), keys.due], [clock.now(), c.fence, c.id, this.d.retentionMs, ...steps]);
        if (!ok) logger.warn('sud: job finished after its lease was lost; the current holder records the outcome', { job: c.id });
        return;
      }
      const text = message(failure);
      const next = clock.now() + backoffDelay(c.fence, options.backoffBaseMs, options.backoffMaxMs);
      const outcome = await store.run(failScript, [keys.job(c.id), keys.due, keys.gaveUp], [clock.now(), c.fence, c.id, text.slice(0, 1000), next, options.maxAttempts]);
      const fields = { job: c.id, kind: job.kind, idempotencyKey: job.idempotencyKey, attempt: c.fence, error: text };
      if (outcome === 'given_up') logger.error('sud: handler kept failing; job given up (fix, then settlements.retry it)', fields);
      else if (outcome === 'rescheduled') logger.warn('sud: handler failed; will retry', { ...fields, retryInMs: next - clock.now() });
    } catch (err) {
      // the outcome could not be written: the lease runs out and the job runs again (handlers are idempotent)
      logger.error('sud: could not record a job outcome; it will run again', { job: c.id, error: message(err) });
    }
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
