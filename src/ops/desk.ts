/**
 * The operators' desk: what support and finance do with orders, from code (`bridge.desk`), the CLI and the
 * admin API alike. Find an order however the caller knows it (platform order id, alias, ledger key), a
 * player's orders, the orders stuck in a state; read an order's timeline; retry or cancel one by hand
 * (journaled with who and from where); export a day for reconciliation. Every read is paged and bounded.
 */
import type { Clock } from '../context.js';
import type { CancelOutcome, OperatorAction } from '../ledger/Ledger.js';
import { Journal, JOURNAL_SUBJECTS, SubjectJournal, journalOptionsSchema, type JournalEntry, type JournalSubject } from '../ledger/journal.js';
import { decodeRecord } from '../ledger/record.js';
import { PLATFORM_KEY_PREFIXES } from '../ledger/keys.js';
import type { StoreLedger } from '../ledger/StoreLedger.js';
import type { LedgerRecord } from '../ledger/types.js';
import type { Store } from '../store/Store.js';
import { pageScript, scanDueScript, stateCountsScript } from './deskScripts.js';
import { exportDay, type ExportFormat } from './exportDay.js';
import { readAliasEntry } from '../ledger/tombstones.js';

/** The states a list can ask for: the ones an operator acts on. */
export const LISTABLE_STATES = ['pending', 'granting', 'given_up'] as const;
export type ListableState = (typeof LISTABLE_STATES)[number];

/** Aliases as the platforms write them (GameCenter: `cp:<cpOrderId>`), tried when an id is not a key. */
const ALIAS_PREFIXES = ['', 'cp:'];

export interface Page {
  orders: LedgerRecord[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  next?: string;
}

export interface ListQuery {
  state: ListableState;
  /** granting: only orders leased at least this long ago (stuck grants). */
  olderThanMs?: number;
  /** At most this many orders (default 50, at most 500). */
  limit?: number;
  cursor?: string;
}

export interface StateCounts {
  /** Accepted and waiting for a grant attempt (incl. waiting for a backoff). */
  pending: number;
  /** A process holds the lease and runs the grant handler. */
  granting: number;
  given_up: number;
  /** False when more leases were running than one count reads (`granting` is then a lower bound). */
  exact: boolean;
}

export type RetryOutcome = 'retried' | 'not-found' | 'not-given-up';

const MAX_PAGE = 500;
/** Members of the schedule one list call reads at most, whatever it finds. */
const SCAN_PER_CALL = 2000;
const COUNT_SCAN = 5000;

export class Desk {
  private readonly subjects: SubjectJournal;

  constructor(
    private readonly store: Store,
    private readonly ledger: StoreLedger,
    private readonly clock: Clock,
    subjects?: SubjectJournal,
  ) {
    this.subjects = subjects ?? new SubjectJournal(new Journal(store, journalOptionsSchema.parse({})), store.keys, clock);
  }

  /**
   * The timeline of something that is not a ledger order: a SUD job (`settle:<matchId>` or the match id
   * alone, `event:<notifyId>`), a GameCenter order (its order id) or transfer (its transfer id, or
   * `ref:<reference>` for one whose outcome is unknown).
   */
  async journalOf(subject: JournalSubject, id: string): Promise<JournalEntry[]> {
    if (!(JOURNAL_SUBJECTS as readonly string[]).includes(subject)) throw new Error(`unknown journal subject ${JSON.stringify(subject)}: one of ${JOURNAL_SUBJECTS.join(', ')}`);
    if (subject === 'sud' && !/^(settle|event):/.test(id)) return this.subjects.read(subject, `settle:${id}`);
    return this.subjects.read(subject, id);
  }

  /** The ledger key of an order known by its ledger key, its platform order id or its alias; undefined when unknown. */
  async resolve(id: string): Promise<string | undefined> {
    if (!id) return undefined;
    const k = this.ledger.keys;
    if ((await this.store.hget(k.order(id), 'state')) !== null) return id;
    const shaped = await Promise.all(PLATFORM_KEY_PREFIXES.map((p) => this.store.hget(k.order(p + id), 'state')));
    const hit = shaped.findIndex((state) => state !== null);
    if (hit >= 0) return PLATFORM_KEY_PREFIXES[hit]! + id;
    const byId = await this.store.get(k.orderId(id));
    if (byId !== null) return byId;
    for (const p of ALIAS_PREFIXES) {
      const via = await readAliasEntry(this.store, k.shards, p + id, this.clock.now(), k.legacyAlias(p + id));
      if (via !== null) return via;
    }
    return undefined;
  }

  async get(id: string): Promise<LedgerRecord | undefined> {
    const key = await this.resolve(id);
    return key === undefined ? undefined : this.ledger.get(key);
  }

  /** A player's orders, newest first (the newest `ledger.ordersPerUser` are indexed). */
  async find(userId: string, opts: { limit?: number; cursor?: string } = {}): Promise<Page> {
    const limit = pageSize(opts.limit);
    const start = cursorOf(opts.cursor);
    const keys = await this.store.run(pageScript, [this.ledger.keys.user(userId)], [start, limit, 1]);
    const orders = await this.records(keys);
    return keys.length < limit ? { orders } : { orders, next: String(start + keys.length) };
  }

  /** Orders in one state, a page at a time (given_up: newest first; pending and granting: by schedule). */
  async list(q: ListQuery): Promise<Page> {
    if (!(LISTABLE_STATES as readonly string[]).includes(q.state)) throw new Error(`cannot list state ${JSON.stringify(q.state)}: one of ${LISTABLE_STATES.join(', ')}`);
    const limit = pageSize(q.limit);
    const start = cursorOf(q.cursor);
    const k = this.ledger.keys;
    if (q.state === 'given_up') {
      const keys = await this.store.run(pageScript, [k.gaveUp], [start, limit, 1]);
      return keys.length < limit ? { orders: await this.records(keys) } : { orders: await this.records(keys), next: String(start + keys.length) };
    }
    const since = this.clock.now() - Math.max(0, q.olderThanMs ?? 0);
    const { next, members } = await this.store.run(scanDueScript, [k.due], [k.orderPrefix, q.state, start, SCAN_PER_CALL, limit, since]);
    const orders = await this.records(members);
    return next < 0 ? { orders } : { orders, next: String(next) };
  }

  /** An order's journal, oldest first; undefined when the order is unknown. */
  async timeline(id: string): Promise<{ key: string; entries: JournalEntry[] } | undefined> {
    const key = await this.resolve(id);
    if (key === undefined) return undefined;
    return { key, entries: await this.ledger.timeline(key) };
  }

  /** Puts a given-up order back in the queue; the grant handler runs again (it is idempotent). */
  async retry(id: string, actor: OperatorAction = {}): Promise<{ outcome: RetryOutcome; key?: string }> {
    const key = await this.resolve(id);
    if (key === undefined) return { outcome: 'not-found' };
    return { outcome: (await this.ledger.retry(key, actor)) ? 'retried' : 'not-given-up', key };
  }

  /** Cancels a pending or given-up order; never one being granted or granted. */
  async cancel(id: string, reason: string, actor: OperatorAction = {}): Promise<{ outcome: CancelOutcome; key?: string }> {
    if (!reason.trim()) throw new Error('a cancel needs a reason');
    const key = await this.resolve(id);
    if (key === undefined) return { outcome: 'not-found' };
    return { outcome: await this.ledger.cancel(key, reason, actor), key };
  }

  /** Orders still in the queue by state, read in one bounded step. */
  async counts(scanLimit = COUNT_SCAN): Promise<StateCounts> {
    const k = this.ledger.keys;
    const c = await this.store.run(stateCountsScript, [k.due, k.gaveUp], [k.orderPrefix, this.clock.now(), scanLimit]);
    return { pending: Math.max(0, c.scheduled - c.granting), granting: c.granting, given_up: c.givenUp, exact: c.exact };
  }

  /**
   * One day's orders (created that calendar day in `timeZone`), for finance: JSON lines or CSV, one order
   * a line, in creation order. Yields text chunks so a large day is never held whole.
   */
  export(day: string, opts: { timeZone?: string; format?: ExportFormat } = {}): AsyncGenerator<string> {
    return exportDay(this.store, this.ledger.keys, day, opts.timeZone ?? 'UTC', opts.format ?? 'jsonl');
  }

  private async records(keys: readonly string[]): Promise<LedgerRecord[]> {
    const out = await Promise.all(keys.map(async (key) => decodeRecord(await this.store.hgetall(this.ledger.keys.order(key)))));
    return out.filter((r): r is LedgerRecord => r !== undefined);
  }
}

function pageSize(limit: number | undefined): number {
  const n = Math.floor(limit ?? 50);
  return Math.min(MAX_PAGE, Math.max(1, Number.isFinite(n) ? n : 50));
}

function cursorOf(cursor: string | undefined): number {
  const n = Number(cursor ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}
