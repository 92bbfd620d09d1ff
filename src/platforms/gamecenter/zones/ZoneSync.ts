/**
 * Game-zone data for GameCenter. A role creation (type 1) and an order's zone are submitted at once and
 * at most once: a guard in Redis is taken before sending, atomically with an outbox entry, so a second
 * report (here or on another process) sends nothing and a failed or interrupted send is retried from the
 * outbox. Role activity (type 2) is folded to one row per user and zone and sent in batches on an interval.
 *
 * Nothing is dropped: GameCenter reports a role creation only once, so an event it refuses (999 — also its
 * answer to a wrong secret or sign — or 923) or that keeps failing is parked: it stays in the outbox, is
 * retried with backoff, and is listed by {@link ZoneSync.parked} (and counted in health) until accepted.
 */
import type { Clock } from '../../../context.js';
import type { Logger } from '../../../logger.js';
import type { Store } from '../../../store/Store.js';
import { MAX_GAME_ZONE, MAX_ZONE_ROWS, ZONE_EVENT } from '../client.js';
import type { GameCenterClient } from '../client.js';
import { GameCenterErrorCode, GameCenterRequestError, isGameCenterError } from '../errors.js';
import { zoneKeys } from './keys.js';
import type { ZoneKeys } from './keys.js';
import { claimActiveScript, claimOutboxScript, enqueueOnceScript, outboxClaim, recordActiveScript, retryParkedScript, settleActiveScript, settleOutboxScript } from './scripts.js';
import type { OutboxOutcome } from './scripts.js';
import { errorText } from '../../../errorText.js';
import { backoffDelay } from '../../../backoff.js';

export interface ZoneSyncOptions {
  /** How long one sender owns an event or an activity batch before another process may take it. */
  leaseMs: number;
  /** Delay before the first retry of a failed event; doubles per attempt up to 32×. */
  retryMs: number;
  /** Failed sends of one event before it is parked (listed for operators, logged as an error, still retried). */
  maxAttempts: number;
  /** Activity rows per request, ≤ 1000. */
  activeBatchSize: number;
}

export interface ZoneSyncDeps {
  store: Store;
  client: Pick<GameCenterClient, 'syncUserGameZoneData' | 'syncOrderGameZoneData'>;
  clock: Clock;
  logger: Logger;
  options: ZoneSyncOptions;
}

/** What a create-role or order-zone report led to. */
export type ZoneEventOutcome =
  /** GameCenter has it (answered success, or 998: it already had it) */
  | 'sent'
  /** reported before (here or on another process): nothing sent */
  | 'duplicate'
  /** the send failed or was refused; the outbox keeps it and retries it (refused ones are also listed as parked) */
  | 'queued'
  /** bad zone or arguments from the game: logged, nothing stored */
  | 'refused';

/** A zone event GameCenter has not accepted yet: kept queued and retried with backoff, listed for an operator. */
export type ParkedZoneEvent = ({ event: 'create role'; userId: string } | { event: 'order zone'; orderId: string }) & {
  zone: number;
  /** 'refused': GameCenter answered 999/923 (or the client refused the arguments); 'failing': no usable answer `zoneMaxAttempts` times. */
  why: 'refused' | 'failing';
  /** GameCenter's code and msg of the last refusal. */
  code?: number;
  msg?: string;
  error: string;
  attempts: number;
  lastAttemptAt: number;
  nextAttemptAt?: number;
};

interface ParkedInfo {
  why: 'refused' | 'failing';
  code?: number;
  msg?: string;
  error: string;
  attempts: number;
  at: number;
}

type OutboxRow = { kind: 'create'; userId: string; zone: number; timeMs: number } | { kind: 'order'; orderId: string; zone: number };

export class ZoneSync {
  private readonly keys: ZoneKeys;

  constructor(private readonly d: ZoneSyncDeps) {
    this.keys = zoneKeys(d.store.keys);
  }

  /** A role was created in `zone`: sync.user_game_zone_data type 1, now, once per user and zone. */
  async roleCreated(userId: string, zone: number, createdAtMs: number): Promise<ZoneEventOutcome> {
    if (!this.validZone('roleCreated', zone, { userId }) || !this.validText('roleCreated', 'userId', userId)) return 'refused';
    if (!Number.isSafeInteger(createdAtMs) || createdAtMs < 0) {
      this.d.logger.warn('GameCenter roleCreated refused: createdAtMs must be a timestamp in ms', { userId, zone, createdAtMs });
      return 'refused';
    }
    return this.sendOnce(`c:${zone}:${userId}`, { kind: 'create', userId, zone, timeMs: createdAtMs });
  }

  /** An order belongs to `zone`: sync.order_game_zone_data, now, once per order. */
  async orderZone(orderId: string, zone: number): Promise<ZoneEventOutcome> {
    if (!this.validZone('orderZone', zone, { orderId }) || !this.validText('orderZone', 'orderId', orderId)) return 'refused';
    return this.sendOnce(`o:${orderId}`, { kind: 'order', orderId, zone });
  }

  /** A role was active in `zone`: folded to the latest time per user and zone, sent by {@link flushActive}. */
  async roleActive(userId: string, zone: number, atMs: number): Promise<boolean> {
    if (!this.validZone('roleActive', zone, { userId }) || !this.validText('roleActive', 'userId', userId)) return false;
    if (!Number.isSafeInteger(atMs) || atMs < 0) {
      this.d.logger.warn('GameCenter roleActive refused: atMs must be a timestamp in ms', { userId, zone, atMs });
      return false;
    }
    await this.d.store.run(recordActiveScript, [this.keys.active, this.keys.activeAt], [this.d.clock.now(), `${zone}:${userId}`, atMs]);
    return true;
  }

  /** Sends queued activity, one claimed batch after another until none is due. Returns the requests made. */
  async flushActive(): Promise<number> {
    const k = this.keys;
    const limit = Math.min(MAX_ZONE_ROWS, Math.max(1, this.d.options.activeBatchSize));
    let requests = 0;
    for (;;) {
      const claim = await this.d.store.run(claimActiveScript, [k.active, k.activeAt, k.activeClaims, k.activeSeq], [this.d.clock.now(), limit, this.d.options.leaseMs]);
      if (claim.rows.length === 0) return requests;
      const rows = claim.rows.map(([member, t]) => {
        const p = member.indexOf(':');
        return [member.slice(p + 1), Number(member.slice(0, p)), Number(t)] as const;
      });
      let ok = true;
      requests++;
      try {
        await this.d.client.syncUserGameZoneData(ZONE_EVENT.ACTIVE, rows);
      } catch (err) {
        ok = false;
        this.d.logger.warn('GameCenter role activity sync failed; the rows are sent again later', { rows: rows.length, error: errorText(err) });
      }
      const dueAt = ok ? this.d.clock.now() : this.d.clock.now() + this.d.options.retryMs;
      await this.d.store.run(settleActiveScript, [k.active, k.activeAt, k.activeClaims], [claim.fence, ok ? '1' : '0', dueAt, ...claim.rows.map(([m]) => m)]);
      if (!ok || claim.rows.length < limit) return requests;
    }
  }

  /** Retries events whose send failed or whose sender died. Returns how many were attempted. */
  async retryDue(limit = 100): Promise<number> {
    const k = this.keys;
    const due = (await this.d.store.run(claimOutboxScript, [k.outbox, k.rows, k.fences], [this.d.clock.now(), limit, this.d.options.leaseMs])).map(outboxClaim);
    for (const c of due) {
      let row: OutboxRow;
      try {
        row = JSON.parse(c.row) as OutboxRow;
      } catch {
        await this.settle(c.member, c.fence, 'release', 0);
        continue;
      }
      await this.deliver(c.member, c.fence, row);
    }
    return due.length;
  }

  private async sendOnce(member: string, row: OutboxRow): Promise<ZoneEventOutcome> {
    const k = this.keys;
    const fence = await this.d.store.run(enqueueOnceScript, [k.once, k.outbox, k.rows, k.fences], [member, this.d.options.leaseMs, JSON.stringify(row)]);
    if (fence === 0) return 'duplicate';
    return this.deliver(member, fence, row);
  }

  private async deliver(member: string, fence: number, row: OutboxRow): Promise<ZoneEventOutcome> {
    try {
      if (row.kind === 'create') await this.d.client.syncUserGameZoneData(ZONE_EVENT.CREATE_ROLE, [[row.userId, row.zone, row.timeMs]]);
      else await this.d.client.syncOrderGameZoneData([[row.orderId, row.zone]]);
      await this.settle(member, fence, 'sent', 0);
      return 'sent';
    } catch (err) {
      if (isGameCenterError(err, GameCenterErrorCode.DUPLICATE_OPERATION)) {
        await this.settle(member, fence, 'sent', 0);
        return 'sent';
      }
      const what = describe(row);
      // the fence counts hand-overs, so it is the attempt number
      const delay = backoffDelay(fence, { baseMs: this.d.options.retryMs, maxDoublings: 5 });
      const retryAt = this.d.clock.now() + delay;
      const refusal = refusalOf(err);
      if (refusal || fence >= this.d.options.maxAttempts) {
        // a create-role event is reported once: dropping it would lose it for good, so it stays queued
        const info: ParkedInfo = { why: refusal ? 'refused' : 'failing', ...refusal, error: errorText(err), attempts: fence, at: this.d.clock.now() };
        const fresh = (await this.settle(member, fence, 'park', retryAt, JSON.stringify(info))) === 2;
        const fields = { ...what, attempts: fence, retryInMs: delay, error: errorText(err) };
        if (!fresh) this.d.logger.warn('GameCenter zone event still not accepted; kept parked and retried with backoff', fields);
        else if (refusal) this.d.logger.error('GameCenter refused a zone event; it is kept (parked) and retried with backoff until accepted', { ...fields, code: refusal.code, msg: refusal.msg });
        else this.d.logger.error('GameCenter zone event keeps failing; it is kept (parked) and retried with backoff', fields);
        return 'queued';
      }
      this.d.logger.warn('GameCenter zone event not sent; retrying', { ...what, attempt: fence, retryInMs: delay, error: errorText(err) });
      await this.settle(member, fence, 'retry', retryAt);
      return 'queued';
    }
  }

  /** Events GameCenter refused or that kept failing: still queued and retried, listed for an operator. */
  async parked(limit = 100): Promise<ParkedZoneEvent[]> {
    const k = this.keys;
    const all = await this.d.store.hgetall(k.parked);
    const out: ParkedZoneEvent[] = [];
    for (const [member, infoText] of Object.entries(all).slice(0, Math.max(0, limit))) {
      const [rowText, nextAt] = await Promise.all([this.d.store.hget(k.rows, member), this.d.store.zscore(k.outbox, member)]);
      if (rowText === null) continue;
      let info: Partial<ParkedInfo> = {};
      let row: OutboxRow;
      try {
        info = JSON.parse(infoText) as ParkedInfo;
        row = JSON.parse(rowText) as OutboxRow;
      } catch {
        continue;
      }
      out.push({
        ...describe(row),
        why: info.why ?? 'failing',
        code: info.code,
        msg: info.msg,
        error: info.error ?? '',
        attempts: info.attempts ?? 0,
        lastAttemptAt: info.at ?? 0,
        nextAttemptAt: nextAt ?? undefined,
      });
    }
    return out;
  }

  /** How many events are parked (shown in the bridge's health). */
  async parkedCount(): Promise<number> {
    return Object.keys(await this.d.store.hgetall(this.keys.parked)).length;
  }

  /** Makes every parked event due now (after fixing the secret, app id or sign variant); returns how many. */
  async retryParked(): Promise<number> {
    const n = await this.d.store.run(retryParkedScript, [this.keys.outbox, this.keys.parked], [this.d.clock.now()]);
    this.d.logger.info('GameCenter parked zone events made due now', { events: n });
    return n;
  }

  private async settle(member: string, fence: number, outcome: OutboxOutcome, retryAt: number, info = ''): Promise<0 | 1 | 2> {
    const k = this.keys;
    try {
      return await this.d.store.run(settleOutboxScript, [k.once, k.outbox, k.rows, k.fences, k.parked], [member, fence, outcome, retryAt, info]);
    } catch (err) {
      // the outbox entry's lease runs out and the retry loop tries again; GameCenter answers 998 if it has it
      this.d.logger.warn('could not record a zone event outcome; it will be retried', { member, outcome, error: errorText(err) });
      return 0;
    }
  }

  private validZone(what: string, zone: number, fields: Record<string, unknown>): boolean {
    if (Number.isInteger(zone) && zone >= 0 && zone <= MAX_GAME_ZONE) return true;
    this.d.logger.warn(`GameCenter ${what} refused: zone must be an integer in [0, ${MAX_GAME_ZONE}]`, { ...fields, zone });
    return false;
  }

  private validText(what: string, name: string, value: unknown): boolean {
    if (typeof value === 'string' && value !== '') return true;
    this.d.logger.warn(`GameCenter ${what} refused: ${name} must be a non-empty string`, { [name]: value });
    return false;
  }
}

/**
 * Refusals a repeat alone cannot fix (arguments GameCenter or the client calls invalid, which is also how a
 * wrong signature is answered, or no permission): fixing the configuration can, so they are parked.
 */
function refusalOf(err: unknown): { code?: number; msg?: string } | undefined {
  if (err instanceof GameCenterRequestError) return {};
  if (isGameCenterError(err, GameCenterErrorCode.INVALID_PARAMETER) || isGameCenterError(err, GameCenterErrorCode.NO_PERMISSION)) return { code: err.code, msg: err.msg };
  return undefined;
}

function describe(row: OutboxRow): { event: 'create role'; userId: string; zone: number } | { event: 'order zone'; orderId: string; zone: number } {
  return row.kind === 'create' ? { event: 'create role', userId: row.userId, zone: row.zone } : { event: 'order zone', orderId: row.orderId, zone: row.zone };
}
