import type { KeySpace } from '../../../store/KeySpace.js';

/** Order-polling keys: the scripts touch the schedule and order hashes together, hence one hash tag. */
export interface OrderKeys {
  /** zset orderId → next check time (or the end of the current checker's lease) */
  due: string;
  /** prefix of the per-order hash: `<orderPrefix><orderId>` (expires `recordDays` after the order became final) */
  orderPrefix: string;
  /** prefix of a final order's tombstone `state|firstSeenAt|userId` (expires `dedupeDays` after it became final) */
  donePrefix: string;
}

export function orderKeys(ks: KeySpace): OrderKeys {
  return { due: ks.tagged('gcorder', 'due'), orderPrefix: ks.tagged('gcorder', 'o') + ':', donePrefix: ks.tagged('gcorder', 'done') + ':' };
}
