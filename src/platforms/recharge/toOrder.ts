/**
 * A verified recharge payload as the ledger's {@link PaidOrder}. Values are taken as text where they are
 * ids (so long ids keep every digit). BudanFlag (make-up order) is carried for the game, never used to
 * skip the duplicate check: a make-up order for an order already granted is still the same order.
 */
import type { OrderSource, PaidOrder } from '../../ledger/types.js';
import { fieldText, type SourcedObject } from './json.js';
import { canonicalZone, type DedupeField } from './options.js';

export type RechargeSource = Extract<OrderSource, 'recharge-http' | 'recharge-socket'>;

/** The ledger key of a recharge order; the same on both paths, so one order over both is granted once. */
export function rechargeLedgerKey(orderId: string): string {
  return `recharge:${orderId}`;
}

export function toPaidOrder(obj: SourcedObject, source: RechargeSource, dedupeField: DedupeField): PaidOrder {
  const text = (field: string): string | undefined => {
    const t = fieldText(obj, field);
    return t === undefined || t === '' ? undefined : t;
  };
  const orderId = text(dedupeField);
  if (orderId === undefined) throw new Error(`recharge order without ${dedupeField}`);
  const order: PaidOrder = {
    source,
    orderId,
    dedupeKey: rechargeLedgerKey(orderId),
    userId: text('UserID')!,
    zoneId: canonicalZone(text('ZoneID')!),
    amount: Number(text('Amount')),
    raw: obj.value,
  };
  const roleId = text('RoleID');
  if (roleId !== undefined) order.roleId = roleId;
  const currency = text('currencyType');
  if (currency !== undefined) order.currency = currency;
  const productId = text('ItemId') ?? text('propId');
  if (productId !== undefined) order.productId = productId;
  const budan = text('BudanFlag');
  if (budan !== undefined) order.budanFlag = Number(budan);
  return order;
}
