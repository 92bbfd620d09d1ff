import type { KeySpace } from '../../../store/KeySpace.js';

/** Transfer keys; one hash tag, since the scripts touch a transfer, the schedule and the references together. */
export interface TransferKeys {
  /** zset transferId → next check (or the end of the current poller's lease) */
  due: string;
  /** prefix of the per-transfer hash */
  transferPrefix: string;
  /**
   * The refs hash of earlier versions (reference → transferId, 'pending' or 'unknown', one field per
   * transfer, never expiring). No longer written; still read, so a reference used before an upgrade stays used.
   */
  refs: string;
  /**
   * prefix of a reference's key: its transferId, or 'pending' / 'unknown' while transfer.new's outcome is
   * not known; expires `dedupeDays` after the transfer was reported ('unknown' never: an operator decides).
   */
  refPrefix: string;
}

export function transferKeys(ks: KeySpace): TransferKeys {
  return { due: ks.tagged('gctransfer', 'due'), transferPrefix: ks.tagged('gctransfer', 't') + ':', refs: ks.tagged('gctransfer', 'refs'), refPrefix: ks.tagged('gctransfer', 'ref') + ':' };
}
