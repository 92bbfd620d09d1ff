/**
 * Where finished orders' tombstones and orders' aliases live: as fields of a few shard hashes
 * (`{ledger}:tombstones:<n>`, `{ledger}:aliases:<n>`) instead of one key each. A key of its own costs Redis
 * about 150 bytes before its value (its dictionary and expiry entries, its object, the key's text), and a
 * recharge order leaves two for `dedupeDays` (its tombstone and its sign alias): about 500 bytes each order
 * as keys, about the length of their text as fields of a small (listpack-encoded) hash.
 *
 * Redis before 7.4 cannot expire a hash field, so every entry carries its time and is judged by it when
 * read: a lookup never takes an entry past its window, whatever is still stored. Writes remove expired
 * entries: one write in {@link CLEAN_ONE_IN} (chosen by the hash of the entry's name, so the Lua step and its
 * in-process twin agree, and any clock will do) looks at {@link SAMPLE} entries of its shard picked at random
 * (all of them when it holds no more than {@link WHOLE}) and deletes those past their window, which in steady state leaves
 * a quarter to a third of a shard's entries dead and waiting. Every write
 * also sets its shard's TTL to the window, so a shard no longer written to expires whole once its newest
 * entry is past the window: no sweeper, no key scan.
 *
 * Aliases written by builds before this layout (`{ledger}:alias:<alias>`, a key each) are still read when
 * a shard has no entry for the alias. (Tombstones came with the shards' release, so none is kept elsewhere.)
 */
import { createHash } from 'node:crypto';
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

function digest(name: string): string {
  return createHash('sha1').update(name, 'utf8').digest('hex');
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
 * alias is `arrivedAt|ledger key`, its time in base-36 ms too. Short text
 * because it is most of what a tombstone costs.
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
const aliasAt = (v: string): number => parseInt(/^([0-9a-z]+)\|/.exec(v)?.[1] ?? '', 36);
const live = (at: number, now: number, window: number): boolean => Number.isFinite(at) && now - at < window;

/**
 * Lua helpers every script that reads or writes these entries includes: `shardKey(prefix, name)`,
 * `readTombstone(shard, member, now, window)` (its text or nil),
 * `readAlias(shard, alias, now, window, legacyKey)` (the ledger key or nil), `tombstoneState(text)`,
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
local function aliasAt(v) local at = string.match(v, '^(%w+)|') return at and tonumber(at, 36) end
local function liveAt(at, now, window) return at ~= nil and tonumber(now) - at < tonumber(window) end
local function putEntry(key, field, value, now, window, atOf)
  redis.call('HSET', key, field, value)
  redis.call('PEXPIRE', key, window)
  if tonumber(string.sub(redis.sha1hex(field), 5, 5), 16) % ${CLEAN_ONE_IN} ~= 0 then return end
  local s
  if redis.call('HLEN', key) <= ${WHOLE} then s = redis.call('HGETALL', key) else s = redis.call('HRANDFIELD', key, -${SAMPLE}, 'WITHVALUES') end
  local dead = {}
  for i = 1, #s, 2 do
    if s[i] ~= field and not liveAt(atOf(s[i + 1]), now, window) then dead[#dead + 1] = s[i] end
  end
  if #dead > 0 then redis.call('HDEL', key, unpack(dead)) end
end
local function putTombstone(key, member, state, now, window) putEntry(key, member, STATE_LETTER[state] .. base36(now), now, window, tombstoneAt) end
local function putAlias(key, alias, member, now, window) putEntry(key, alias, base36(now) .. '|' .. member, now, window, aliasAt) end
local function readTombstone(key, member, now, window)
  local v = redis.call('HGET', key, member)
  if v and liveAt(tombstoneAt(v), now, window) then return v end
  return nil
end
local function readAlias(key, alias, now, window, legacyKey)
  local v = redis.call('HGET', key, alias)
  if v then
    if liveAt(aliasAt(v), now, window) then return string.match(v, '^%w+|(.*)$') end
    return nil
  end
  return redis.call('GET', legacyKey) or nil
end
local function dropEntry(key, name) redis.call('HDEL', key, name) end
`;

function putEntry(db: MemoryDb, key: string, field: string, value: string, now: number, window: number, atOf: (v: string) => number): void {
  db.hset(key, { [field]: value });
  db.pexpire(key, window);
  if (!cleansShard(field)) return;
  const entries = Object.entries(db.hgetall(key));
  // every field of a small shard, else SAMPLE picked at random (repeats allowed, as HRANDFIELD with a
  // negative count: it spares Redis deduplicating them)
  const sample = entries.length <= WHOLE ? entries : Array.from({ length: SAMPLE }, () => entries[Math.floor(Math.random() * entries.length)]!);
  const dead = sample.filter(([f, v]) => f !== field && !live(atOf(v), now, window)).map(([f]) => f);
  if (dead.length) db.hdel(key, ...dead);
}

/** The in-process twins of the Lua helpers, on the MemoryDb. */
export const localTombstones = {
  put: (db: MemoryDb, key: string, member: string, state: string, now: number, window: number): void => putEntry(db, key, member, packTombstone(state, now), now, window, tombstoneAt),
  putAlias: (db: MemoryDb, key: string, alias: string, member: string, now: number, window: number): void => putEntry(db, key, alias, `${now.toString(36)}|${member}`, now, window, aliasAt),
  read(db: MemoryDb, key: string, member: string, now: number, window: number): string | null {
    const v = db.hget(key, member);
    return v !== null && live(tombstoneAt(v), now, window) ? v : null;
  },
  readAlias(db: MemoryDb, key: string, alias: string, now: number, window: number, legacyKey: string): string | null {
    const v = db.hget(key, alias);
    if (v !== null) return live(aliasAt(v), now, window) ? v.slice(v.indexOf('|') + 1) : null;
    return db.get(legacyKey);
  },
};

/** What a shard holds for a name, judged as the scripts judge it; for readers outside a script (desk, API). */
export async function readEntry(
  reader: { hget(key: string, field: string): Promise<string | null>; get(key: string): Promise<string | null> },
  kind: 'tombstone' | 'alias',
  key: string,
  name: string,
  now: number,
  window: number,
  legacyAliasKey?: string,
): Promise<string | null> {
  const v = await reader.hget(key, name);
  if (v === null) return kind === 'alias' && legacyAliasKey !== undefined ? reader.get(legacyAliasKey) : null;
  if (kind === 'tombstone') return live(tombstoneAt(v), now, window) ? v : null;
  return live(aliasAt(v), now, window) ? v.slice(v.indexOf('|') + 1) : null;
}
