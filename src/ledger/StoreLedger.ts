/**
 * The ledger over the bridge's {@link Store}: Redis in production, the in-process store for trial runs.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../context.js';
import { ScriptBatcher } from '../store/ScriptBatcher.js';
import type { Store } from '../store/Store.js';
import type { AcceptOptions, CancelOutcome, Ledger, OperatorAction } from './Ledger.js';
import { LedgerKeys, PLATFORM_KEY_PREFIXES } from './keys.js';
import { decodeRecord, orderFields } from './record.js';
import { revokeScript, type RevokeOutcome } from './revokeScripts.js';
import { unstorable } from './storable.js';
import { acceptScript, cancelScript, grantLease, type AcceptReply } from './scripts.js';
import { Journal, PROCESS_NAME, entry, journalOptionsSchema, parseEntries, type JournalEntry } from './journal.js';
import { OrderJournal, entriesOf } from './orderJournal.js';
import { DEFAULT_RETENTION, type LedgerRetention } from './options.js';
import type { AcceptOutcome, LedgerRecord, PaidOrder } from './types.js';
import { parseTombstone, readTombstoneEntry } from './tombstones.js';
import { NO_OPS, type OpsHooks } from '../ops/hooks.js';

export interface StoreLedgerOptions {
  journal?: Journal;
  /** Orders kept in each player's index (newest first); default 1000. */
  ordersPerUser?: number;
  /** How long finished orders, their tombstones and aliases are kept (default: 90 / 400 / 400 days). */
  retention?: LedgerRetention;
  ops?: OpsHooks;
}

/**
 * The grant worker as the accept step sees it: an order accepted here may be recorded already leased to
 * it (no claim), when it has room. Every true `reserve` is followed by one `take`.
 */
export interface GrantTaker {
  readonly owner: string;
  readonly leaseMs: number;
  reserve(): boolean;
  /** The order as recorded leased to this process (fence 1), or undefined: nothing was leased. */
  take(record: LedgerRecord | undefined, since?: number): void;
}

const DEFAULT_DUPLICATE_ANSWER = JSON.stringify('duplicate');

/**
 * Accepts per script run. Small batches keep Redis and this process working side by side: Redis runs one
 * batch while the next is parsed here. With 128 a burst of callbacks became one long script, during which
 * this process waited, then one long parse, during which Redis waited (`recharge_socket_per_s` on 2 cores:
 * 7,800-8,600 orders/s at 128, 8,600-10,600 at 8; 2 and 4 pay the per-run cost too often).
 */
const ACCEPT_BATCH = 8;
/** At most how often a process sets its day index's TTL again (see dayIndexTtl). */
const DAY_INDEX_TTL_REFRESH_MS = 3_600_000;

export class StoreLedger implements Ledger {
  readonly keys: LedgerKeys;
  /** Called after an order is revoked on this process, so its onRevoked call starts at once. */
  onRevoked?: () => void;
  /** Called after an order is accepted on this process, so its grant starts at once. */
  onAccepted?: (record: LedgerRecord | undefined) => void;
  /** Set once a grant handler runs here: new orders are then leased to it in the accept step. */
  taker?: GrantTaker;
  /** Orders that arrive together are accepted in one script run (group commit); each still gets its own answer. */
  private readonly accepts: ScriptBatcher<AcceptReply>;

  readonly journal: Journal;
  readonly orderJournal: OrderJournal;
  readonly retention: LedgerRetention;
  private readonly ordersPerUser: number;
  private readonly ops: OpsHooks;
  /** The day whose index this process last set a TTL on, and when (see dayIndexTtl). */
  private dayIndexTtlSet = { day: '', at: 0 };

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    opts: StoreLedgerOptions = {},
  ) {
    this.keys = new LedgerKeys(store.keys);
    this.accepts = new ScriptBatcher(store, acceptScript, ACCEPT_BATCH);
    this.journal = opts.journal ?? new Journal(store, journalOptionsSchema.parse({}));
    this.orderJournal = new OrderJournal(store, this.journal.options.maxEntries);
    this.ordersPerUser = opts.ordersPerUser ?? 1000;
    this.retention = opts.retention ?? DEFAULT_RETENTION;
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
    const alias = opts.alias && opts.alias !== dedupeKey ? opts.alias : '';
    const initial = opts.decline === undefined ? 'pending' : 'declined';
    const k = this.keys;
    // [ARRIVAL_FIELD, its JSON, …the rest]: the arrival goes to the script as an argument of its own
    const fields = orderFields(order, dedupeKey, opts.decline, opts.alias);
    const who = { source: order.source, orderId: order.orderId, ids: opts.ids, peer: opts.peer, process: PROCESS_NAME };
    // what the record holds anyway (source, ids, player, amount) is not stored twice: the timeline adds it back
    const accepted = entry(now, initial === 'pending' ? 'accepted' : 'declined', { ids: opts.ids, peer: opts.peer, process: PROCESS_NAME, reason: opts.decline });
    const dup = JSON.stringify(entry(now, 'duplicate', who));
    const answers = opts.duplicateAnswer ?? {};
    const taker = initial === 'pending' ? this.taker : undefined;
    const leased = taker?.reserve() === true;
    const since = performance.now();
    const { recordMs, dedupeMs, aliasMs } = this.retention;
    const day = utcDay(now);
    const dayTtl = this.dayIndexTtl(day, now, recordMs);
    let r: AcceptReply;
    try {
      r = await this.accepts.run(
        [orderKey, k.due, k.shards, k.user(order.userId), k.day(day), findableById(dedupeKey, order.orderId) ? orderKey : k.orderId(order.orderId), alias ? k.legacyAlias(alias) : orderKey],
        [
          // alike for every accept of this ledger (the script's sharedArgs)
          answers.settled !== undefined ? JSON.stringify(answers.settled) : DEFAULT_DUPLICATE_ANSWER,
          answers.inProgress !== undefined ? JSON.stringify(answers.inProgress) : DEFAULT_DUPLICATE_ANSWER,
          k.orderPrefix,
          this.journal.options.maxEntries,
          this.ordersPerUser,
          recordMs,
          dedupeMs,
          aliasMs,
          this.taker?.owner ?? '',
          // this order's own
          now,
          dedupeKey,
          initial,
          JSON.stringify(fields.slice(2)),
          JSON.stringify(accepted),
          dup.slice(0, -1),
          leased ? taker!.leaseMs : 0,
          leased ? JSON.stringify(entry(now, 'lease_taken', { attempt: 1, process: PROCESS_NAME })) : '',
          fields[1]!,
          alias,
          dayTtl,
        ],
      );
    } catch (err) {
      // if the accept landed after all, its lease runs out unstarted and a look claims it, here or elsewhere
      if (leased) taker!.take(undefined);
      throw err;
    }
    if (r.accepted && dayTtl > 0) this.dayIndexTtlSet = { day, at: now };
    if (!r.accepted) {
      if (leased) taker!.take(undefined);
      this.ops.order(order.source, 'duplicate');
      // a duplicate means "already recorded": only true once the original is on the replicas too (it may
      // have been answered "retry later" itself)
      await this.store.confirmDurable();
      const state = r.state as LedgerRecord['state'];
      return r.tombstone ? { status: 'duplicate', state, dedupeKey, recordExpired: true } : { status: 'duplicate', state, dedupeKey: r.via ?? dedupeKey };
    }
    this.ops.order(order.source, initial);
    const record: LedgerRecord = {
      ...order,
      dedupeKey,
      alias: opts.alias,
      state: r.state as LedgerRecord['state'],
      attempts: 0,
      createdAt: now,
      updatedAt: now,
      reason: opts.decline,
      ...(r.afterDecline ? { declinedReason: r.afterDecline.reason, declinedAt: r.afterDecline.at } : {}),
    };
    if (leased) taker!.take(r.leased ? this.asStored(fields, record) : undefined, since);
    try {
      await this.store.confirmDurable();
    } finally {
      // recorded either way: granting starts now (unconfirmed, the next poll would find it just the same)
      if (initial === 'pending' && !r.leased) this.onAccepted?.(record);
    }
    return r.afterDecline ? { status: 'accepted', record, afterDecline: true } : { status: 'accepted', record };
  }

  /** The record as a retry would read it from the store, so a first run and a retry see the same order. */
  private asStored(fields: readonly string[], record: LedgerRecord): LedgerRecord {
    const stored: Record<string, string> = { state: record.state, attempts: '0', createdAt: String(record.createdAt), updatedAt: String(record.updatedAt) };
    for (let i = 0; i + 1 < fields.length; i += 2) stored[fields[i]!] = fields[i + 1]!;
    if (record.declinedAt !== undefined) Object.assign(stored, { declinedReason: record.declinedReason ?? '', declinedAt: String(record.declinedAt) });
    return decodeRecord(stored)!;
  }

  /**
   * The TTL an accept sets on its day's index, and 0 (leave it) between: one command an order fewer. Set on
   * this process's first accept of a day, then again once `every` has passed (an hour, or a hundredth of the
   * record ms when that is shorter), to the record ms plus `every`: so the index outlives the record of each
   * order in it by its creation, and the day's last one by at most `every`. A day index lost and recreated
   * meanwhile (a flush) goes without a TTL for at most `every`.
   */
  private dayIndexTtl(day: string, now: number, recordMs: number): number {
    const every = Math.max(1, Math.min(DAY_INDEX_TTL_REFRESH_MS, Math.floor(recordMs / 100)));
    if (day === this.dayIndexTtlSet.day && now - this.dayIndexTtlSet.at < every) return 0;
    return recordMs + every;
  }

  async get(dedupeKey: string): Promise<LedgerRecord | undefined> {
    return decodeRecord(await this.store.hgetall(this.keys.order(dedupeKey)));
  }

  async cancel(dedupeKey: string, reason: string, actor: OperatorAction = {}): Promise<CancelOutcome> {
    const now = this.clock.now();
    const k = this.keys;
    const note = entry(now, 'cancelled', { by: actor.by, address: actor.address, reason, process: PROCESS_NAME });
    const { recordMs, dedupeMs } = this.retention;
    const outcome = await this.store.run(
      cancelScript,
      [k.order(dedupeKey), k.due, k.gaveUp, k.shards],
      [now, dedupeKey, reason, JSON.stringify(note), this.journal.options.maxEntries, recordMs, dedupeMs],
    );
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
      [k.order(dedupeKey), k.due, k.gaveUp, k.revokePrefix + dedupeKey, k.revokeDue, k.shards],
      [now, dedupeKey, reason, JSON.stringify(note), this.journal.options.maxEntries, this.retention.recordMs, this.retention.dedupeMs],
    );
    if (outcome === 'revoked' || outcome === 'cancelled') {
      this.ops.order((await this.store.hget(k.order(dedupeKey), 'source').catch(() => null)) ?? 'unknown', outcome);
    }
    if (outcome === 'revoked') this.onRevoked?.();
    return outcome;
  }

  async retry(dedupeKey: string, actor: OperatorAction = {}): Promise<boolean> {
    const now = this.clock.now();
    const ok = await this.store.run(grantLease.retry, [this.keys.order(dedupeKey), this.keys.due, this.keys.gaveUp, this.keys.shards], [now, dedupeKey]);
    if (ok) {
      await this.orderJournal.append(this.keys.order(dedupeKey), entry(now, 'retried', { by: actor.by, address: actor.address, process: PROCESS_NAME }));
      this.onAccepted?.(undefined);
    }
    return ok;
  }

  /** An order's journal, oldest entry first (entries of orders journaled before the journal moved into the hash first). */
  async timeline(dedupeKey: string): Promise<JournalEntry[]> {
    const [hash, legacy] = await Promise.all([this.store.hgetall(this.keys.order(dedupeKey)), this.store.lrange(this.keys.journal(dedupeKey), 0, -1)]);
    const record = decodeRecord(hash);
    const arrival = record && {
      source: record.source,
      orderId: record.orderId,
      alias: record.alias,
      userId: record.userId,
      zoneId: record.zoneId,
      amount: record.amount,
      currency: record.currency,
    };
    const entries = entriesOf(hash).map((e) => (arrival && (e.event === 'accepted' || e.event === 'declined') ? { ...entry(e.at, e.event, arrival), ...e } : e));
    return [...parseEntries(legacy), ...entries];
  }

  /** The tombstone of a finished order whose record may have expired: its final state and when it finished. */
  async tombstone(dedupeKey: string): Promise<{ state: string; at: number } | undefined> {
    const t = await readTombstoneEntry(this.store, this.keys.shards, dedupeKey, this.clock.now(), this.retention.dedupeMs);
    return t === null ? undefined : parseTombstone(t);
  }

  queued(): Promise<number> {
    return this.store.zcard(this.keys.due);
  }
}

/** Whether the desk finds an order by its platform id from its ledger key alone (no key of its own needed). */
function findableById(dedupeKey: string, orderId: string): boolean {
  return dedupeKey === orderId || PLATFORM_KEY_PREFIXES.some((p) => dedupeKey.length === p.length + orderId.length && dedupeKey.startsWith(p) && dedupeKey.endsWith(orderId));
}

/** Midnight UTC of the day `ms` falls in. */
function utcDayStart(ms: number): number {
  return ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000);
}

/** `YYYY-MM-DD` of an instant in UTC: the day index an order is filed under. */
export function utcDay(ms: number): string {
  // one Date per UTC day, not one per order: the accept path asks for every order
  if (ms >= dayCache.from && ms < dayCache.from + 86_400_000) return dayCache.day;
  const from = utcDayStart(ms);
  dayCache = { from, day: new Date(from).toISOString().slice(0, 10) };
  return dayCache.day;
}
let dayCache = { from: Number.NaN, day: '' };
