/**
 * Where SUD notifications and settlements are written down: a notification is recorded durably (raw body
 * included) before SUD hears "SUCCESS", and its work becomes a job keyed by what makes it unique (the match
 * for settlements, the notification otherwise). Both steps are one script.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../context.js';
import { ScriptBatcher } from '../../store/ScriptBatcher.js';
import type { Store } from '../../store/Store.js';
import { SudKeys, eventJobId, settleJobId } from './keys.js';
import { jobLease, recordScript, type RecordOutcome } from './scripts.js';
import { workFromBody } from './schemas.js';
import type { Settlement, SettlementJobState, SudEvent, SudJobRecord } from './types.js';

export interface NotificationToRecord {
  notifyId: string;
  event: string;
  /** The body as received, decoded as UTF-8. */
  rawBody: string;
  /** The job it brings, or undefined when nothing has to run for it. */
  work?: { kind: 'settle'; settlement: Settlement } | { kind: 'event'; event: SudEvent };
}

/**
 * This process's worker as the journal sees it. A new job is leased to it in the step that records it when
 * the worker will take it, and handed over in memory: no claim round trip, no re-reading the job. Otherwise
 * the job is recorded due and the worker is told to look for it.
 */
export interface JobTaker {
  readonly leaseMs: number;
  /**
   * A job whose leased record got no answer (it may land later, leased to this process, never started):
   * the taker hands it back to the queue once Redis answers, so it starts as attempt 1.
   */
  unsure(jobId: string, recorder: string): void;
  /** Whether the next job may be recorded leased to this process; each true is answered by one take. */
  reserve(): boolean;
  /**
   * Runs (now or when a slot frees) a job the record step leased to this process; undefined: none was.
   * `since`: when the record step was sent (`performance.now()`), where its lease starts for the holder.
   */
  take(job: SudJobRecord | undefined, since?: number): void;
  /** A job was recorded due: look for it. */
  kick(): void;
}

/** Where recordScript reads the lease ms and the recorder token (0-based ARGV). */
const LEASE_ARG = 12;
const RECORDER_ARG = 13;

export class SudJournal {
  readonly keys: SudKeys;
  taker?: JobTaker;
  /** Notifications that arrive together are recorded in one script run (group commit). */
  private readonly records: ScriptBatcher<{ outcome: RecordOutcome; state: string }>;
  private readonly recorderPrefix = `${randomUUID()}:`;
  private recorders = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** How long a notification's record is kept (`recordDays`). */
    private readonly recordMs: number,
  ) {
    this.keys = new SudKeys(store.keys);
    this.records = new ScriptBatcher(store, recordScript);
  }

  recordNotification(n: NotificationToRecord): Promise<{ outcome: RecordOutcome; state: string }> {
    const job = n.work ? jobOf(n.work) : undefined;
    const notifyKey = this.keys.notify(n.notifyId);
    const now = this.clock.now();
    // the job keeps the body, and its payload is read back from it (see recordScript): no payload argument
    const args: Array<string | number> = [now, n.notifyId, n.rawBody, n.event, job?.id ?? '', job?.kind ?? '', job?.key ?? '', '', 'sud', job?.roomId ?? '', this.recordMs, job ? '1' : '0', 0, ''];
    if (!job) return this.records.run([notifyKey, notifyKey, this.keys.due, notifyKey], args);
    // what the route parsed from this body is what reading the stored body gives a retry (same text, same parse)
    return this.recordJob([notifyKey, this.keys.job(job.id), this.keys.due, this.keys.tombstone(job.id)], args, {
      id: job.id,
      kind: job.kind,
      key: job.key,
      payload: job.payload,
      source: 'sud',
      notifyId: n.notifyId,
      now,
    });
  }

  /** A settlement a room reports itself: same job (and so the same dedupe) as SUD's notification of the match. */
  recordReport(settlement: Settlement): Promise<{ outcome: RecordOutcome; state: string }> {
    const id = settleJobId(settlement.matchId);
    const jobKey = this.keys.job(id);
    const now = this.clock.now();
    const payload = JSON.stringify(settlement);
    const args: Array<string | number> = [now, '', '', '', id, 'settle', settlement.matchId, payload, 'room', settlement.roomId, this.recordMs, '1', 0, ''];
    // the run gets the report as stored (its JSON, parsed back when it runs here), as a retry would
    return this.recordJob([jobKey, jobKey, this.keys.due, this.keys.tombstone(id)], args, { id, kind: 'settle', key: settlement.matchId, payload, source: 'room', now });
  }

  /**
   * Records a job leased to this process's worker when it has room, and hands it over once recorded. The
   * payload handed over is what a retry would read from the store, so a first run and a retry see the same:
   * the parsed work, or the stored JSON (a string), parsed only when the job runs here.
   */
  private async recordJob(
    keys: string[],
    args: Array<string | number>,
    job: { id: string; kind: 'settle' | 'event'; key: string; payload: Settlement | SudEvent | string; source: 'sud' | 'room'; notifyId?: string; now: number },
  ): Promise<{ outcome: RecordOutcome; state: string }> {
    const taker = this.taker;
    const leased = taker?.reserve() === true;
    const since = performance.now();
    // unique per record attempt: this journal's random prefix and a counter (a UUID each cost more)
    const recorder = leased ? `${this.recorderPrefix}${++this.recorders}` : '';
    if (leased) {
      args[LEASE_ARG] = taker!.leaseMs;
      args[RECORDER_ARG] = recorder;
    }
    let r: { outcome: RecordOutcome; state: string };
    try {
      r = await this.records.run(keys, args);
    } catch (error) {
      if (leased) {
        taker!.take(undefined);
        // the record may still land, leased to this process that will not run it: hand it back once Redis answers
        taker!.unsure(job.id, recorder);
      }
      throw error;
    }
    if (leased) {
      taker!.take(
        r.outcome === 'new'
          ? {
              id: job.id,
              kind: job.kind,
              idempotencyKey: job.key,
              state: 'running',
              source: job.source,
              attempts: 0,
              handled: false,
              ...(job.notifyId ? { notifyId: job.notifyId } : {}),
              createdAt: job.now,
              updatedAt: job.now,
              payload: typeof job.payload === 'string' ? (JSON.parse(job.payload) as Settlement) : job.payload,
            }
          : undefined,
        since,
      );
    } else if (r.outcome === 'new') taker?.kick();
    return r;
  }

  async job(id: string): Promise<SudJobRecord | undefined> {
    return decodeJob(id, await this.store.hgetall(this.keys.job(id)));
  }

  /** The raw body and event of a recorded notification (for audit and tests). */
  async notification(notifyId: string): Promise<{ body: string; event: string; job: string; receivedAt: number } | undefined> {
    const h = await this.store.hgetall(this.keys.notify(notifyId));
    if (h.event === undefined) return undefined;
    // the body of a notification that created its job is kept in that job
    const body = h.body ?? (h.job ? await this.store.hget(this.keys.job(h.job), 'body') : null) ?? '';
    return { body, event: h.event, job: h.job ?? '', receivedAt: Number(h.receivedAt) };
  }

  retry(id: string): Promise<boolean> {
    return this.store.run(jobLease.retry, [this.keys.job(id), this.keys.due, this.keys.gaveUp], [this.clock.now(), id]);
  }
}

function jobOf(work: NonNullable<NotificationToRecord['work']>) {
  if (work.kind === 'settle') {
    const s = work.settlement;
    return { id: settleJobId(s.matchId), kind: 'settle' as const, key: s.matchId, payload: s, roomId: s.roomId };
  }
  const e = work.event;
  return { id: eventJobId(e.notifyId), kind: 'event' as const, key: e.notifyId, payload: e, roomId: '' };
}

/**
 * A job as stored. A job SUD's notification created carries that body, read with the route's own parse
 * ({@link workFromBody}); a room report carries its payload JSON. Undefined when neither can be read.
 */
export function decodeJob(id: string, h: Record<string, string>): SudJobRecord | undefined {
  if (!h.state) return undefined;
  const kind = h.kind === 'event' ? 'event' : 'settle';
  let payload: Settlement | SudEvent | undefined;
  if (h.body !== undefined) payload = workFromBody(kind, h.body);
  else {
    try {
      payload = JSON.parse(h.payload ?? '') as Settlement;
    } catch {
      payload = undefined;
    }
  }
  if (payload === undefined) return undefined;
  return {
    id,
    kind,
    idempotencyKey: h.key ?? '',
    state: h.state as SettlementJobState,
    source: h.source === 'room' ? 'room' : 'sud',
    attempts: Number(h.attempts ?? 0),
    handled: h.handled === '1',
    ...(h.delivered !== undefined ? { delivered: h.delivered === '1' } : {}),
    ...(h.lastError !== undefined ? { lastError: h.lastError } : {}),
    ...(h.notifyId ? { notifyId: h.notifyId } : {}),
    createdAt: Number(h.createdAt),
    updatedAt: Number(h.updatedAt),
    ...(h.doneAt !== undefined ? { doneAt: Number(h.doneAt) } : {}),
    payload,
  };
}
