/**
 * Strict formats for the signed fields. The recharge and gift signs concatenate fields with no separator,
 * so `cporder_no=AB, order_no=C` and `cporder_no=A, order_no=BC` carry the same sign. Deduplicating on the
 * sign (see intake and gift) is what stops such a re-cut from becoming a second order; these checks refuse
 * the re-cuts that produce values the platform never sends (an 11-digit Time, an empty order number, a
 * zone with a leading zero), so they are answered -2 instead of the duplicate code.
 */
import type { TimeUnit } from './checks.js';

export interface FormatProblem {
  field: string;
  reason: string;
}

const ZONE = /^(0|[1-9]\d{0,9})$/;
const AMOUNT = /^[1-9]\d*(\.0+)?$/;
const DIGITS = /^\d+$/;

/** Epoch seconds have 10 digits (2001-2286), milliseconds 13; `auto` takes either. */
export function timeFormatProblem(field: string, text: string, unit: TimeUnit): FormatProblem | undefined {
  const lengths = unit === 's' ? [10] : unit === 'ms' ? [13] : [10, 13];
  if (DIGITS.test(text) && lengths.includes(text.length)) return undefined;
  const what = unit === 's' ? 'epoch seconds (10 digits)' : unit === 'ms' ? 'epoch milliseconds (13 digits)' : 'epoch seconds (10 digits) or milliseconds (13 digits)';
  return { field, reason: `expected ${what}` };
}

export function zoneFormatProblem(field: string, text: string): FormatProblem | undefined {
  return ZONE.test(text) ? undefined : { field, reason: 'expected a zone id without leading zeros' };
}

export function idFormatProblem(field: string, text: string, pattern: RegExp): FormatProblem | undefined {
  return pattern.test(text) ? undefined : { field, reason: `expected an id matching ${pattern.source} (recharge.idPattern)` };
}

export interface RechargeFormatInput {
  Amount: string;
  ZoneID: string;
  cporder_no: string;
  order_no: string;
  Time: string;
}

/** The first signed field of a recharge order that is not in the platform's format. */
export function rechargeFormatProblem(f: RechargeFormatInput, idPattern: RegExp, unit: TimeUnit): FormatProblem | undefined {
  if (!AMOUNT.test(f.Amount)) return { field: 'Amount', reason: 'expected a positive whole amount without leading zeros' };
  return (
    zoneFormatProblem('ZoneID', f.ZoneID) ?? idFormatProblem('cporder_no', f.cporder_no, idPattern) ?? idFormatProblem('order_no', f.order_no, idPattern) ?? timeFormatProblem('Time', f.Time, unit)
  );
}

export interface GiftFormatInput {
  zoneId: string;
  codeNo: string;
  giftId: string;
  lTime: string;
}

export function giftFormatProblem(f: GiftFormatInput, idPattern: RegExp, unit: TimeUnit): FormatProblem | undefined {
  return zoneFormatProblem('zoneId', f.zoneId) ?? idFormatProblem('codeNo', f.codeNo, idPattern) ?? idFormatProblem('giftId', f.giftId, idPattern) ?? timeFormatProblem('lTime', f.lTime, unit);
}
