import type { PolledOrder, PolledOrderState, RegisterOrderInput } from './types.js';

/** Hash fields of a new order, besides those the register script sets. */
export function orderFields(input: RegisterOrderInput): string[] {
  const f: Array<[string, string | undefined]> = [
    ['orderId', input.orderId],
    ['userId', input.userId],
    ['zone', input.zone === undefined ? undefined : String(input.zone)],
    ['cpOrderId', input.cpOrderId],
    ['amount', input.amount === undefined ? undefined : String(input.amount)],
    ['productId', input.productId],
  ];
  return f.filter(([, v]) => v !== undefined && v !== '').flatMap(([k, v]) => [k, v!]);
}

export function decodeOrder(h: Record<string, string>): PolledOrder | undefined {
  if (!h.state) return undefined;
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  return {
    orderId: h.orderId!,
    userId: h.userId!,
    zone: num(h.zone),
    cpOrderId: h.cpOrderId || undefined,
    amount: num(h.amount),
    productId: h.productId || undefined,
    state: h.state as PolledOrderState,
    firstSeenAt: Number(h.firstSeenAt),
    checks: Number(h.checks ?? 0),
    nextCheckAt: h.state === 'polling' ? num(h.nextAt) : undefined,
    lastCheckAt: num(h.lastCheckAt),
    reason: h.reason || undefined,
    ledgerKey: h.ledgerKey || undefined,
  };
}
