/**
 * What the example game credits for a paid order. Platforms state amounts in different units (README,
 * "What order.amount and order.currency are"), so the credit is computed from the unit, never from the bare
 * number: the example's price list is 10 gems per whole unit of the order's currency (1.00 AED, 1 US dollar,
 * 1 yuan, …), rounded down, and at least 1 gem for any paid order.
 */
import type { LedgerRecord } from '../src/index.js';

export const GEMS_PER_UNIT = 10;

/** The order's value in whole units of its currency. */
export function wholeUnits(order: Pick<LedgerRecord, 'source' | 'amount' | 'currency' | 'unsigned'>): number {
  switch (order.source) {
    case 'gamecenter':
      return order.amount / 100; // GameCenter: cents
    case 'recharge-http':
    case 'recharge-socket':
      // currencyType (unsigned by the platform's sign: order.unsigned) 2: US cents; 1 yuan, 8 TWD: whole units
      return order.unsigned?.currency === '2' ? order.amount / 100 : order.amount;
    default:
      return order.amount; // VNGates: the float it sends, in its price unit
  }
}

export function gemsFor(order: Pick<LedgerRecord, 'source' | 'amount' | 'currency' | 'unsigned'>): number {
  return Math.max(1, Math.floor(wholeUnits(order) * GEMS_PER_UNIT + 1e-9));
}
