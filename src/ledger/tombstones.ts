/**
 * Where finished orders' tombstones and orders' aliases live: as fields of a few shard hashes
 * (`{ledger}:tombstones:<n>`, `{ledger}:aliases:<n>`) instead of one key each. A key of its own costs Redis
 * about 150 bytes before its value (its dictionary and expiry entries, its object, the key's text), and a
 * recharge order leaves two for `dedupeDays` (its tombstone and its sign alias): about 500 bytes each order
 * as keys, about the length of their text as fields of a small (listpack-encoded) hash.
 *
 * Redis before 7.4 cannot expire a hash field, so every entry carries its time and is judged by it when
 * read: a lookup never takes an entry past its window, whatever is still stored. Tombstone writes remove
 * expired entries: one in {@link CLEAN_ONE_IN} (chosen by the hash of the entry's name, so the Lua step and
 * its in-process twin agree, and any clock will do) looks at {@link SAMPLE} entries, picked at random (all
 * of them up to {@link WHOLE}), of its shard and of the alias shard of the same number (aliases are written
 * by the accept, which the platform waits on), and deletes those past their window. In steady state that
 * leaves a quarter to a third of a shard's entries dead and waiting. Every write also sets its shard's TTL
 * to the window, so a shard no longer written to expires whole once its newest entry is past the window:
 * no sweeper, no key scan.
 *
 * Aliases written by builds before this layout (`{ledger}:alias:<alias>`, a key each) are still read when
 * a shard has no entry for the alias. (Tombstones came with the shards' release, so none is kept elsewhere.)
 */
import { hash } from 'node:crypto';
import type { MemoryDb } from '../store/MemoryDb.js';

/** Shards per kind. Part of the stored layout: changing it would lose every entry's place. */
export const SHARDS = 64;
/** Entries a cleaning write looks at. */
export const SAMPLE = 16;
/**
 * A shard up to this size is read whole by a cleaning write: picks with repeats would see few distinct
 * entries of it, and reading a small (listpack) shard whole is cheap.
 */
export const WHOLE = 2 * SAMPLE;
/** One write in this many cleans its shard. */
export const CLEAN_ONE_IN = 4;

// the one-shot hash(): a third of createHash's cost, and the accept takes one or two per order
function digest(name: string): string {
  return hash('sha1', name, 'hex');
}

/** The shard (0 … SHARDS-1) an entry's name falls in: the first 16 bits of its SHA-1, as the Lua side reads it. */
export function shardOf(name: string): number {
  return parseInt(digest(name).slice(0, 4), 16) % SHARDS;
}

/**
 * Whether a write of this name cleans its shard: the fifth hex digit of its SHA-1, as the Lua side reads it.
 * By the name, not the time: a clock that ticks in steps of 4 ms (or 10, or 16) would make every write clean
 * or none.
 */
export const cleansShard = (name: string): boolean => parseInt(digest(name)[4]!, 16) % CLEAN_ONE_IN === 0;

/**
 * A tombstone is its final state's letter and when it finished, in base-36 ms (`g` + 8 characters); an
 * alias is `expiresAt|ledger key`, the end of its window (arrival + aliasDays) in base-36 ms too, so that
 * cleaning it needs no window. Short text because it is most of what a tombstone costs.
 */
const STATE_LETTER: Readonly<Record<string, string>> = { granted: 'g', cancelled: 'c', declined: 'd', given_up: 'u', revoked: 'r' };
const LETTER_STATE: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(STATE_LETTER).map(([k, v]) => [v, k]));

export function packTombstone(state: string, at: number): string {
  const letter = STATE_LETTER[state];
  if (letter === undefined) throw new Error(`no tombstone for state ${state}`);
  return letter + at.toString(36);
}

/** A tombstone's state and time; undefined for text that is not one. */
export function parseTombstone(t: string): { state: string; at: number } | undefined {
  const state = LETTER_STATE[t[0] ?? ''];
  const at = parseInt(t.slice(1), 36);
  return state && Number.isFinite(at) ? { state, at } : undefined;
}

export const tombstoneState = (t: string | null): string | null => (t === null ? null : (parseTombstone(t)?.state ?? null));
const tombstoneAt = (v: string): number => parseTombstone(v)?.at ?? NaN;
const aliasUntil = (v: string): number => parseInt(/^([0-9a-z]+)\|/.exec(v)?.[1] ?? '', 36);
const liveAlias = (v: string, now: number): boolean => now < aliasUntil(v);
const live = (at: number, now: number, window: number): boolean => Number.isFinite(at) && now - at < window;
/** A stored tombstone as a lookup takes it: its text while inside its window, else nothing. */
const judgeTombstone = (v: string | null, now: number, window: number): string | null => (v !== null && live(tombstoneAt(v), now, window) ? v : null);
/** A stored alias as a lookup takes it: the ledger key it names while inside its window, else nothing. */
const judgeAlias = (v: string, now: number): string | null => (liveAlias(v, now) ? v.slice(v.indexOf('|') + 1) : null);

/**
 * Lua helpers every script that reads or writes these entries includes: `shardKey(prefix, name)`,
 * `readTombstone(shard, member, now, window)` (its text or nil),
 * `readAlias(shard, alias, now, legacyKey)` (the ledger key or nil), `tombstoneState(text)`,
 * `putTombstone(shard, member, state, now, window)`, `putAlias(shard, alias, member, now, window)` and `dropEntry(shard, name)`.
 */
export const LUA_TOMBSTONES = `
local function shardKey(prefix, name) return prefix .. (tonumber(string.sub(redis.sha1hex(name), 1, 4), 16) % ${SHARDS}) end
local STATE_LETTER = {${Object.entries(STATE_LETTER)
  .map(([k, v]) => `${k} = '${v}'`)
  .join(', ')}}
local LETTER_STATE = {${Object.entries(STATE_LETTER)
  .map(([k, v]) => `${v} = '${k}'`)
  .join(', ')}}
local function base36(n)
  n = math.floor(tonumber(n))
  local s = ''
  repeat
    local d = n % 36
    s = string.sub('0123456789abcdefghijklmnopqrstuvwxyz', d + 1, d + 1) .. s
    n = math.floor(n / 36)
  until n == 0
  return s
end
local function tombstoneParts(v)
  if not v then return nil, nil end
  local state = LETTER_STATE[string.sub(v, 1, 1)]
  if not state then return nil, nil end
  return state, tonumber(string.sub(v, 2), 36)
end
local function tombstoneState(v) local state = tombstoneParts(v) return state end
local function tombstoneAt(v) local _, at = tombstoneParts(v) return at end
local function liveAt(at, now, window) return at ~= nil and tonumber(now) - at < tonumber(window) end
local function liveAlias(v, now) local u = string.match(v, '^(%w+)|') return u ~= nil and tonumber(now) < tonumber(u, 36) end
local function deleteDead(key, keep, dead)
  local s
  if redis.call('HLEN', key) <= ${WHOLE} then s = redis.call('HGETALL', key) else s = redis.call('HRANDFIELD', key, -${SAMPLE}, 'WITHVALUES') end
  local gone = {}
  for i = 1, #s, 2 do
    if s[i] ~= keep and dead(s[i + 1]) then gone[#gone + 1] = s[i] end
  end
  if #gone > 0 then redis.call('HDEL', key, unpack(gone)) end
end
local function putTombstone(key, member, state, now, window)
  redis.call('HSET', key, member, STATE_LETTER[state] .. base36(now))
  redis.call('PEXPIRE', key, window)
  if tonumber(string.sub(redis.sha1hex(member), 5, 5), 16) % ${CLEAN_ONE_IN} ~= 0 then return end
  deleteDead(key, member, function(v) return not liveAt(tombstoneAt(v), now, window) end)
  -- and the alias shard of the same number: aliases are written by the accept, which the platform waits on
  local aliases, found = string.gsub(key, 'tombstones:(%d+)$', 'aliases:%1')
  if found == 1 then deleteDead(aliases, nil, function(v) return not liveAlias(v, now) end) end
end
local function putAlias(key, alias, member, now, window)
  redis.call('HSET', key, alias, base36(tonumber(now) + tonumber(window)) .. '|' .. member)
  redis.call('PEXPIRE', key, window)
end
local function readTombstone(key, member, now, window)
  local v = redis.call('HGET', key, member)
  if v and liveAt(tombstoneAt(v), now, window) then return v end
  return nil
end
local function readAlias(key, alias, now, legacyKey)
  local v = redis.call('HGET', key, alias)
  if v then
    if liveAlias(v, now) then return string.match(v, '^%w+|(.*)$') end
    return nil
  end
  return redis.call('GET', legacyKey) or nil
end
local function dropEntry(key, name) redis.call('HDEL', key, name) end
`;

function deleteDead(db: MemoryDb, key: string, keep: string | undefined, dead: (v: string) => boolean): void {
  const entries = Object.entries(db.hgetall(key));
  // every field of a small shard, else SAMPLE picked at random (repeats allowed, as HRANDFIELD with a
  // negative count: it spares Redis deduplicating them)
  const sample = entries.length <= WHOLE ? entries : Array.from({ length: SAMPLE }, () => entries[Math.floor(Math.random() * entries.length)]!);
  const gone = sample.filter(([f, v]) => f !== keep && dead(v)).map(([f]) => f);
  if (gone.length) db.hdel(key, ...gone);
}

/** The alias shard a tombstone shard's cleaning write also cleans: the one of the same number. */
function aliasShardOf(tombstoneShard: string): string | undefined {
  const m = /^(.*)tombstones:(\d+)$/.exec(tombstoneShard);
  return m ? `${m[1]!}aliases:${m[2]!}` : undefined;
}

/** The in-process twins of the Lua helpers, on the MemoryDb. */
export const localTombstones = {
  // an arrow, so the lease queue's retention can take it as a value
  put: (db: MemoryDb, key: string, member: string, state: string, now: number, window: number): void => {
    db.hset(key, { [member]: packTombstone(state, now) });
    db.pexpire(key, window);
    if (!cleansShard(member)) return;
    deleteDead(db, key, member, (v) => !live(tombstoneAt(v), now, window));
    const aliases = aliasShardOf(key);
    if (aliases !== undefined) deleteDead(db, aliases, undefined, (v) => !liveAlias(v, now));
  },
  putAlias(db: MemoryDb, key: string, alias: string, member: string, now: number, window: number): void {
    db.hset(key, { [alias]: `${(now + window).toString(36)}|${member}` });
    db.pexpire(key, window);
  },
  read: (db: MemoryDb, key: string, member: string, now: number, window: number): string | null => judgeTombstone(db.hget(key, member), now, window),
  readAlias(db: MemoryDb, key: string, alias: string, now: number, legacyKey: string): string | null {
    const v = db.hget(key, alias);
    return v === null ? db.get(legacyKey) : judgeAlias(v, now);
  },
};

interface EntryReader {
  hget(key: string, field: string): Promise<string | null>;
  get(key: string): Promise<string | null>;
}

/** An order's tombstone as the scripts judge it, for readers outside a script (`ledger.tombstone()`). */
export async function readTombstoneEntry(reader: EntryReader, shard: string, member: string, now: number, window: number): Promise<string | null> {
  return judgeTombstone(await reader.hget(shard, member), now, window);
}

/** The ledger key an alias names, as the scripts judge it (0.1.0's key when the shard has none), for the desk. */
export async function readAliasEntry(reader: EntryReader, shard: string, alias: string, now: number, legacyKey: string): Promise<string | null> {
  const v = await reader.hget(shard, alias);
  return v === null ? reader.get(legacyKey) : judgeAlias(v, now);
}
