/**
 * Logging helpers every feature can reach (rooms, serverstate, roles): a throttled log for paths a room can
 * call thousands of times a second, and the message text of anything thrown.
 */
import type { Logger, LogFields } from '../logger.js';
export { errorText } from '../errorText.js';

type Level = 'warn' | 'error' | 'info';

/**
 * A log line per key at most once per period, carrying how many were held back: a misbehaving room
 * calling a report method thousands of times a second must not flood the log.
 */
export function throttledLog(logger: Logger, periodMs = 60_000, now: () => number = Date.now) {
  const last = new Map<string, { at: number; held: number }>();
  return (level: Level, key: string, message: string, fields?: LogFields): void => {
    const t = now();
    const seen = last.get(key);
    if (seen && t - seen.at < periodMs) {
      seen.held++;
      return;
    }
    last.set(key, { at: t, held: 0 });
    logger[level](message, seen?.held ? { ...fields, suppressedSinceLast: seen.held } : fields);
  };
}

export type ThrottledLog = ReturnType<typeof throttledLog>;
