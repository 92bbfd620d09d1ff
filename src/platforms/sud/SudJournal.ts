/**
 * Where SUD notifications and settlements are written down: a notification is recorded durably (raw body
 * included) before SUD hears "SUCCESS", and its work becomes a job keyed by what makes it unique (the match
 * for settlements, the notification otherwise). Both steps are one script.
 */
import type { Clock } from '../../context.js';
import type { Store } from '../../store/Store.js';
import { SudKeys, eventJobId, settleJobId } from './keys.js';
import { jobLease, recordScript, type RecordOutcome } from './scripts.js';
import type { Settlement, SettlementJobState, SudEvent, SudJobRecord } from './types.js';

export interface NotificationToRecord {
  notifyId: string;
  event: string;
  rawBody: Buffer;
  /** The job it brings, or undefined when nothing has to run for it. */
  work?: { kind: 'settle'; settlement: Settlement } | { kind: 'event'; event: SudEvent };
}

export class SudJournal {
  readonly keys: SudKeys;
  /** Told when a new job was recorded on this process, so it starts without waiting for the next look. */
  onRecorded?: () => void;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly retentionMs: number,
  ) {
    this.keys = new SudKeys(store.keys);
  }

  async recordNotification(n: NotificationToRecord): Promise<{ outcome: RecordOutcome; state: string }> {
    const job = n.work ? jobOf(n.work) : undefined;
    const jobId = job?.id ?? '';
    const r = await this.store.run(
      recordScript,
      [this.keys.notify(n.notifyId), job ? this.keys.job(job.id) : this.keys.notify(n.notifyId), this.keys.due],
      [
        this.clock.now(),
        n.notifyId,
        n.rawBody.toString('utf8'),
        n.event,
        jobId,
        job?.kind ?? '',
        job?.key ?? '',
        job ? JSON.stringify(job.payload) : '',
        'sud',
        job?.roomId ?? '',
        this.retentionMs,
        job ? '1' : '0',
      ],
    );
    if (r.outcome === 'new' && job) this.onRecorded?.();
    return r;
  }

  /** A settlement a room reports itself: same job (and so the same dedupe) as SUD's notification of the match. */
  async recordReport(settlement: Settlement): Promise<{ outcome: RecordOutcome; state: string }> {
    const jobKey = this.keys.job(settleJobId(settlement.matchId));
    const r = await this.store.run(
      recordScript,
      [jobKey, jobKey, this.keys.due],
      [this.clock.now(), '', '', '', settleJobId(settlement.matchId), 'settle', settlement.matchId, JSON.stringify(settlement), 'room', settlement.roomId, this.retentionMs, '1'],
    );
    if (r.outcome === 'new') this.onRecorded?.();
    return r;
  }

  async job(id: string): Promise<SudJobRecord | undefined> {
    return decodeJob(id, await this.store.hgetall(this.keys.job(id)));
  }

  /** The raw body and event of a recorded notification (for audit and tests). */
  async notification(notifyId: string): Promise<{ body: string; event: string; job: string; receivedAt: number } | undefined> {
    const h = await this.store.hgetall(this.keys.notify(notifyId));
    if (h.body === undefined) return undefined;
    return { body: h.body, event: h.event ?? '', job: h.job ?? '', receivedAt: Number(h.receivedAt) };
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

export function decodeJob(id: string, h: Record<string, string>): SudJobRecord | undefined {
  if (!h.state) return undefined;
  let payload: Settlement | SudEvent;
  try {
    payload = JSON.parse(h.payload ?? '{}');
  } catch {
    return undefined;
  }
  return {
    id,
    kind: h.kind === 'event' ? 'event' : 'settle',
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
