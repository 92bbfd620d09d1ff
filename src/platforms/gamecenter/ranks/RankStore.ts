/**
 * The shared side of rank reporting: latest values per user and type in Redis, plus the dirty queue the
 * {@link RankFlusher}s drain. Recording is cheap and idempotent, so the rooms layer can hand over its whole
 * latest-value map as often as it likes.
 */
import type { Clock } from '../../../context.js';
import type { Logger } from '../../../logger.js';
import type { Store } from '../../../store/Store.js';
import type { RankType } from '../client.js';
import type { ZonedDays } from '../day.js';
import { rankKeys } from './keys.js';
import type { RankEntry, RankSink } from './RankSink.js';
import { recordRanksScript } from './scripts.js';

/** Users per script call: bounds how long one call holds Redis. */
const RECORD_CHUNK = 1000;
const RANK_TYPES: readonly RankType[] = [0, 1, 2];

export interface RankStoreDeps {
  store: Store;
  clock: Clock;
  days: ZonedDays;
  logger: Logger;
}

export class RankStore implements RankSink {
  constructor(private readonly d: RankStoreDeps) {}

  async record(entries: ReadonlyArray<RankEntry>): Promise<void> {
    const byType = new Map<RankType, Map<string, string>>(RANK_TYPES.map((t) => [t, new Map()]));
    let refused = 0;
    let example: unknown;
    for (const e of entries) {
      const latest = byType.get(e.type);
      if (!latest || typeof e.userId !== 'string' || e.userId === '' || typeof e.value !== 'number' || !Number.isFinite(e.value)) {
        refused++;
        example ??= e;
        continue;
      }
      // later entries win: a batch may hold one user more than once if the caller did not fold it
      latest.set(e.userId, String(e.value));
    }
    if (refused) this.d.logger.warn('rank entries refused: need a userId, type 0/1/2 and a finite value', { refused, example });

    const now = this.d.clock.now();
    const today = this.d.days.dayOf(now);
    const tomorrow = this.d.days.nextDayStart(now);
    const calls: Array<Promise<number>> = [];
    for (const [type, latest] of byType) {
      if (latest.size === 0) continue;
      const k = rankKeys(this.d.store.keys, type);
      let args: Array<string | number> = [now, today, tomorrow];
      for (const [userId, value] of latest) {
        args.push(userId, value);
        if (args.length >= 3 + RECORD_CHUNK * 2) {
          calls.push(this.d.store.run(recordRanksScript, [k.latest, k.sent, k.dirty], args));
          args = [now, today, tomorrow];
        }
      }
      if (args.length > 3) calls.push(this.d.store.run(recordRanksScript, [k.latest, k.sent, k.dirty], args));
    }
    await Promise.all(calls);
  }

  /** Users waiting to be sent (now or on a later day), per type: for health and tests. */
  async dirtyCount(type: RankType): Promise<number> {
    return this.d.store.zcard(rankKeys(this.d.store.keys, type).dirty);
  }
}
