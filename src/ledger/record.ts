import type { GrantDelivery, GrantResult, LedgerRecord, OrderState, PaidOrder, UnsignedOrderFields } from './types.js';

/**
 * The order as it arrived never changes after its accept, so it is one hash field (`o`, JSON) instead of
 * a field per value: on Redis, every field of a hash this size costs about 60 bytes of its own, more than
 * most of these values. What changes (state, attempts, times, the lease, the journal) keeps its fields, so
 * the scripts read and write them directly.
 */
export const ARRIVAL_FIELD = 'o';

/** A {@link PaidOrder} as stored: its ledger key settled, its alias beside it. */
type Arrival = Omit<PaidOrder, 'dedupeKey'> & { dedupeKey: string; alias?: string };

/** Hash fields of a new order (besides state/attempts/fence/times, which the accept script sets): the arrival first. */
export function orderFields(order: PaidOrder, dedupeKey: string, reason?: string, alias?: string): string[] {
  const arrival: Arrival = {
    dedupeKey,
    source: order.source,
    orderId: order.orderId,
    userId: order.userId,
    zoneId: order.zoneId,
    roleId: order.roleId,
    amount: order.amount,
    currency: order.currency,
    productId: order.productId,
    budanFlag: order.budanFlag,
    ...(order.sandbox ? { sandbox: true } : {}),
    ...(order.testUser ? { testUser: true } : {}),
    signed: order.signed,
    unsigned: order.unsigned,
    raw: order.raw ?? {},
    alias,
  };
  const f = [ARRIVAL_FIELD, JSON.stringify(arrival)];
  if (reason !== undefined) f.push('reason', reason);
  return f;
}

/** The arrival of an order hash: its `o` field, or the field per value of orders recorded before it. */
function arrivalOf(h: Record<string, string>): Arrival {
  if (h[ARRIVAL_FIELD] !== undefined) return parseJson(h[ARRIVAL_FIELD]) as Arrival;
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return {
    dedupeKey: h.dedupeKey!,
    source: h.source!,
    orderId: h.orderId!,
    userId: h.userId!,
    zoneId: h.zoneId,
    roleId: h.roleId,
    amount: Number(h.amount),
    currency: h.currency,
    productId: h.productId,
    budanFlag: num(h.budanFlag),
    ...(h.sandbox === '1' ? { sandbox: true } : {}),
    ...(h.testUser === '1' ? { testUser: true } : {}),
    ...(h.signed !== undefined ? { signed: parseJson(h.signed) as string[] } : {}),
    ...(h.unsigned !== undefined ? { unsigned: parseJson(h.unsigned) as UnsignedOrderFields } : {}),
    raw: parseJson(h.raw) as Record<string, unknown>,
    alias: h.alias,
  };
}

export function decodeRecord(h: Record<string, string>): LedgerRecord | undefined {
  if (!h.state) return undefined;
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const a = arrivalOf(h);
  return {
    dedupeKey: a.dedupeKey,
    source: a.source,
    orderId: a.orderId,
    userId: a.userId,
    zoneId: a.zoneId,
    roleId: a.roleId,
    amount: Number(a.amount),
    currency: a.currency,
    productId: a.productId,
    budanFlag: a.budanFlag,
    ...(a.sandbox ? { sandbox: true } : {}),
    ...(a.testUser ? { testUser: true } : {}),
    ...(a.signed !== undefined ? { signed: [...a.signed] } : {}),
    ...(a.unsigned !== undefined ? { unsigned: a.unsigned } : {}),
    raw: a.raw ?? {},
    state: h.state as OrderState,
    attempts: Number(h.attempts ?? 0),
    lastError: h.lastError,
    createdAt: Number(h.createdAt),
    updatedAt: Number(h.updatedAt),
    grantedAt: num(h.grantedAt),
    result: h.result ? (parseJson(h.result) as GrantResult) : undefined,
    reason: h.reason,
    ...(h.declinedAt !== undefined ? { declinedReason: h.declinedReason, declinedAt: Number(h.declinedAt) } : {}),
    alias: a.alias,
    revokedAt: num(h.revokedAt),
  };
}

export function deliveryOf(record: LedgerRecord, result: GrantResult | undefined, grantedAt: number): GrantDelivery {
  return {
    orderId: record.orderId,
    dedupeKey: record.dedupeKey,
    source: record.source,
    userId: record.userId,
    amount: record.amount,
    currency: record.currency,
    productId: record.productId,
    items: result?.items,
    grantedAt,
    acceptedAt: record.createdAt,
  };
}

function parseJson(s: string | undefined): unknown {
  if (s === undefined) return {};
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}
