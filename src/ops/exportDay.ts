/**
 * One calendar day's orders for finance, in the time zone the export asks for: orders are filed by UTC
 * creation day, so a local day (23 to 25 hours, at any offset) is read from the at most three UTC days it
 * overlaps, filtered by creation time, in creation order. Columns are the ones a platform statement is
 * reconciled against.
 */
import type { LedgerKeys } from '../ledger/keys.js';
import { decodeRecord } from '../ledger/record.js';
import { utcDay } from '../ledger/StoreLedger.js';
import type { LedgerRecord } from '../ledger/types.js';
import type { Store } from '../store/Store.js';

export type ExportFormat = 'jsonl' | 'csv';

export const EXPORT_COLUMNS = ['time', 'source', 'order_id', 'platform_ids', 'ledger_key', 'user_id', 'zone_id', 'amount', 'currency', 'state', 'granted_at'] as const;

/** Platform fields that identify an order besides its order id, when the platform sent them. */
const ID_FIELDS = ['order_no', 'cporder_no', 'transaction_id', 'orderId', 'cpOrderId'];

const READ_BATCH = 200;

/** The first and the last millisecond + 1 of `day` (YYYY-MM-DD) in `timeZone`. Throws on a bad day or zone. */
export function dayBounds(day: string, timeZone: string): { start: number; end: number } {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) throw new Error(`expected a day as YYYY-MM-DD, got ${JSON.stringify(day)}`);
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const noonUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12);
  // the smallest instant whose local date is `day`, and the smallest after it whose date is later
  const firstAtOrAfter = (pred: (d: string) => boolean, lo: number, hi: number) => {
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (pred(fmt.format(mid))) hi = mid;
      else lo = mid;
    }
    return hi;
  };
  const lo = noonUtc - 40 * 3_600_000;
  const hi = noonUtc + 40 * 3_600_000;
  const start = firstAtOrAfter((d) => d >= day, lo, hi);
  const end = firstAtOrAfter((d) => d > day, start, hi);
  if (fmt.format(start) !== day) throw new Error(`day ${day} does not exist in ${timeZone}`);
  return { start, end };
}

/** An instant as local ISO 8601 with its offset in `timeZone`: what a finance sheet reads. */
export function localIso(ms: number, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(ms)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  const offsetMin = Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  const msPart = String(ms % 1000).padStart(3, '0');
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${msPart}${off}`;
}

export function exportRow(r: LedgerRecord, timeZone: string): Record<(typeof EXPORT_COLUMNS)[number], string | number | null> {
  const ids: string[] = [];
  for (const f of ID_FIELDS) {
    const v = r.raw?.[f];
    if ((typeof v === 'string' || typeof v === 'number') && String(v) !== r.orderId) ids.push(`${f}=${v}`);
  }
  if (r.alias) ids.push(`alias=${r.alias}`);
  return {
    time: localIso(r.createdAt, timeZone),
    source: r.source,
    order_id: r.orderId,
    platform_ids: ids.join(';'),
    ledger_key: r.dedupeKey,
    user_id: r.userId,
    zone_id: r.zoneId ?? null,
    amount: r.amount,
    currency: r.currency ?? null,
    state: r.state,
    granted_at: r.grantedAt === undefined ? null : localIso(r.grantedAt, timeZone),
  };
}

/** RFC 4180: quoted when needed, quotes doubled; a leading = + - @ is defused for spreadsheets. */
export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function* exportDay(store: Store, keys: LedgerKeys, day: string, timeZone: string, format: ExportFormat): AsyncGenerator<string> {
  const { start, end } = dayBounds(day, timeZone);
  if (format === 'csv') yield EXPORT_COLUMNS.join(',') + '\r\n';
  const utcDays = new Set<string>();
  for (let t = start; t < end; t += 3_600_000) utcDays.add(utcDay(t));
  utcDays.add(utcDay(end - 1));
  for (const d of [...utcDays].sort()) {
    const members = await store.zrangeByScore(keys.day(d), start, end - 1);
    for (let i = 0; i < members.length; i += READ_BATCH) {
      const batch = members.slice(i, i + READ_BATCH);
      const records = await Promise.all(batch.map(async (m) => decodeRecord(await store.hgetall(keys.order(m.member)))));
      let chunk = '';
      for (const r of records) {
        if (!r) continue;
        const row = exportRow(r, timeZone);
        chunk += format === 'csv' ? EXPORT_COLUMNS.map((c) => csvCell(row[c])).join(',') + '\r\n' : JSON.stringify(row) + '\n';
      }
      if (chunk) yield chunk;
    }
  }
}
