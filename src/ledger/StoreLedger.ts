/**
 * The ledger over the bridge's {@link Store}: Redis in production, the in-process store for trial runs.
 */
import type { Clock } from '../context.js';
import { ScriptBatcher } from '../store/ScriptBatcher.js';
import type { Store } from '../store/Store.js';
import type { AcceptOptions, CancelOutcome, Ledger } from './Ledger.js';
import { LedgerKeys } from './keys.js';
import { decodeRecord, orderFields } from './record.js';
import { acceptScript, cancelScript, grantLease } from './scripts.js';
import type { AcceptOutcome, LedgerRecord, PaidOrder } from './types.js';

export class StoreLedger implements Ledger {
  readonly keys: LedgerKeys;
  /** Called after an order is accepted on this process, so its grant starts at once. */
  onAccepted?: (record: LedgerRecord) => void;
  /** Orders that arrive together are accepted in one script run (group commit); each still gets its own answer. */
  private readonly accepts: ScriptBatcher<{ accepted: boolean; state: string; via?: string }>;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    this.keys = new LedgerKeys(store.keys);
    this.accepts = new ScriptBatcher(store, acceptScript);
  }

  keyOf(order: Pick<PaidOrder, 'source' | 'orderId' | 'dedupeKey'>): string {
    return order.dedupeKey ?? `${order.source}:${order.orderId}`;
  }

  async accept(order: PaidOrder, opts: AcceptOptions = {}): Promise<AcceptOutcome> {
    if (!order.orderId) throw new Error('an order needs an orderId');
    if (!order.userId) throw new Error('an order needs a userId');
    if (!Number.isFinite(order.amount)) throw new Error('an order needs a finite amount');
    const dedupeKey = this.keyOf(order);
    const now = this.clock.now();
    const orderKey = this.keys.order(dedupeKey);
    const aliasKey = opts.alias && opts.alias !== dedupeKey ? this.keys.alias(opts.alias) : orderKey;
    const initial = opts.decline === undefined ? 'pending' : 'declined';
    const r = await this.accepts.run([orderKey, this.keys.due, aliasKey], [now, dedupeKey, initial, JSON.stringify(orderFields(order, dedupeKey, opts.decline))]);
    if (!r.accepted) {
      if (r.via) {
        const other = await this.get(r.via);
        // a duplicate means "already recorded": only true once the original is on the replicas too (it may
        // have been answered "retry later" itself)
        await this.store.confirmDurable();
        return { status: 'duplicate', state: other?.state ?? 'unknown', dedupeKey: r.via };
      }
      await this.store.confirmDurable();
      return { status: 'duplicate', state: r.state as LedgerRecord['state'], dedupeKey };
    }
    const record: LedgerRecord = {
      ...order,
      dedupeKey,
      state: initial,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      reason: opts.decline,
    };
    try {
      await this.store.confirmDurable();
    } finally {
      // recorded either way: granting starts now (unconfirmed, the next poll would find it just the same)
      if (initial === 'pending') this.onAccepted?.(record);
    }
    return { status: 'accepted', record };
  }

  async get(dedupeKey: string): Promise<LedgerRecord | undefined> {
    return decodeRecord(await this.store.hgetall(this.keys.order(dedupeKey)));
  }

  cancel(dedupeKey: string, reason: string): Promise<CancelOutcome> {
    return this.store.run(cancelScript, [this.keys.order(dedupeKey), this.keys.due], [this.clock.now(), dedupeKey, reason]);
  }

  retry(dedupeKey: string): Promise<boolean> {
    return this.store.run(grantLease.retry, [this.keys.order(dedupeKey), this.keys.due, this.keys.gaveUp], [this.clock.now(), dedupeKey]);
  }

  queued(): Promise<number> {
    return this.store.zcard(this.keys.due);
  }
}
