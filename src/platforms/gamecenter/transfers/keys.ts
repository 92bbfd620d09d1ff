import type { KeySpace } from '../../../store/KeySpace.js';

/** Transfer keys; one hash tag, since the scripts touch a transfer, the schedule and the references together. */
export interface TransferKeys {
  /** zset transferId → next check (or the end of the current poller's lease) */
  due: string;
  /** prefix of the per-transfer hash */
  transferPrefix: string;
  /** hash reference → transferId, or 'pending' / 'unknown' while transfer.new's outcome is not known */
  refs: string;
}

export function transferKeys(ks: KeySpace): TransferKeys {
  return { due: ks.tagged('gctransfer', 'due'), transferPrefix: ks.tagged('gctransfer', 't') + ':', refs: ks.tagged('gctransfer', 'refs') };
}
