/**
 * A verified recharge payload as the ledger's {@link PaidOrder}. Values are taken as text where they are
 * ids (so long ids keep every digit). The sign covers Amount, UserID, ZoneID and the two order numbers
 * only, so RoleID, currencyType, ItemId/propId and BudanFlag go to `order.unsigned`, never beside the
 * signed fields where a handler would take them as the platform's word. BudanFlag (make-up order) is
 * never used to skip the duplicate check: a make-up order for an order already granted is the same order.
 */
import type { OrderSource, PaidOrder, UnsignedOrderFields } from '../../ledger/types.js';
import { fieldText, type SourcedObject } from '../../json/sourcedObject.js';
import { canonicalZone, type DedupeField } from './options.js';

export type RechargeSource = Extract<OrderSource, 'recharge-http' | 'recharge-socket'>;

/** The ledger key of a recharge order; the same on both paths, so one order over both is granted once. */
export function rechargeLedgerKey(orderId: string): string {
  return `recharge:${orderId}`;
}

/** The order fields the recharge sign covers (Amount, UserID, ZoneID, cporder_no + order_no). */
export const RECHARGE_SIGNED_ORDER_FIELDS: readonly string[] = Object.freeze(['orderId', 'userId', 'zoneId', 'amount']);

/** The ledger alias of a recharge sign: one signed request is one order, however its fields are re-cut. */
export function rechargeSignAlias(sign: string): string {
  return `recharge-sign:${sign.toUpperCase()}`;
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
    signed: RECHARGE_SIGNED_ORDER_FIELDS,
    raw: obj.value,
  };
  const unsigned: UnsignedOrderFields = {};
  const roleId = text('RoleID');
  if (roleId !== undefined) unsigned.roleId = roleId;
  const currency = text('currencyType');
  if (currency !== undefined) unsigned.currency = currency;
  const productId = text('ItemId') ?? text('propId');
  if (productId !== undefined) unsigned.productId = productId;
  const budan = text('BudanFlag');
  if (budan !== undefined) unsigned.budanFlag = Number(budan);
  order.unsigned = unsigned;
  return order;
}
