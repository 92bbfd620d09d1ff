import type { KeySpace } from '../store/KeySpace.js';
import { shardPrefix } from './tombstones.js';

/**
 * Ledger keys the built-in platforms give their orders: `<prefix><platform order id>`. An order keyed so
 * needs no key of its own for the desk to find it by the platform's id.
 */
export const PLATFORM_KEY_PREFIXES: readonly string[] = ['recharge:', 'vngates:', 'gamecenter:'];

/** Every ledger key carries the `{ledger}` tag: the scripts touch orders, the schedule and inboxes together. */
export class LedgerKeys {
  readonly orderPrefix: string;
  readonly due: string;
  readonly gaveUp: string;
  readonly channel: string;
  /** Players with a grant in their inbox, by when the latest arrived (see deliveryScripts.ts). */
  readonly waiting: string;
  /** An order's journal is `journalPrefix + member`. */
  readonly journalPrefix: string;
  /** A revocation job (an order taken back after its grant) is `revokePrefix + member`. */
  readonly revokePrefix: string;
  readonly revokeDue: string;
  readonly revokeGaveUp: string;
  /**
   * The layout of the shard hashes that hold finished orders' tombstones (state letter + finish time, by
   * ledger key) and orders' aliases (`windowEnd|ledger key`, by alias): which shard an entry is in depends on
   * it, so steps and readers take this key and name the shard from it (see tombstones.ts).
   */
  readonly shards: string;
  /** The shard hashes themselves are `tombstonesPrefix + n` and `aliasesPrefix + n`. */
  readonly tombstonesPrefix: string;
  readonly aliasesPrefix: string;
  // the accept names five or six keys an order; a prefix concatenation each instead of a tagged() call
  private readonly userPrefix: string;
  private readonly dayPrefix: string;
  private readonly idPrefix: string;
  private readonly legacyAliasPrefix: string;
  private readonly inboxPrefix: string;
  private readonly claimPrefix: string;

  constructor(ks: KeySpace) {
    this.orderPrefix = ks.tagged('ledger', 'order') + ':';
    this.due = ks.tagged('ledger', 'due');
    this.gaveUp = ks.tagged('ledger', 'given-up');
    this.channel = ks.channel('grants');
    this.waiting = ks.tagged('ledger', 'waiting');
    this.journalPrefix = ks.tagged('ledger', 'journal') + ':';
    this.revokePrefix = ks.tagged('ledger', 'revoke') + ':';
    this.revokeDue = ks.tagged('ledger', 'revoke-due');
    this.revokeGaveUp = ks.tagged('ledger', 'revoke-given-up');
    this.shards = ks.tagged('ledger', 'shards');
    this.tombstonesPrefix = shardPrefix(this.shards, 'tombstones');
    this.aliasesPrefix = shardPrefix(this.shards, 'aliases');
    this.userPrefix = ks.tagged('ledger', 'user') + ':';
    this.dayPrefix = ks.tagged('ledger', 'day') + ':';
    this.idPrefix = ks.tagged('ledger', 'id') + ':';
    this.legacyAliasPrefix = ks.tagged('ledger', 'alias') + ':';
    this.inboxPrefix = ks.tagged('ledger', 'inbox') + ':';
    this.claimPrefix = ks.tagged('ledger', 'delivering') + ':';
  }

  /** Where an order's journal lived before it moved into the order hash (still read by the timeline). */
  journal(member: string): string {
    return this.journalPrefix + member;
  }

  /**
   * The ledger key of the first order with this platform order id, for orders whose ledger key is not a
   * built-in platform's shape (see {@link PLATFORM_KEY_PREFIXES}); kept `recordDays` from its arrival.
   */
  orderId(orderId: string): string {
    return this.idPrefix + orderId;
  }

  /** A player's orders by creation time (newest kept), one key per player so retention can expire it. */
  user(userId: string): string {
    return this.userPrefix + userId;
  }

  /** Orders created on one UTC day (`YYYY-MM-DD`) by creation time: what a day's export reads. */
  day(utcDay: string): string {
    return this.dayPrefix + utcDay;
  }

  order(member: string): string {
    return this.orderPrefix + member;
  }

  /** Where 0.1.0 kept an alias (its ledger key, a key of its own without TTL), still read. */
  legacyAlias(alias: string): string {
    return this.legacyAliasPrefix + alias;
  }

  inbox(userId: string): string {
    return this.inboxPrefix + userId;
  }

  deliveryClaim(member: string): string {
    return this.claimPrefix + member;
  }
}
