import type { GrantDelivery, GrantResult, LedgerRecord, OrderState, PaidOrder, UnsignedOrderFields } from './types.js';

/** Hash fields of a new order (besides state/attempts/fence/times, which the accept script sets). */
export function orderFields(order: PaidOrder, dedupeKey: string, reason?: string, alias?: string): string[] {
  const f: Array<[string, string | undefined]> = [
    ['dedupeKey', dedupeKey],
    ['source', order.source],
    ['orderId', order.orderId],
    ['userId', order.userId],
    ['zoneId', order.zoneId],
    ['roleId', order.roleId],
    ['amount', String(order.amount)],
    ['currency', order.currency],
    ['productId', order.productId],
    ['budanFlag', order.budanFlag === undefined ? undefined : String(order.budanFlag)],
    ['sandbox', order.sandbox ? '1' : undefined],
    ['testUser', order.testUser ? '1' : undefined],
    ['signed', order.signed ? JSON.stringify(order.signed) : undefined],
    ['unsigned', order.unsigned ? JSON.stringify(order.unsigned) : undefined],
    ['raw', JSON.stringify(order.raw ?? {})],
    ['reason', reason],
    ['alias', alias],
  ];
  return f.filter(([, v]) => v !== undefined).flatMap(([k, v]) => [k, v!]);
}

export function decodeRecord(h: Record<string, string>): LedgerRecord | undefined {
  if (!h.state) return undefined;
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
    state: h.state as OrderState,
    attempts: Number(h.attempts ?? 0),
    lastError: h.lastError,
    createdAt: Number(h.createdAt),
    updatedAt: Number(h.updatedAt),
    grantedAt: num(h.grantedAt),
    result: h.result ? (parseJson(h.result) as GrantResult) : undefined,
    reason: h.reason,
    ...(h.declinedAt !== undefined ? { declinedReason: h.declinedReason, declinedAt: Number(h.declinedAt) } : {}),
    alias: h.alias,
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
