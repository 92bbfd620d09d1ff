/**
 * The ledger over the bridge's {@link Store}: Redis in production, the in-process store for trial runs.
 */
import type { Clock } from '../context.js';
import { ScriptBatcher } from '../store/ScriptBatcher.js';
import type { Store } from '../store/Store.js';
import type { AcceptOptions, CancelOutcome, Ledger, OperatorAction } from './Ledger.js';
import { LedgerKeys } from './keys.js';
import { decodeRecord, orderFields } from './record.js';
import { revokeScript, type RevokeOutcome } from './revokeScripts.js';
import { unstorable } from './storable.js';
import { acceptScript, cancelScript, grantLease, type AcceptReply } from './scripts.js';
import { Journal, PROCESS_NAME, entry, journalOptionsSchema, type JournalEntry } from './journal.js';
import type { AcceptOutcome, LedgerRecord, PaidOrder } from './types.js';
import { NO_OPS, type OpsHooks } from '../ops/hooks.js';

export interface StoreLedgerOptions {
  journal?: Journal;
  /** Orders kept in each player's index (newest first); default 1000. */
  ordersPerUser?: number;
  ops?: OpsHooks;
}

const DEFAULT_DUPLICATE_ANSWER = JSON.stringify('duplicate');

export class StoreLedger implements Ledger {
  readonly keys: LedgerKeys;
  /** Called after an order is revoked on this process, so its onRevoked call starts at once. */
  onRevoked?: () => void;
  /** Called after an order is accepted on this process, so its grant starts at once. */
  onAccepted?: (record: LedgerRecord | undefined) => void;
  /** Orders that arrive together are accepted in one script run (group commit); each still gets its own answer. */
  private readonly accepts: ScriptBatcher<AcceptReply>;

  readonly journal: Journal;
  private readonly ordersPerUser: number;
  private readonly ops: OpsHooks;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    opts: StoreLedgerOptions = {},
  ) {
    this.keys = new LedgerKeys(store.keys);
    this.accepts = new ScriptBatcher(store, acceptScript);
    this.journal = opts.journal ?? new Journal(store, journalOptionsSchema.parse({}));
    this.ordersPerUser = opts.ordersPerUser ?? 1000;
    this.ops = opts.ops ?? NO_OPS;
  }

  keyOf(order: Pick<PaidOrder, 'source' | 'orderId' | 'dedupeKey'>): string {
    return order.dedupeKey ?? `${order.source}:${order.orderId}`;
  }

  async accept(order: PaidOrder, opts: AcceptOptions = {}): Promise<AcceptOutcome> {
    if (!order.orderId) throw new Error('an order needs an orderId');
    if (!order.userId) throw new Error('an order needs a userId');
    if (!Number.isFinite(order.amount)) throw new Error('an order needs a finite amount');
    const problem = unstorable(order);
    if (problem) throw problem;
    const dedupeKey = this.keyOf(order);
    const now = this.clock.now();
    const orderKey = this.keys.order(dedupeKey);
    const aliasKey = opts.alias && opts.alias !== dedupeKey ? this.keys.alias(opts.alias) : orderKey;
    const initial = opts.decline === undefined ? 'pending' : 'declined';
    const k = this.keys;
    const fields = orderFields(order, dedupeKey, opts.decline, opts.alias);
    const who = { source: order.source, orderId: order.orderId, ids: opts.ids, peer: opts.peer, process: PROCESS_NAME };
    const accepted = entry(now, initial === 'pending' ? 'accepted' : 'declined', {
      ...who,
      alias: opts.alias,
      userId: order.userId,
      zoneId: order.zoneId,
      amount: order.amount,
      currency: order.currency,
      reason: opts.decline,
    });
    const dup = JSON.stringify(entry(now, 'duplicate', who));
    const answers = opts.duplicateAnswer ?? {};
    const r = await this.accepts.run(
      [orderKey, k.due, aliasKey, k.journal(dedupeKey), k.user(order.userId), k.day(utcDay(now)), order.orderId === dedupeKey ? orderKey : k.orderId(order.orderId)],
      [
        now,
        dedupeKey,
        initial,
        JSON.stringify(fields),
        JSON.stringify(accepted),
        dup.slice(0, -1),
        answers.settled !== undefined ? JSON.stringify(answers.settled) : DEFAULT_DUPLICATE_ANSWER,
        answers.inProgress !== undefined ? JSON.stringify(answers.inProgress) : DEFAULT_DUPLICATE_ANSWER,
        k.journalPrefix,
        k.orderPrefix,
        ...this.journal.bounds,
        this.ordersPerUser,
      ],
    );
    if (!r.accepted) {
      this.ops.order(order.source, 'duplicate');
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
    this.ops.order(order.source, initial);
    const record: LedgerRecord = {
      ...order,
      dedupeKey,
      state: initial,
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      reason: opts.decline,
      ...(r.afterDecline ? { declinedReason: r.afterDecline.reason, declinedAt: r.afterDecline.at } : {}),
    };
    try {
      await this.store.confirmDurable();
    } finally {
      // recorded either way: granting starts now (unconfirmed, the next poll would find it just the same)
      if (initial === 'pending') this.onAccepted?.(record);
    }
    return r.afterDecline ? { status: 'accepted', record, afterDecline: true } : { status: 'accepted', record };
  }

  async get(dedupeKey: string): Promise<LedgerRecord | undefined> {
    return decodeRecord(await this.store.hgetall(this.keys.order(dedupeKey)));
  }

  async cancel(dedupeKey: string, reason: string, actor: OperatorAction = {}): Promise<CancelOutcome> {
    const now = this.clock.now();
    const k = this.keys;
    const note = entry(now, 'cancelled', { by: actor.by, address: actor.address, reason, process: PROCESS_NAME });
    const outcome = await this.store.run(cancelScript, [k.order(dedupeKey), k.due, k.gaveUp, k.journal(dedupeKey)], [now, dedupeKey, reason, JSON.stringify(note), ...this.journal.bounds]);
    if (outcome === 'cancelled') this.ops.order((await this.store.hget(k.order(dedupeKey), 'source').catch(() => null)) ?? 'unknown', 'cancelled');
    return outcome;
  }

  /**
   * The platform took the order back. A granted order becomes `revoked` and the game's `onRevoked` is
   * queued, once across processes; one not granted yet is cancelled instead (nothing to claw back); one
   * being granted right now answers 'in-progress' (ask again after the grant).
   */
  async revoke(dedupeKey: string, reason: string): Promise<RevokeOutcome> {
    const now = this.clock.now();
    const k = this.keys;
    const note = entry(now, 'revoked', { reason, process: PROCESS_NAME });
    const outcome = await this.store.run(
      revokeScript,
      [k.order(dedupeKey), k.due, k.gaveUp, k.revokePrefix + dedupeKey, k.revokeDue, k.journal(dedupeKey)],
      [now, dedupeKey, reason, JSON.stringify(note), ...this.journal.bounds],
    );
    if (outcome === 'revoked' || outcome === 'cancelled') {
      this.ops.order((await this.store.hget(k.order(dedupeKey), 'source').catch(() => null)) ?? 'unknown', outcome);
    }
    if (outcome === 'revoked') this.onRevoked?.();
    return outcome;
  }

  async retry(dedupeKey: string, actor: OperatorAction = {}): Promise<boolean> {
    const now = this.clock.now();
    const ok = await this.store.run(grantLease.retry, [this.keys.order(dedupeKey), this.keys.due, this.keys.gaveUp], [now, dedupeKey]);
    if (ok) {
      await this.journal.append(this.keys.journal(dedupeKey), entry(now, 'retried', { by: actor.by, address: actor.address, process: PROCESS_NAME }));
      this.onAccepted?.(undefined);
    }
    return ok;
  }

  /** An order's journal, oldest entry first. */
  timeline(dedupeKey: string): Promise<JournalEntry[]> {
    return this.journal.read(this.keys.journal(dedupeKey));
  }

  queued(): Promise<number> {
    return this.store.zcard(this.keys.due);
  }
}

/** `YYYY-MM-DD` of an instant in UTC: the day index an order is filed under. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
