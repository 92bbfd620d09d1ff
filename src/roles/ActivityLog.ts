/**
 * Which users were active in which zone on which day, for the GameCenter `sync.user_game_zone_data`
 * type-2 ("active") batch: one hash per zone and day (`<prefix>active:<zone>:<YYYY-MM-DD>`, the day in
 * the bridge's time zone), field = user id, value = the latest activity time in epoch ms. Each hash
 * expires after the retention period, so nothing needs cleaning.
 */
import type { KeySpace } from '../store/KeySpace.js';
import type { Store } from '../store/Store.js';
import type { WallClock } from '../serverstate/wallClock.js';
import { markActiveScript } from './scripts.js';

export interface ActiveEvent {
  userId: string;
  zoneId: string;
  at: number;
}

export class ActivityLog {
  private readonly listeners = new Set<(event: ActiveEvent) => unknown>();

  constructor(
    private readonly store: Store,
    private readonly keys: KeySpace,
    private readonly clock: WallClock,
    private readonly retentionMs: number,
    private readonly onListenerError: (err: unknown) => void,
  ) {}

  /** The day key (`YYYY-MM-DD` in the bridge's time zone) of an instant. */
  dayOf(at: number): string {
    return this.clock.day(at);
  }

  key(zoneId: string, day: string): string {
    return this.keys.key('active', zoneId, day);
  }

  async mark(zoneId: string, userId: string, at: number): Promise<void> {
    await this.store.run(markActiveScript, [this.key(zoneId, this.dayOf(at))], [userId, at, this.retentionMs]);
    for (const l of [...this.listeners]) {
      try {
        void Promise.resolve(l({ userId, zoneId, at })).catch(this.onListenerError);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  /**
   * Called after each activity is recorded (joins and role reports; repeats included), e.g. to feed
   * GameCenter zone sync. Not awaited: a slow listener does not hold the report queue. Returns the remover.
   */
  onActive(listener: (event: ActiveEvent) => unknown): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The users active in a zone on a day, with their latest activity time. */
  async activeUsers(zoneId: string, day: string): Promise<Array<{ userId: string; at: number }>> {
    const all = await this.store.hgetall(this.key(zoneId, day));
    return Object.entries(all).map(([userId, at]) => ({ userId, at: Number(at) }));
  }
}
