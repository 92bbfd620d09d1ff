/**
 * The journal: what happened to one SUD settlement, one GameCenter order or transfer (and, before it moved
 * into the order hash, see orderJournal.ts, one ledger order), as a bounded list of JSON entries in Redis,
 * read by the operators' desk as the timeline. Support
 * answers "I paid and got nothing" from it, so every ledger transition appends an entry, in the same Lua
 * step as the transition where the ledger owns the step (accept, grant, delivery, cancel), and otherwise
 * through one grouped script call per event-loop turn.
 *
 * Bounded twice: at most `maxEntries` per subject (the first entry, how the order arrived, is always kept;
 * the oldest after it go first) and `ttlDays` after the last entry (0 keeps it as long as the order).
 */
import { hostname } from 'node:os';
import { z } from 'zod';
import { defineScript } from '../store/defineScript.js';
import type { MemoryDb } from '../store/MemoryDb.js';
import { ScriptBatcher } from '../store/ScriptBatcher.js';
import type { Store } from '../store/Store.js';
import type { KeySpace } from '../store/KeySpace.js';

export const journalOptionsSchema = z
  .strictObject({
    maxEntries: z
      .number()
      .int()
      .min(2)
      .max(10_000)
      .default(100)
      .describe('Most journal entries kept per order (or settlement, transfer); the first (how it arrived) is always kept, the oldest after it are dropped.'),
    ttlDays: z
      .number()
      .min(0)
      .default(90)
      .describe(
        "Days a SUD job's, GameCenter order's or transfer's journal is kept after its last entry (0: as long as Redis keeps it). A ledger order's journal is part of its record and expires with it (`ledger.recordDays`).",
      ),
  })
  .prefault({})
  .describe('The journal behind every order timeline (operators desk, admin API, CLI).');

export type JournalOptions = z.output<typeof journalOptionsSchema>;

/** One thing that happened; `at` is epoch ms, `event` names it, the rest depends on the event. */
export interface JournalEntry {
  at: number;
  event: string;
  [field: string]: unknown;
}

/** The ledger's events, in the order an order usually meets them. */
export type LedgerEvent =
  | 'accepted'
  | 'declined'
  | 'duplicate'
  | 'lease_taken'
  | 'taken_over'
  | 'lease_lost'
  | 'attempt_failed'
  | 'given_up'
  | 'granted'
  | 'delivered'
  | 'cancelled'
  | 'retried'
  | 'revoked'
  | 'revocation_handled';

/** This process in journal entries: host and pid, what an operator can find in their process list. */
export const PROCESS_NAME = `${hostname()}/${process.pid}`;

/**
 * A Lua fragment appending ARGV-given `entry` to list `key`, trimmed to `max` (keeping the first entry)
 * and expiring after `ttl` ms (0: never). Embedded in the ledger's own scripts so a transition and its
 * entry are one step.
 */
export function journalLua(key: string, entry: string, max: string, ttl: string): string {
  return `
do
  local jk, jmax, jttl = ${key}, tonumber(${max}), tonumber(${ttl})
  if redis.call('RPUSH', jk, ${entry}) > jmax then
    local first = redis.call('LINDEX', jk, 0)
    redis.call('LTRIM', jk, -(jmax - 1), -1)
    redis.call('LPUSH', jk, first)
  end
  if jttl > 0 then redis.call('PEXPIRE', jk, jttl) end
end`;
}

/** The in-process twin of {@link journalLua}. */
export function journalLocal(db: MemoryDb, key: string, entry: string, max: string, ttl: string): void {
  const limit = Number(max);
  if (db.rpush(key, entry) > limit) {
    const all = db.lrange(key, 0, -1);
    db.del(key);
    db.rpush(key, all[0]!, ...all.slice(-(limit - 1)));
  }
  if (Number(ttl) > 0) db.pexpire(key, Number(ttl));
}

/** KEYS: the journal list. ARGV: entry JSON, max entries, ttl ms. */
export const journalAppendScript = defineScript<number>({
  name: 'journal_append',
  numberOfKeys: 1,
  lua: `${journalLua('KEYS[1]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]')}
return 1`,
  local(db, keys, args) {
    journalLocal(db, keys[0]!, args[0]!, args[1]!, args[2]!);
    return 1;
  },
  decode: (r) => Number(r),
});

export class Journal {
  readonly ttlMs: number;
  /** Appends from one turn go to the store together; keys of different slots get their own batcher. */
  private readonly batchers = new Map<string, ScriptBatcher<number>>();

  constructor(
    private readonly store: Store,
    readonly options: JournalOptions,
  ) {
    this.ttlMs = Math.round(options.ttlDays * 86_400_000);
  }

  /**
   * Appends one entry. Never throws: the journal tells what happened, it is not the record of it, so a
   * store that cannot take the entry does not fail the step that already happened. `ttlMs` replaces
   * `ttlDays` for a subject whose records have a retention of their own (SUD's `recordDays`).
   */
  async append(key: string, entry: JournalEntry, ttlMs = this.ttlMs): Promise<void> {
    const tag = /\{[^}]*\}/.exec(key)?.[0] ?? '';
    let batcher = this.batchers.get(tag);
    if (!batcher) this.batchers.set(tag, (batcher = new ScriptBatcher(this.store, journalAppendScript)));
    await batcher.run([key], [JSON.stringify(entry), this.options.maxEntries, ttlMs]).catch(() => undefined);
  }

  /** The entries, oldest first; unreadable ones are shown as such rather than dropped. */
  async read(key: string): Promise<JournalEntry[]> {
    return parseEntries(await this.store.lrange(key, 0, -1));
  }
}

export function parseEntries(raw: readonly string[]): JournalEntry[] {
  return raw.map((s) => {
    try {
      return JSON.parse(s) as JournalEntry;
    } catch {
      return { at: 0, event: 'unreadable', raw: s };
    }
  });
}

/** Drops undefined fields so an entry stays short. */
export function entry(at: number, event: string, fields: Record<string, unknown> = {}): JournalEntry {
  const e: JournalEntry = { at, event };
  // `at` and `event` are the entry's own: a field of the same name never replaces them
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== '' && k !== 'at' && k !== 'event') e[k] = v;
  return e;
}

/** What else keeps a timeline besides ledger orders: SUD jobs, GameCenter orders and transfers. */
export const JOURNAL_SUBJECTS = ['sud', 'gamecenter-order', 'gamecenter-transfer'] as const;
export type JournalSubject = (typeof JOURNAL_SUBJECTS)[number];

/** The journal of a SUD job (`settle:<matchId>`, `event:<notifyId>`), a GameCenter order or a transfer. */
export function subjectJournalKey(ks: KeySpace, subject: JournalSubject, id: string): string {
  return ks.tagged('journal', subject, id);
}

/**
 * The journal as the platforms use it: a line per thing an operator would look for (a notification
 * recorded, a job failed or settled, an order paid, a transfer final), appended after the step, grouped
 * per event-loop turn, never failing the step.
 */
export class SubjectJournal {
  constructor(
    readonly journal: Journal,
    private readonly ks: KeySpace,
    private readonly clock: { now(): number },
  ) {}

  /** `ttlMs`: see {@link Journal.append}. */
  note(subject: JournalSubject, id: string, event: string, fields: Record<string, unknown> = {}, ttlMs?: number): void {
    void this.journal.append(subjectJournalKey(this.ks, subject, id), entry(this.clock.now(), event, { ...fields, process: PROCESS_NAME }), ttlMs);
  }

  read(subject: JournalSubject, id: string): Promise<JournalEntry[]> {
    return this.journal.read(subjectJournalKey(this.ks, subject, id));
  }
}
