/**
 * Lease ends are written on the store's own clock (Redis's TIME, the in-process store's clock), while the
 * differential script tests drive every other time from a fixed past epoch. These helpers tell the two
 * apart: any number at or after `STORE_CLOCK_FLOOR` is a lease end.
 */

/** Later than every fixed test time (2023), earlier than any real clock reading while these tests run. */
export const STORE_CLOCK_FLOOR = Date.UTC(2024, 0, 1);

const isLeaseEnd = (v: unknown) => (typeof v === 'number' || (typeof v === 'string' && /^\d{13}$/.test(v))) && Number(v) >= STORE_CLOCK_FLOOR;

/** The value with every lease end replaced by 'lease end'. */
export function maskLeaseEnds<T>(value: T): T {
  if (isLeaseEnd(value)) return 'lease end' as T;
  if (Array.isArray(value)) return value.map((v) => maskLeaseEnds(v)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskLeaseEnds(v)])) as T;
  return value;
}

/** Every lease end found in the value. */
export function leaseEnds(value: unknown): number[] {
  if (isLeaseEnd(value)) return [Number(value)];
  if (Array.isArray(value)) return value.flatMap((v) => leaseEnds(v));
  if (value && typeof value === 'object') return Object.values(value).flatMap((v) => leaseEnds(v));
  return [];
}
