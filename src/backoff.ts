/**
 * The one retry backoff: `baseMs · 2^(failures − 1)`, doubling at most `maxDoublings` times, capped at
 * `maxMs`, then jittered. Each user keeps its own numbers (a lease retry spreads ±20 % so processes that
 * failed together do not retry together; a GameCenter call draws from the upper half for the same reason;
 * local retries of a subscribe or a report need no jitter), but the curve is written once.
 */
export interface BackoffOptions {
  /** Delay after the first failure. */
  baseMs: number;
  /** Longest delay; default none. */
  maxMs?: number;
  /** Doublings before the delay stops growing (keeps 2^n finite for long outages); default none. */
  maxDoublings?: number;
  /** `spread`: ×[0.8, 1.2), then capped again, at least 1 ms. `upperHalf`: [½, 1) of the delay. Default `none`. */
  jitter?: 'none' | 'spread' | 'upperHalf';
  /** Uniform [0, 1) source for the jitter. */
  random?: () => number;
}

/** Delay before the next attempt after `failures` failures in a row (1 = the first; 0 counts as 1). */
export function backoffDelay(failures: number, o: BackoffOptions): number {
  const doublings = Math.min(Math.max(0, failures - 1), o.maxDoublings ?? Number.POSITIVE_INFINITY);
  const maxMs = o.maxMs ?? Number.POSITIVE_INFINITY;
  const delay = Math.min(maxMs, o.baseMs * 2 ** doublings);
  const random = o.random ?? Math.random;
  switch (o.jitter ?? 'none') {
    case 'spread':
      return Math.max(1, Math.round(Math.min(maxMs, delay * (0.8 + 0.4 * random()))));
    case 'upperHalf':
      return Math.round(delay / 2 + (random() * delay) / 2);
    default:
      return delay;
  }
}
