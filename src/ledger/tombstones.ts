/**
 * Where finished orders' tombstones and orders' aliases live: as fields of shard hashes
 * (`{ledger}:tombstones:<n>`, `{ledger}:aliases:<n>`) instead of one key each. A key of its own costs Redis
 * about 150 bytes before its value (its dictionary and expiry entries, its object, the key's text), and a
 * recharge order leaves two for `dedupeDays` (its tombstone and its sign alias): about 500 bytes each order
 * as keys, about the length of their text as fields of a small (listpack-encoded) hash.
 *
 * A hash stays that small only up to `hash-max-listpack-entries` fields (512 by default, 128 in some
 * deployments); past it Redis converts it to a hashtable, about 100 bytes more a field, and never back, and
 * a lookup in a listpack reads it from the start. So the shards grow with the entries, by linear hashing:
 * there are 64 · 2^level + next shards, an entry's shard is its name's hash modulo 64 · 2^level, or modulo
 * twice that when the first is below `next` (that shard was split). When a
 * cleaning write finds its shard fuller than {@link SPLIT_LOAD} (twice that for a shard not yet split this
 * level), shard `next` is split: the entries whose hash modulo twice the count is `next + 64 · 2^level` move
 * to that new shard, and `next` moves on (to 0 and one level up after the last). Each split is one step
 * inside the script that triggers it, so no reader ever sees an entry between two shards. The layout of
 * each kind is a field of `{ledger}:shards` (`level:next`, absent before the first split), which every
 * script touching the shards reads once per run. Shards never merge: a deployment whose volume falls keeps
 * its shard count, and shards no longer written to expire whole.
 *
 * Redis before 7.4 cannot expire a hash field, so every entry carries its time and is judged by it when
 * read: a lookup never takes an entry past its window, whatever is still stored. Tombstone writes remove
 * expired entries: one in {@link CLEAN_ONE_IN} (chosen by the hash of the entry's name, so the Lua step and
 * its in-process twin agree, and any clock will do) looks at {@link SAMPLE} entries, picked at random (all
 * of them up to {@link WHOLE}), of its shard and of the alias shard its name's hash falls in (aliases are
 * written by the accept, which the platform waits on, so alias shards are cleaned and split from here), and
 * deletes those past their window. In steady state that leaves a quarter to a third of a shard's entries
 * dead and waiting. Every write also sets its shard's TTL to the window, so a shard no longer written to
 * expires whole once its newest entry is past the window: no sweeper, no key scan.
 *
 * Aliases written by builds before this layout (`{ledger}:alias:<alias>`, a key each) are still read when
 * a shard has no entry for the alias. (Tombstones came with the shards' release, so none is kept elsewhere.)
 */
import { hash } from 'node:crypto';
import type { MemoryDb } from '../store/MemoryDb.js';

/** Shards of each kind before the first split. */
export const SHARD_BASE = 64;
/**
 * Entries a split shard may hold before a cleaning write that sees it splits the next one (an unsplit
 * shard, which holds twice the share, twice that). Chosen so the fullest shard stays under 128 fields with
 * room for chance (listpack even where `hash-max-listpack-entries` is set that low, and a lookup reads
 * about a hundred entries at most): simulated to 300,000 entries, shards averaged 57 and never held more
 * than 109. The shards' own keys then cost about 3 bytes an entry.
 */
export const SPLIT_LOAD = 40;
/** No kind splits past this level (64 · 2^20 shards): a bound on a layout field gone wrong, not a size. */
export const MAX_LEVEL = 20;
/** Entries a cleaning write looks at. */
export const SAMPLE = 16;
/**
 * A shard up to this size is read whole by a cleaning write: picks with repeats would see few distinct
 * entries of it, and reading a small (listpack) shard whole is cheap.
 */
export const WHOLE = 2 * SAMPLE;
/** One write in this many cleans its shard. */
export const CLEAN_ONE_IN = 4;

export type ShardKind = 'tombstones' | 'aliases';
/** A kind's layout: splits happen at `next` of level `level`. */
export interface ShardLayout {
  level: number;
  next: number;
}

// the one-shot hash(): a third of createHash's cost, and the accept takes one or two per order
function digest(name: string): string {
  return hash('sha1', name, 'hex');
}

/** A name's place in every layout: the first 32 bits of its SHA-1, as the Lua side reads them. */
const placeOf = (sha: string): number => parseInt(sha.slice(0, 8), 16);

/** The layout a field of `{ledger}:shards` holds (absent: before the first split); throws on anything else. */
export function parseLayout(v: string | null | undefined): ShardLayout {
  if (v === null || v === undefined) return { level: 0, next: 0 };
  const m = /^(\d+):(\d+)$/.exec(v);
  if (!m) throw new Error(`shard layout unreadable: ${JSON.stringify(v)}`);
  return { level: Number(m[1]), next: Number(m[2]) };
}

const layoutText = (l: ShardLayout): string => `${l.level}:${l.next}`;
const countAt = (level: number): number => SHARD_BASE * 2 ** level;

/** The shard number a place falls in under a layout. */
function addressOf(place: number, l: ShardLayout): number {
  const a = place % countAt(l.level);
  return a < l.next ? place % (2 * countAt(l.level)) : a;
}

/** The shard (0 … shards-1) an entry's name falls in under `layout` (the first one unless given). */
export function shardOf(name: string, layout: ShardLayout = { level: 0, next: 0 }): number {
  return addressOf(placeOf(digest(name)), layout);
}

/**
 * Whether a write of this name cleans its shard: the ninth hex digit of its SHA-1 (the first eight place
 * it), as the Lua side reads it. By the name, not the time: a clock that ticks in steps of 4 ms (or 10, or
 * 16) would make every write clean or none.
 */
export const cleansShard = (name: string): boolean => cleansBy(digest(name));
const cleansBy = (sha: string): boolean => parseInt(sha[8]!, 16) % CLEAN_ONE_IN === 0;

/** The shard hashes' key prefixes of a layout key (`…{ledger}:shards` → `…{ledger}:tombstones:`, `…:aliases:`). */
export function shardPrefix(layoutKey: string, kind: ShardKind): string {
  if (!layoutKey.endsWith('shards')) throw new Error(`not a shard layout key: ${layoutKey}`);
  return `${layoutKey.slice(0, -'shards'.length)}${kind}:`;
}

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
 * Lua helpers every script that reads or writes these entries includes, each given the layout key
 * (`{ledger}:shards`; the shard hashes are named from it): `readTombstone(layout, member, now, window)` (its
 * text or nil), `readAlias(layout, alias, now, legacyKey)` (the ledger key or nil), `tombstoneState(text)`,
 * `putTombstone(layout, member, state, now, window)`, `putAlias(layout, alias, member, now, window)` and
 * `dropTombstone(layout, member)`. The layouts are read once per script run (a batch's calls share them)
 * and kept current by the splits the run makes.
 */
export const LUA_TOMBSTONES = `
local STATE_LETTER = {${Object.entries(STATE_LETTER)
  .map(([k, v]) => `${k} = '${v}'`)
  .join(', ')}}
local LETTER_STATE = {${Object.entries(STATE_LETTER)
  .map(([k, v]) => `${v} = '${k}'`)
  .join(', ')}}
local LAYOUTS = {}
local function parseLayout(v)
  if not v then return {0, 0} end
  local l, n = string.match(v, '^(%d+):(%d+)$')
  if not l then error('shard layout unreadable: ' .. v) end
  return {tonumber(l), tonumber(n)}
end
local function layoutsOf(layout)
  local ls = LAYOUTS[layout]
  if not ls then
    local v = redis.call('HMGET', layout, 'tombstones', 'aliases')
    ls = {tombstones = parseLayout(v[1]), aliases = parseLayout(v[2])}
    LAYOUTS[layout] = ls
  end
  return ls
end
local function prefixOf(layout, kind) return string.sub(layout, 1, #layout - 6) .. kind .. ':' end
-- a name's SHA-1 once per script run: the accept reads and then writes an alias, and reads a tombstone it may write
local SHAS = {}
local function placeOf(name)
  local sha = SHAS[name]
  if not sha then
    sha = redis.sha1hex(name)
    SHAS[name] = sha
  end
  return tonumber(string.sub(sha, 1, 8), 16), sha
end
local function countAt(level) return ${SHARD_BASE} * 2 ^ level end
local function addressOf(place, l)
  local a = place % countAt(l[1])
  if a < l[2] then a = place % (2 * countAt(l[1])) end
  return a
end
local function isSplit(a, l) return a < l[2] or a >= countAt(l[1]) end
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
-- in slices: unpack has a stack limit, and a shard the splits have not caught up with (or past MAX_LEVEL) may be large
local function hdelAll(key, names)
  for i = 1, #names, 1000 do redis.call('HDEL', key, unpack(names, i, math.min(i + 999, #names))) end
end
-- the entries of the kind's shard 'next' whose place falls in the new shard move there; dead ones go
local function splitNext(layout, kind, dead)
  local l = layoutsOf(layout)[kind]
  if l[1] >= ${MAX_LEVEL} then return end
  local prefix = prefixOf(layout, kind)
  local count = countAt(l[1])
  local from, to = l[2], l[2] + count
  local all = redis.call('HGETALL', prefix .. from)
  local moved, gone = {}, {}
  for i = 1, #all, 2 do
    if dead(all[i + 1]) then gone[#gone + 1] = all[i]
    elseif placeOf(all[i]) % (2 * count) == to then
      moved[#moved + 1] = all[i]
      moved[#moved + 1] = all[i + 1]
    end
  end
  if #moved > 0 then
    for i = 1, #moved, 1000 do redis.call('HSET', prefix .. to, unpack(moved, i, math.min(i + 999, #moved))) end
    -- the new shard keeps what the old one had to: its TTL covers every entry it held
    local ttl = redis.call('PTTL', prefix .. from)
    if ttl > 0 then redis.call('PEXPIRE', prefix .. to, ttl) end
    for i = 1, #moved, 2 do gone[#gone + 1] = moved[i] end
  end
  hdelAll(prefix .. from, gone)
  l[2] = from + 1
  if l[2] == count then l[1], l[2] = l[1] + 1, 0 end
  redis.call('HSET', layout, kind, l[1] .. ':' .. l[2])
end
-- deletes the dead entries among those looked at, then splits the next shard when this one is full
local function clean(layout, kind, a, keep, dead)
  local key = prefixOf(layout, kind) .. a
  local size = redis.call('HLEN', key)
  local s
  if size <= ${WHOLE} then s = redis.call('HGETALL', key) else s = redis.call('HRANDFIELD', key, -${SAMPLE}, 'WITHVALUES') end
  local gone, seen = {}, {}
  for i = 1, #s, 2 do
    if s[i] ~= keep and not seen[s[i]] and dead(s[i + 1]) then
      seen[s[i]] = true
      gone[#gone + 1] = s[i]
    end
  end
  if #gone > 0 then redis.call('HDEL', key, unpack(gone)) end
  local l = layoutsOf(layout)[kind]
  local load = ${SPLIT_LOAD}
  if not isSplit(a, l) then load = 2 * load end
  if size - #gone > load then splitNext(layout, kind, dead) end
end
local function putTombstone(layout, member, state, now, window)
  local place, sha = placeOf(member)
  local ls = layoutsOf(layout)
  local a = addressOf(place, ls.tombstones)
  local key = prefixOf(layout, 'tombstones') .. a
  redis.call('HSET', key, member, STATE_LETTER[state] .. base36(now))
  redis.call('PEXPIRE', key, window)
  if tonumber(string.sub(sha, 9, 9), 16) % ${CLEAN_ONE_IN} ~= 0 then return end
  clean(layout, 'tombstones', a, member, function(v) return not liveAt(tombstoneAt(v), now, window) end)
  -- and the alias shard this name's place falls in: aliases are written by the accept, which the platform waits on
  clean(layout, 'aliases', addressOf(place, ls.aliases), nil, function(v) return not liveAlias(v, now) end)
end
local function shardKey(layout, kind, name) return prefixOf(layout, kind) .. addressOf(placeOf(name), layoutsOf(layout)[kind]) end
local function putAlias(layout, alias, member, now, window)
  local key = shardKey(layout, 'aliases', alias)
  redis.call('HSET', key, alias, base36(tonumber(now) + tonumber(window)) .. '|' .. member)
  redis.call('PEXPIRE', key, window)
end
local function readTombstone(layout, member, now, window)
  local v = redis.call('HGET', shardKey(layout, 'tombstones', member), member)
  if v and liveAt(tombstoneAt(v), now, window) then return v end
  return nil
end
local function readAlias(layout, alias, now, legacyKey)
  local v = redis.call('HGET', shardKey(layout, 'aliases', alias), alias)
  if v then
    if liveAlias(v, now) then return string.match(v, '^%w+|(.*)$') end
    return nil
  end
  return redis.call('GET', legacyKey) or nil
end
local function dropTombstone(layout, member) redis.call('HDEL', shardKey(layout, 'tombstones', member), member) end
`;

/** The layout of one kind on the MemoryDb (the twin reads it afresh each time: only its own splits change it). */
const layoutIn = (db: MemoryDb, layoutKey: string, kind: ShardKind): ShardLayout => parseLayout(db.hget(layoutKey, kind));
const shardIn = (db: MemoryDb, layoutKey: string, kind: ShardKind, place: number): string => shardPrefix(layoutKey, kind) + addressOf(place, layoutIn(db, layoutKey, kind));
const isSplit = (a: number, l: ShardLayout): boolean => a < l.next || a >= countAt(l.level);

function splitNext(db: MemoryDb, layoutKey: string, kind: ShardKind, dead: (v: string) => boolean): void {
  const l = layoutIn(db, layoutKey, kind);
  if (l.level >= MAX_LEVEL) return;
  const prefix = shardPrefix(layoutKey, kind);
  const count = countAt(l.level);
  const [from, to] = [`${prefix}${l.next}`, `${prefix}${l.next + count}`];
  const moved: Record<string, string> = {};
  const gone: string[] = [];
  for (const [f, v] of Object.entries(db.hgetall(from))) {
    if (dead(v)) gone.push(f);
    else if (placeOf(digest(f)) % (2 * count) === l.next + count) {
      moved[f] = v;
      gone.push(f);
    }
  }
  if (Object.keys(moved).length > 0) {
    db.hset(to, moved);
    const ttl = db.pttl(from);
    if (ttl > 0) db.pexpire(to, ttl);
  }
  if (gone.length) db.hdel(from, ...gone);
  const after = l.next + 1 === count ? { level: l.level + 1, next: 0 } : { level: l.level, next: l.next + 1 };
  db.hset(layoutKey, { [kind]: layoutText(after) });
}

function clean(db: MemoryDb, layoutKey: string, kind: ShardKind, place: number, keep: string | undefined, dead: (v: string) => boolean): void {
  const l = layoutIn(db, layoutKey, kind);
  const a = addressOf(place, l);
  const key = shardPrefix(layoutKey, kind) + a;
  const entries = Object.entries(db.hgetall(key));
  // every field of a small shard, else SAMPLE picked at random (repeats allowed, as HRANDFIELD with a
  // negative count: it spares Redis deduplicating them)
  const sample = entries.length <= WHOLE ? entries : Array.from({ length: SAMPLE }, () => entries[Math.floor(Math.random() * entries.length)]!);
  const gone = [...new Set(sample.filter(([f, v]) => f !== keep && dead(v)).map(([f]) => f))];
  if (gone.length) db.hdel(key, ...gone);
  if (entries.length - gone.length > (isSplit(a, l) ? SPLIT_LOAD : 2 * SPLIT_LOAD)) splitNext(db, layoutKey, kind, dead);
}

/** The in-process twins of the Lua helpers, on the MemoryDb; each takes the layout key, as they do. */
export const localTombstones = {
  // an arrow, so the lease queue's retention can take it as a value
  put: (db: MemoryDb, layoutKey: string, member: string, state: string, now: number, window: number): void => {
    const sha = digest(member);
    const place = placeOf(sha);
    const key = shardIn(db, layoutKey, 'tombstones', place);
    db.hset(key, { [member]: packTombstone(state, now) });
    db.pexpire(key, window);
    if (!cleansBy(sha)) return;
    clean(db, layoutKey, 'tombstones', place, member, (v) => !live(tombstoneAt(v), now, window));
    clean(db, layoutKey, 'aliases', place, undefined, (v) => !liveAlias(v, now));
  },
  putAlias(db: MemoryDb, layoutKey: string, alias: string, member: string, now: number, window: number): void {
    const key = shardIn(db, layoutKey, 'aliases', placeOf(digest(alias)));
    db.hset(key, { [alias]: `${(now + window).toString(36)}|${member}` });
    db.pexpire(key, window);
  },
  read: (db: MemoryDb, layoutKey: string, member: string, now: number, window: number): string | null =>
    judgeTombstone(db.hget(shardIn(db, layoutKey, 'tombstones', placeOf(digest(member))), member), now, window),
  readAlias(db: MemoryDb, layoutKey: string, alias: string, now: number, legacyKey: string): string | null {
    const v = db.hget(shardIn(db, layoutKey, 'aliases', placeOf(digest(alias))), alias);
    return v === null ? db.get(legacyKey) : judgeAlias(v, now);
  },
  drop: (db: MemoryDb, layoutKey: string, member: string): void => {
    db.hdel(shardIn(db, layoutKey, 'tombstones', placeOf(digest(member))), member);
  },
};

interface EntryReader {
  hget(key: string, field: string): Promise<string | null>;
  get(key: string): Promise<string | null>;
}

/**
 * The shard hash holding `name` now, for readers outside a script (the desk, tests). The layout is read
 * before and after the entry: a split in between (the layout only ever moves on) means read again.
 */
async function readEntry(reader: EntryReader, layoutKey: string, kind: ShardKind, name: string): Promise<string | null> {
  const place = placeOf(digest(name));
  for (let attempt = 0; ; attempt++) {
    const before = await reader.hget(layoutKey, kind);
    const v = await reader.hget(shardPrefix(layoutKey, kind) + addressOf(place, parseLayout(before)), name);
    if ((await reader.hget(layoutKey, kind)) === before || attempt >= 9) return v;
  }
}

/** The shard hash an entry's name falls in under the current layout. */
export async function entryShard(reader: Pick<EntryReader, 'hget'>, layoutKey: string, kind: ShardKind, name: string): Promise<string> {
  return shardPrefix(layoutKey, kind) + shardOf(name, parseLayout(await reader.hget(layoutKey, kind)));
}

/** An order's tombstone as the scripts judge it, for readers outside a script (`ledger.tombstone()`). */
export async function readTombstoneEntry(reader: EntryReader, layoutKey: string, member: string, now: number, window: number): Promise<string | null> {
  return judgeTombstone(await readEntry(reader, layoutKey, 'tombstones', member), now, window);
}

/** The ledger key an alias names, as the scripts judge it (0.1.0's key when the shard has none), for the desk. */
export async function readAliasEntry(reader: EntryReader, layoutKey: string, alias: string, now: number, legacyKey: string): Promise<string | null> {
  const v = await readEntry(reader, layoutKey, 'aliases', alias);
  return v === null ? reader.get(legacyKey) : judgeAlias(v, now);
}
