/**
 * Keys of the serverstate feature. The hash the platform reads keeps its plain name (default
 * `serverstate`); the per-zone bookkeeping beside it carries that name as its Redis Cluster hash tag
 * (`platform:{serverstate}:zone:<id>:…`), so the aggregate script can touch all of them in one slot.
 */
import type { KeySpace } from '../store/KeySpace.js';

export class ZoneKeys {
  constructor(
    private readonly ks: KeySpace,
    /** The platform-read hash (not prefixed). */
    readonly hashName: string,
  ) {}

  /** Each live process's contribution to the zone's entry: field = process token, value = JSON. */
  procs(zoneId: string): string {
    return this.ks.tagged(this.hashName, 'zone', zoneId, 'procs');
  }

  /** Every account seen in the zone (a set). */
  accounts(zoneId: string): string {
    return this.ks.tagged(this.hashName, 'zone', zoneId, 'accounts');
  }

  /** Accounts seen for the first time recently: member = user id, score = first-seen epoch ms. */
  recentAccounts(zoneId: string): string {
    return this.ks.tagged(this.hashName, 'zone', zoneId, 'recent');
  }

  /** Accounts with at least one role in the zone (a set): the `RoleNum`. */
  roleAccounts(zoneId: string): string {
    return this.ks.tagged(this.hashName, 'zone', zoneId, 'roles');
  }

  /** When a process first served the zone (epoch ms), the default `ServerBeginTime`. */
  began(zoneId: string): string {
    return this.ks.tagged(this.hashName, 'zone', zoneId, 'began');
  }
}
