/**
 * When an order is checked, counted from when it was first seen (absolute, so a slow or missed tick never
 * stretches the window): every 3 s up to 30 s, every minute up to 10 min, every 30 min up to 24 h, then it
 * is given up. Check times are the multiples of the current phase's interval: 3 s, 6 s … 30 s, 1 min,
 * 2 min … 10 min, 30 min, 60 min … 1440 min (68 checks in all).
 */
export const POLL_PHASES: ReadonlyArray<{ readonly untilMs: number; readonly everyMs: number }> = [
  { untilMs: 30_000, everyMs: 3_000 },
  { untilMs: 600_000, everyMs: 60_000 },
  { untilMs: 86_400_000, everyMs: 1_800_000 },
];

/** After this long since first seen, an order still not final is given up. */
export const POLL_WINDOW_MS = POLL_PHASES[POLL_PHASES.length - 1]!.untilMs;

/** The next check after `now`, or null when the window is over and the order is to be given up. */
export function nextCheckAt(firstSeenAt: number, now: number): number | null {
  const elapsed = Math.max(0, now - firstSeenAt);
  for (const { untilMs, everyMs } of POLL_PHASES) {
    if (elapsed < untilMs) return firstSeenAt + (Math.floor(elapsed / everyMs) + 1) * everyMs;
  }
  return null;
}
