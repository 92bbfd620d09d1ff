/**
 * An order's journal kept inside its own hash: entry n is field `j<n>`, `jn` counts them. In the hash
 * rather than a list of its own, because the journal then lives and dies with the record (one TTL, no
 * second key to expire) and the steps that write the hash anyway add their entry in the same HSET.
 *
 * Bounded like every journal: at most `max` entries, the first (how the order arrived) always kept, the
 * oldest after it dropped. Orders journaled before this lived in a list (`{ledger}:journal:<key>`); the
 * timeline still reads it (see StoreLedger.timeline).
 */
import { defineScript } from '../store/defineScript.js';
import type { MemoryDb } from '../store/MemoryDb.js';
import { ScriptBatcher } from '../store/ScriptBatcher.js';
import type { Store } from '../store/Store.js';
import { parseEntries, type JournalEntry } from './journal.js';

export const JOURNAL_COUNT_FIELD = 'jn';

/**
 * Lua: takes the next entry number of hash `key` and drops the entry that falls out of the bound. Leaves
 * `jfield` (the new entry's field name) for the caller's own HSET. Expects the hash to exist.
 */
export function nextEntryLua(key: string, max: string): string {
  return `local jfield
do
  local n = redis.call('HINCRBY', ${key}, '${JOURNAL_COUNT_FIELD}', 1)
  jfield = 'j' .. n
  local drop = n - tonumber(${max}) + 1
  if drop > 1 then redis.call('HDEL', ${key}, 'j' .. drop) end
end`;
}

/** The twin of {@link nextEntryLua}: the new entry's field name. */
export function nextEntryLocal(db: MemoryDb, key: string, max: string): string {
  const n = db.hincrby(key, JOURNAL_COUNT_FIELD, 1);
  const drop = n - Number(max) + 1;
  if (drop > 1) db.hdel(key, `j${drop}`);
  return `j${n}`;
}

/**
 * Lua: appends `entry` to the journal of order hash `key`, when the order still exists (never recreates an
 * expired one). Reads the count and writes entry and count in one HSET: two commands where an existence
 * check, an increment and a write were three; only a hash without a count (journaled before it moved into
 * the hash) pays the existence check.
 */
export function appendEntryLua(key: string, entry: string, max: string): string {
  return `do
  local count = redis.call('HGET', ${key}, '${JOURNAL_COUNT_FIELD}')
  if count or redis.call('EXISTS', ${key}) == 1 then
    local n = tonumber(count or '0') + 1
    redis.call('HSET', ${key}, 'j' .. n, ${entry}, '${JOURNAL_COUNT_FIELD}', n)
    local drop = n - tonumber(${max}) + 1
    if drop > 1 then redis.call('HDEL', ${key}, 'j' .. drop) end
  end
end`;
}

export function appendEntryLocal(db: MemoryDb, key: string, entry: string, max: string): void {
  const count = db.hget(key, JOURNAL_COUNT_FIELD);
  if (count === null && !db.exists(key)) return;
  const n = Number(count ?? 0) + 1;
  db.hset(key, { [`j${n}`]: entry, [JOURNAL_COUNT_FIELD]: String(n) });
  const drop = n - Number(max) + 1;
  if (drop > 1) db.hdel(key, `j${drop}`);
}

/** KEYS: the order hash. ARGV: entry JSON, max entries. One entry outside the ledger's own steps (a failed attempt, a lost lease, a retry). */
export const orderJournalAppendScript = defineScript<number>({
  name: 'ledger_journal_append',
  numberOfKeys: 1,
  lua: `${appendEntryLua('KEYS[1]', 'ARGV[1]', 'ARGV[2]')}
return 1`,
  local(db, keys, args) {
    appendEntryLocal(db, keys[0]!, args[0]!, args[1]!);
    return 1;
  },
  decode: (r) => Number(r),
});

/** The journal entries of an order hash, oldest first. */
export function entriesOf(hash: Record<string, string>): JournalEntry[] {
  const numbered: Array<[number, string]> = [];
  for (const [field, value] of Object.entries(hash)) {
    if (field.charCodeAt(0) !== 106 /* j */ || field === JOURNAL_COUNT_FIELD) continue;
    const n = Number(field.slice(1));
    if (Number.isInteger(n) && n > 0) numbered.push([n, value]);
  }
  numbered.sort((a, b) => a[0] - b[0]);
  return parseEntries(numbered.map(([, v]) => v));
}

/**
 * Appends to order journals outside the ledger's own steps. Never throws: the journal tells what happened,
 * it is not the record of it, so a store that cannot take the entry does not fail the step that already
 * happened. Appends from one turn go to the store together (all order hashes share the `{ledger}` slot).
 */
export class OrderJournal {
  private readonly appends: ScriptBatcher<number>;

  constructor(
    store: Store,
    readonly maxEntries: number,
  ) {
    this.appends = new ScriptBatcher(store, orderJournalAppendScript);
  }

  async append(orderKey: string, e: JournalEntry): Promise<void> {
    await this.appends.run([orderKey], [JSON.stringify(e), this.maxEntries]).catch(() => undefined);
  }
}
