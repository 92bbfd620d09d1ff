/**
 * Submits dirty ranks to GameCenter: per rank type, batches of at most 999 users claimed atomically, so N
 * processes flushing at once never send one user twice. A user is recorded as sent only once GameCenter
 * answered success; a failed request hands its users back for a later try. GameCenter answers 998 when it
 * already holds a user's value for today (an earlier attempt did arrive though its answer was lost); the
 * batch is then split until the users it refers to are found, and those are recorded as sent.
 */
import type { Clock } from '../../../context.js';
import type { Logger } from '../../../logger.js';
import type { Store } from '../../../store/Store.js';
import { MAX_RANK_PAIRS } from '../client.js';
import type { GameCenterClient, RankType } from '../client.js';
import type { ZonedDays } from '../day.js';
import { GameCenterErrorCode, isGameCenterError } from '../errors.js';
import { rankKeys } from './keys.js';
import type { RankTypeKeys } from './keys.js';
import { claimRanksScript, markRanksSentScript, releaseRanksScript } from './scripts.js';
import { errorText } from '../../../errorText.js';

export interface RankFlusherOptions {
  /** Users per request, ≤ 999. */
  batchSize: number;
  /** How long a claim protects its users; must exceed the longest request including the client's retries. */
  leaseMs: number;
  /** When users of a failed request are due again. */
  retryMs: number;
}

export interface RankFlusherDeps {
  store: Store;
  client: Pick<GameCenterClient, 'syncRankData'>;
  clock: Clock;
  days: ZonedDays;
  logger: Logger;
  options: RankFlusherOptions;
}

export interface FlushResult {
  /** sync.rank_data requests made. */
  requests: number;
  /** Users GameCenter now holds (including those it answered 998 for). */
  sent: number;
  /** Users handed back after a failed request. */
  failed: number;
}

const RANK_TYPES: readonly RankType[] = [0, 1, 2];

export class RankFlusher {
  private readonly keys: Record<RankType, RankTypeKeys>;
  private readonly batchSize: number;

  constructor(private readonly d: RankFlusherDeps) {
    this.keys = { 0: rankKeys(d.store.keys, 0), 1: rankKeys(d.store.keys, 1), 2: rankKeys(d.store.keys, 2) };
    this.batchSize = Math.min(MAX_RANK_PAIRS, Math.max(1, d.options.batchSize));
  }

  /** Sends everything due now, one claimed batch at a time per type. */
  async flush(): Promise<FlushResult> {
    const total: FlushResult = { requests: 0, sent: 0, failed: 0 };
    for (const type of RANK_TYPES) {
      for (;;) {
        const now = this.d.clock.now();
        const k = this.keys[type];
        const claim = await this.d.store.run(
          claimRanksScript,
          [k.latest, k.sent, k.dirty, k.claims, k.seq],
          [now, this.batchSize, this.d.options.leaseMs, this.d.days.dayOf(now), this.d.days.nextDayStart(now)],
        );
        if (claim.pairs.length === 0) break;
        const r = await this.submit(type, claim.fence, claim.pairs);
        total.requests += r.requests;
        total.sent += r.sent;
        total.failed += r.failed;
        // a short batch means the queue is drained for now; a failure means stop hammering until the next run
        if (claim.pairs.length < this.batchSize || r.failed > 0) break;
      }
    }
    return total;
  }

  /** `pairs` carry values as stored, so what is recorded as sent compares equal to what was recorded. */
  private async submit(type: RankType, fence: number, pairs: ReadonlyArray<readonly [string, string]>): Promise<FlushResult> {
    try {
      await this.d.client.syncRankData(
        type,
        pairs.map(([u, v]) => [u, Number(v)] as const),
      );
      return { requests: 1, sent: await this.markSent(type, fence, pairs), failed: 0 };
    } catch (err) {
      if (isGameCenterError(err, GameCenterErrorCode.DUPLICATE_OPERATION)) {
        if (pairs.length === 1) {
          this.d.logger.info('GameCenter already holds today’s rank for this user (an earlier answer was lost); recorded as sent', {
            rankType: type,
            userId: pairs[0]![0],
          });
          return { requests: 1, sent: await this.markSent(type, fence, pairs), failed: 0 };
        }
        // 998 does not say which users it means: halve until it does. Only batches that hit a lost answer pay this.
        const mid = Math.ceil(pairs.length / 2);
        const a = await this.submit(type, fence, pairs.slice(0, mid));
        const b = await this.submit(type, fence, pairs.slice(mid));
        return { requests: 1 + a.requests + b.requests, sent: a.sent + b.sent, failed: a.failed + b.failed };
      }
      const k = this.keys[type];
      const retryAt = this.d.clock.now() + this.d.options.retryMs;
      await this.d.store.run(releaseRanksScript, [k.dirty, k.claims], [fence, retryAt, ...pairs.map(([u]) => u)]);
      this.d.logger.warn('rank submission failed; its users are kept and sent again later', {
        rankType: type,
        users: pairs.length,
        retryInMs: this.d.options.retryMs,
        error: errorText(err),
      });
      return { requests: 1, sent: 0, failed: pairs.length };
    }
  }

  private markSent(type: RankType, fence: number, pairs: ReadonlyArray<readonly [string, string]>): Promise<number> {
    const k = this.keys[type];
    // the day GameCenter answered in: a request that crossed midnight counts for the new day, which can
    // only delay a user by a day, never make GameCenter refuse a second submission
    const now = this.d.clock.now();
    const args: Array<string | number> = [fence, this.d.days.dayOf(now), this.d.days.nextDayStart(now)];
    for (const [u, v] of pairs) args.push(u, v);
    return this.d.store.run(markRanksSentScript, [k.latest, k.sent, k.dirty, k.claims], args);
  }
}
