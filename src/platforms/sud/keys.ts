import type { KeySpace } from '../../store/KeySpace.js';

/**
 * Every SUD key carries the `{sud}` tag: recording a notification touches its notify hash, the job and the
 * schedule in one script, so on a Redis Cluster they must share a slot.
 */
export class SudKeys {
  readonly jobPrefix: string;
  readonly due: string;
  readonly gaveUp: string;

  constructor(private readonly ks: KeySpace) {
    this.jobPrefix = ks.tagged('sud', 'job') + ':';
    this.due = ks.tagged('sud', 'due');
    this.gaveUp = ks.tagged('sud', 'given-up');
  }

  notify(notifyId: string): string {
    return this.ks.tagged('sud', 'notify', notifyId);
  }

  job(id: string): string {
    return this.jobPrefix + id;
  }
}

/** A match is one job whoever reports it; every other notification is a job of its own. */
export const settleJobId = (matchId: string) => `settle:${matchId}`;
export const eventJobId = (notifyId: string) => `event:${notifyId}`;
