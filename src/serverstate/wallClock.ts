/**
 * Wall-clock text in a fixed IANA time zone, `YYYY-MM-DD HH:mm:ss`, as the serverstate hash carries
 * `UpdateTime` and `ServerBeginTime`. Built on Intl.DateTimeFormat (no date library): the zone's rules,
 * daylight saving included, come from the runtime's ICU data.
 */
export interface WallClock {
  readonly timeZone: string;
  /** `YYYY-MM-DD HH:mm:ss` of an epoch-ms instant. */
  format(ms: number): string;
  /** `YYYY-MM-DD` of an epoch-ms instant: the day key for daily records. */
  day(ms: number): string;
}

export function wallClock(timeZone: string): WallClock {
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const parts = (ms: number) => {
    const p: Record<string, string> = {};
    for (const { type, value } of fmt.formatToParts(ms)) p[type] = value;
    return p;
  };
  const date = (p: Record<string, string>) => `${p.year!.padStart(4, '0')}-${p.month}-${p.day}`;
  return {
    timeZone,
    format(ms) {
      const p = parts(ms);
      return `${date(p)} ${p.hour}:${p.minute}:${p.second}`;
    },
    day: (ms) => date(parts(ms)),
  };
}
