/**
 * What one answer of order.check_status means for an order we poll. Pure, so every branch the money
 * depends on is tested without a server.
 */
import { orderOutcome } from '../schemas.js';
import type { GameCenterOrderStatus } from '../schemas.js';
import type { ClaimedOrder } from './scripts.js';

export type OrderVerdict = { kind: 'paid' } | { kind: 'mismatch'; reason: string } | { kind: 'cancelled'; reason: string } | { kind: 'pending' };

const CANCEL_REASON: Record<number, string> = {
  0: 'final and never paid (checked=1, status=0)',
  2: 'reset, may be an illegal order (checked=1, status=2)',
  3: 'reset, may be an illegal order (checked=1, status=3)',
};

export function decideOrder(order: Pick<ClaimedOrder, 'cpOrderId'>, answer: GameCenterOrderStatus | undefined): OrderVerdict {
  // an order GameCenter does not (yet) know stays on its schedule
  if (!answer) return { kind: 'pending' };
  const outcome = orderOutcome(answer);
  if (outcome === 'deliver') {
    // "cpOrderId and orderId are one-to-one": a different one means this payment is not the order we were told about
    const theirs = answer.cpOrderId ?? '';
    if (order.cpOrderId && theirs !== '' && theirs !== order.cpOrderId) {
      return { kind: 'mismatch', reason: `GameCenter cpOrderId ${JSON.stringify(theirs)} is not the registered ${JSON.stringify(order.cpOrderId)}` };
    }
    return { kind: 'paid' };
  }
  if (outcome === 'cancel') return { kind: 'cancelled', reason: CANCEL_REASON[answer.status] ?? `final and not paid (checked=1, status=${answer.status})` };
  return { kind: 'pending' };
}
