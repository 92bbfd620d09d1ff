/**
 * Money amounts for order.new_exchange and transfer.new, which want major units "accurate to 2 decimal
 * places" (e.g. "100.23"), while the status APIs report cents. An amount with a third decimal is refused
 * rather than rounded: silently moving money by a fraction of a cent is worse than a clear error.
 */

const DECIMAL = /^(\d+)(?:\.(\d{1,2}))?$/;

/** `amount` (major units, > 0) as text with exactly two decimals; throws RangeError when it cannot be exact. */
export function formatAmount2(amount: number | string): string {
  if (typeof amount === 'string') {
    const m = DECIMAL.exec(amount.trim());
    if (!m) throw new RangeError(`amount "${amount}" is not a plain decimal with at most 2 decimal places`);
    const whole = BigInt(m[1]).toString();
    const text = `${whole}.${(m[2] ?? '').padEnd(2, '0')}`;
    if (/^0\.00$/.test(text)) throw new RangeError('amount must be greater than 0');
    return text;
  }
  if (!Number.isFinite(amount) || amount <= 0) throw new RangeError(`amount ${amount} must be a finite number greater than 0`);
  const cents = Math.round(amount * 100);
  // 100.23 * 100 is 10022.999999999998 in binary floating point: compare with a tolerance, not exactly.
  if (!Number.isSafeInteger(cents) || Math.abs(amount * 100 - cents) > 1e-6) {
    throw new RangeError(`amount ${amount} has more than 2 decimal places or is too large`);
  }
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
