/**
 * The zone-wide account figures of the serverstate entry, kept in Redis so every process serving the
 * zone sees the same numbers: RoleNum (accounts with a role in the zone) and FiveMinuteAddAccountNum
 * (accounts seen in the zone for the first time within the last five minutes).
 */
import type { Store } from '../store/Store.js';
import type { ZoneKeys } from './keys.js';
import { noteAccountScript } from './scripts.js';

/** The spec's "last five minutes". */
export const RECENT_ACCOUNT_WINDOW_MS = 5 * 60_000;

export class ZoneAccounts {
  constructor(
    private readonly store: Store,
    private readonly keys: ZoneKeys,
  ) {}

  /** Resolves true when this is the account's first sighting in the zone. */
  noteAccount(zoneId: string, userId: string, at: number): Promise<boolean> {
    return this.store.run(noteAccountScript, [this.keys.accounts(zoneId), this.keys.recentAccounts(zoneId)], [userId, at, RECENT_ACCOUNT_WINDOW_MS]);
  }

  /** The account now has a role in the zone (idempotent). */
  async noteRole(zoneId: string, userId: string): Promise<void> {
    await this.store.sadd(this.keys.roleAccounts(zoneId), userId);
  }
}
