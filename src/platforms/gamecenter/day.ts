/**
 * Calendar days in a configured IANA time zone. GameCenter keeps one rank submission per user per day; the
 * document does not say in which zone the day turns, so the zone is an option and every day boundary is
 * derived here from the injected clock (never from the host's local zone).
 */

export class ZonedDays {
  private readonly format: Intl.DateTimeFormat;
  private cached?: { start: number; end: number; key: string };

  /** Throws RangeError for a time zone the runtime does not know. */
  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  /** `YYYY-MM-DD` of the day containing `ms` in this zone. */
  dayOf(ms: number): string {
    const c = this.cached;
    if (c && ms >= c.start && ms < c.end) return c.key;
    return this.format.format(ms);
  }

  /** The first millisecond of the day after the one containing `ms`. */
  nextDayStart(ms: number): number {
    const c = this.cached;
    if (c && ms >= c.start && ms < c.end) return c.end;
    const key = this.format.format(ms);
    // Days last 23 to 25 hours (DST), and a zone may skip or repeat midnight, so search for the boundary
    // instead of assuming 00:00 exists: the smallest instant whose date differs from this one's.
    let lo = ms;
    let hi = ms + 26 * 3_600_000;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.format.format(mid) === key) lo = mid;
      else hi = mid;
    }
    this.cached = { start: ms, end: hi, key };
    return hi;
  }
}
