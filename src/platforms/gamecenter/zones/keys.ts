import type { KeySpace } from '../../../store/KeySpace.js';

/** Zone-data keys; one hash tag because the scripts touch the guard, the outbox and the rows together. */
export interface ZoneKeys {
  /** hash member → 'pending' | 'sent' | 'failed': each create-role / order-zone event is sent at most once */
  once: string;
  /** zset member → when the event is due (a retry time, or the end of the current sender's lease) */
  outbox: string;
  /** hash member → the event as JSON */
  rows: string;
  /** hash member → hand-overs so far (the fence of the current sender) */
  fences: string;
  /** hash member → why the event is parked (JSON: refusal or last error, attempts, since): still queued, listed for operators */
  parked: string;
  /** zset `<zone>:<userId>` → when the activity row is due (now, or the end of a flush's lease) */
  active: string;
  /** hash `<zone>:<userId>` → the latest activity time in ms */
  activeAt: string;
  /** hash `<zone>:<userId>` → `<fence>|<time sent>` of the flush sending it */
  activeClaims: string;
  activeSeq: string;
}

export function zoneKeys(ks: KeySpace): ZoneKeys {
  const k = (name: string) => ks.tagged('gczone', name);
  return {
    once: k('once'),
    outbox: k('outbox'),
    rows: k('rows'),
    fences: k('fences'),
    parked: k('parked'),
    active: k('active'),
    activeAt: k('active-at'),
    activeClaims: k('active-claims'),
    activeSeq: k('active-seq'),
  };
}
