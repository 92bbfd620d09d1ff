import type { KeySpace } from '../../store/KeySpace.js';

/**
 * Every SUD key carries the `{sud}` tag: recording a notification touches its notify hash, the job, its
 * tombstone and the schedule in one script, so on a Redis Cluster they must share a slot.
 */
export class SudKeys {
  readonly jobPrefix: string;
  readonly due: string;
  readonly gaveUp: string;
  private readonly notifyPrefix: string;
  private readonly tombstonePrefix: string;

  constructor(ks: KeySpace) {
    this.jobPrefix = ks.tagged('sud', 'job') + ':';
    this.notifyPrefix = ks.tagged('sud', 'notify') + ':';
    this.tombstonePrefix = ks.tagged('sud', 't') + ':';
    this.due = ks.tagged('sud', 'due');
    this.gaveUp = ks.tagged('sud', 'given-up');
  }

  notify(notifyId: string): string {
    return this.notifyPrefix + notifyId;
  }

  job(id: string): string {
    return this.jobPrefix + id;
  }

  /**
   * What is left of a finished job once its record expired: `{sud}:t:s:<match_id>` for a settlement,
   * `{sud}:t:e:<notify_id>` for an event. Short on purpose: one of these lives per match for `dedupeDays`.
   */
  tombstone(jobId: string): string {
    return this.tombstonePrefix + (jobId.startsWith('settle:') ? 's' + jobId.slice(6) : 'e' + jobId.slice(5));
  }
}

/** A match is one job whoever reports it; every other notification is a job of its own. */
export const settleJobId = (matchId: string) => `settle:${matchId}`;
export const eventJobId = (notifyId: string) => `event:${notifyId}`;
