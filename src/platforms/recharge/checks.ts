/**
 * The two policy checks shared by recharge orders and gift codes: is the zone served here, and is the
 * signed timestamp fresh. Both are off unless configured.
 */
import { canonicalZone } from './options.js';

/** A zone filter; absent or empty `zones` serves every zone. */
export function createZoneFilter(zones: readonly string[] | undefined): (zoneText: string) => boolean {
  if (!zones || zones.length === 0) return () => true;
  const served = new Set(zones.map(canonicalZone));
  return (zoneText) => served.has(canonicalZone(zoneText));
}

export type TimeUnit = 'auto' | 's' | 'ms';

/** Distance in whole seconds between a signed timestamp and now; `auto` reads more than 10 digits as ms. */
export function skewSeconds(timeText: string, nowMs: number, unit: TimeUnit): number {
  const value = Number(timeText);
  const ms = unit === 'ms' || (unit === 'auto' && timeText.length > 10) ? value : value * 1000;
  return Math.floor(Math.abs(nowMs - ms) / 1000);
}
