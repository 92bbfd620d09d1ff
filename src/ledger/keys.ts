import type { KeySpace } from '../store/KeySpace.js';

/** Every ledger key carries the `{ledger}` tag: the scripts touch orders, the schedule and inboxes together. */
export class LedgerKeys {
  readonly orderPrefix: string;
  readonly due: string;
  readonly gaveUp: string;
  readonly channel: string;

  constructor(private readonly ks: KeySpace) {
    this.orderPrefix = ks.tagged('ledger', 'order') + ':';
    this.due = ks.tagged('ledger', 'due');
    this.gaveUp = ks.tagged('ledger', 'given-up');
    this.channel = ks.channel('grants');
  }

  order(member: string): string {
    return this.orderPrefix + member;
  }

  alias(alias: string): string {
    return this.ks.tagged('ledger', 'alias', alias);
  }

  inbox(userId: string): string {
    return this.ks.tagged('ledger', 'inbox', userId);
  }

  deliveryClaim(member: string): string {
    return this.ks.tagged('ledger', 'delivering', member);
  }
}
