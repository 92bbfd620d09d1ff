/** Delay before attempt `attempts + 1` after `attempts` failures: base·2^(n-1), capped, with ±20 % jitter. */
export function backoffDelay(attempts: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  const jitter = 0.8 + 0.4 * random();
  return Math.max(1, Math.round(Math.min(maxMs, exp * jitter)));
}
