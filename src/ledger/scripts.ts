/**
 * The ledger's atomic steps. Each is one Redis script, so "accept once", "claim", "complete only with the
 * current fence" are single steps no second process can interleave with; the in-process twin does the same
 * on the MemoryDb. All order keys share the `{ledger}` hash tag, so on a Redis Cluster they live in one
 * slot and a script may touch an order hash it derives from the prefix it is given.
 *
 * Claiming, renewing, failing and retrying an order are the lease steps every job queue shares
 * (workers/lease/scripts.ts); the steps below are the ledger's own, but for the grant's record itself
 * (completeScript.ts).
 */
import { defineScript } from '../store/defineScript.js';
import type { MemoryDb } from '../store/MemoryDb.js';
import type { ScriptReply } from '../store/Store.js';
import { LUA_CLOCK, leaseScripts } from '../workers/lease/scripts.js';
import { ARRIVAL_FIELD } from './record.js';
import { LUA_TOMBSTONES, localTombstones, tombstoneState } from './tombstones.js';
import { JOURNAL_COUNT_FIELD, appendEntryLocal, appendEntryLua, nextEntryLocal, nextEntryLua } from './orderJournal.js';

/**
 * The grant queue's lease steps: an order is `granting` while a process runs its grant handler, and its
 * hash names that process and the lease's end (`leaseOwner`, `leaseUntil`), as order hashes always have.
 */
export const grantLease = leaseScripts({
  name: 'ledger',
  leased: 'granting',
  recordsHolder: true,
  returnsHash: false,
  retention: { lua: LUA_TOMBSTONES, put: localTombstones.put, drop: localTombstones.drop },
});

const TERMINAL_LUA = "existing == 'granted' or existing == 'cancelled' or existing == 'given_up' or existing == 'declined' or existing == 'revoked'";
const TERMINAL = new Set(['granted', 'cancelled', 'given_up', 'declined', 'revoked']);

/**
 * KEYS: order hash, due zset, the shard layout of tombstones and aliases (`{ledger}:shards`; the shards are
 * named from it, see tombstones.ts), the player's order index, the creation day's index, the platform order
 * id's key (what the desk finds an order by when given only the platform's id; the order hash again when its
 * ledger key already says it), where builds before the shards kept its alias (the order hash again when no
 * alias).
 * ARGV, first the nine every accept of one ledger passes alike (sent once per batch, `sharedArgs`): 1/2 the
 * answer (JSON) to a duplicate of a settled / an unsettled order, 3 order hash prefix, 4 journal max entries,
 * 5 orders kept per player in the index, 6 record ms, 7 dedupe ms, 8 alias ms, 9 lease owner; then the
 * order's own: 10 now, 11 member (ledger key), 12 initial state ('pending' | 'declined'), 13 the order's
 * field/value pairs as one JSON array (one argument instead of two dozen: each argument costs the client and
 * Redis a conversion), 14 the journal entry of an accept, 15 the journal entry of a duplicate without its
 * closing brace (the script adds the state found and the answer given), 16 lease ms (0: not leased), 17 the
 * journal entry of the lease, 18 the order as it arrived (JSON, its `o` field: passed alone so its text is
 * not escaped again inside argument 13), 19 the alias ('' for none), 20 the day index's TTL to set (ms; 0:
 * leave it: the accepting process sets it on its first accept of a day and then hourly, a little over the
 * record ms, instead of once per order; see StoreLedger.dayIndexTtl).
 *
 * With a lease ms, a new paid order is recorded already leased to the accepting process (state `granting`,
 * fence 1, due again when the lease ends on the store's clock), as a claim would leave it: that process
 * starts its grant at once without a claim's round trip, and if it dies the order is taken over like any
 * expired lease.
 *
 * A repeat of an order whose record expired is known by its tombstone (`state|finishedAt`): a duplicate,
 * nothing written. A declined order is finished at once, so it gets its TTL and tombstone here.
 *
 * A paid report (initial state 'pending') for an order recorded `declined` is not a duplicate: a platform may
 * first report a payment failed and later paid. The order is rewritten from the paid report (its decline
 * reason kept as `declinedReason`, its first sighting as `declinedAt`), journaled as accepted and queued,
 * once: the next paid report finds it pending or granted and is a duplicate. After the declined record
 * expired, the paid report is a new order.
 * Reply: {1, state} accepted | {3, state, declined reason, declined at} accepted after a decline |
 * {0, state-of-existing} duplicate | {2, key-the-alias-points-to, its state} duplicate by alias |
 * {4, state} duplicate of an order only its tombstone remembers. An accepted order's state is `granting`
 * when it was leased.
 */
export interface AcceptReply {
  accepted: boolean;
  state: string;
  via?: string;
  /** Set when a paid report upgraded a declined order: the decline's reason and time. */
  afterDecline?: { reason: string; at: number };
  /** Recorded leased to the accepting process (fence 1). */
  leased?: boolean;
  /** Known only by its tombstone: the record expired. */
  tombstone?: boolean;
}

export const acceptScript = defineScript<AcceptReply>({
  name: 'ledger_accept',
  numberOfKeys: 7,
  sharedArgs: 9,
  prelude: LUA_TOMBSTONES,
  lua: `
local function noteDuplicate(okey, existing, via)
  local answer = ARGV[2]
  if ${TERMINAL_LUA} then answer = ARGV[1] end
  -- an order only its tombstone remembers has no journal left to write to
  if redis.call('EXISTS', okey) == 0 then return end
  ${nextEntryLua('okey', 'ARGV[4]')}
  redis.call('HSET', okey, jfield, ARGV[15] .. ',"state":"' .. (existing or 'unknown') .. '"' .. via .. ',"answer":' .. answer .. '}')
end
local existing = redis.call('HGET', KEYS[1], 'state')
local hasAlias = ARGV[19] ~= ''
local other = false
local code, declinedReason, declinedAt, n0 = 1, '', '', 0
if existing then
  if existing ~= 'declined' or ARGV[12] ~= 'pending' then
    noteDuplicate(KEYS[1], existing, '')
    return {0, existing}
  end
  code = 3
  local was = redis.call('HMGET', KEYS[1], 'reason', 'createdAt', '${JOURNAL_COUNT_FIELD}')
  declinedReason, declinedAt, n0 = was[1] or '', was[2] or ARGV[10], tonumber(was[3] or '0')
  redis.call('HDEL', KEYS[1], 'reason')
  if hasAlias then other = readAlias(KEYS[3], ARGV[19], ARGV[10], KEYS[7]) or false end
else
  local seen = tombstoneState(readTombstone(KEYS[3], ARGV[11], ARGV[10], ARGV[7]))
  if seen then
    if seen ~= 'declined' or ARGV[12] ~= 'pending' then return {4, seen} end
    -- paid after a decline whose record expired: a new order, the decline forgotten
    dropTombstone(KEYS[3], ARGV[11])
  end
  if hasAlias then other = readAlias(KEYS[3], ARGV[19], ARGV[10], KEYS[7]) or false end
end
if hasAlias then
  if other and (code == 1 or other ~= ARGV[11]) then
    local found = redis.call('HGET', ARGV[3] .. other, 'state') or tombstoneState(readTombstone(KEYS[3], other, ARGV[10], ARGV[7]))
    noteDuplicate(ARGV[3] .. other, found, ',"byAlias":true')
    return {2, other, found or 'unknown'}
  end
  if not other then putAlias(KEYS[3], ARGV[19], ARGV[11], ARGV[10], ARGV[8]) end
end
local leaseMs = tonumber(ARGV[16])
local state, fence, dueAt = ARGV[12], '0', ARGV[10]
local entries = {ARGV[14]}
local fields = {}
if state == 'pending' and leaseMs > 0 then
  ${LUA_CLOCK}
  state, fence, dueAt = 'granting', '1', clock + leaseMs
  entries[2] = ARGV[17]
  fields = {'leaseOwner', ARGV[9], 'leaseUntil', dueAt}
end
for _, v in ipairs({'state', state, 'attempts', '0', 'fence', fence, 'createdAt', ARGV[10], 'updatedAt', ARGV[10]}) do fields[#fields + 1] = v end
if code == 3 then
  for _, v in ipairs({'declinedReason', declinedReason, 'declinedAt', declinedAt}) do fields[#fields + 1] = v end
  redis.call('PERSIST', KEYS[1])
  dropTombstone(KEYS[3], ARGV[11])
end
local max = tonumber(ARGV[4])
for i, e in ipairs(entries) do
  local n = n0 + i
  fields[#fields + 1] = 'j' .. n
  fields[#fields + 1] = e
  if n - max + 1 > 1 then redis.call('HDEL', KEYS[1], 'j' .. (n - max + 1)) end
end
fields[#fields + 1] = '${JOURNAL_COUNT_FIELD}'
fields[#fields + 1] = n0 + #entries
for _, v in ipairs(cjson.decode(ARGV[13])) do fields[#fields + 1] = v end
fields[#fields + 1] = '${ARRIVAL_FIELD}'
fields[#fields + 1] = ARGV[18]
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[12] == 'pending' then
  redis.call('ZADD', KEYS[2], dueAt, ARGV[11])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  putTombstone(KEYS[3], ARGV[11], 'declined', ARGV[10], ARGV[7])
end
redis.call('ZADD', KEYS[4], ARGV[10], ARGV[11])
local keep = tonumber(ARGV[5])
if redis.call('ZCARD', KEYS[4]) > keep then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(keep + 1)) end
redis.call('PEXPIRE', KEYS[4], ARGV[6])
redis.call('ZADD', KEYS[5], ARGV[10], ARGV[11])
if tonumber(ARGV[20]) > 0 then redis.call('PEXPIRE', KEYS[5], ARGV[20]) end
if KEYS[6] ~= KEYS[1] then redis.call('SET', KEYS[6], ARGV[11], 'NX', 'PX', ARGV[6]) end
if code == 3 then return {code, state, declinedReason, declinedAt} end
return {1, state}
`,
  local(db: MemoryDb, keys, args): ScriptReply {
    const [order, due, layout, user, day, id, legacyAlias] = keys as [string, string, string, string, string, string, string];
    const [
      settledAnswer,
      pendingAnswer,
      orderPrefix,
      max,
      keep,
      recordMs,
      dedupeMs,
      aliasMs,
      owner,
      now,
      member,
      initial,
      pairsJson,
      acceptedEntry,
      dupHead,
      leaseText,
      leaseEntry,
      arrival,
      aliasText,
      dayTtl,
    ] = args as string[] as [string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string, string];
    const at = Number(now);
    const noteDuplicate = (okey: string, existing: string | null, via: string) => {
      const answer = existing !== null && TERMINAL.has(existing) ? settledAnswer : pendingAnswer;
      if (!db.exists(okey)) return;
      db.hset(okey, { [nextEntryLocal(db, okey, max)]: `${dupHead},"state":"${existing ?? 'unknown'}"${via},"answer":${answer}}` });
    };
    const existing = db.hget(order, 'state');
    const hasAlias = aliasText !== '';
    let other: string | null = null;
    let code = 1;
    let declinedReason = '';
    let declinedAt = '';
    let n0 = 0;
    if (existing !== null) {
      if (existing !== 'declined' || initial !== 'pending') {
        noteDuplicate(order, existing, '');
        return [0, existing];
      }
      code = 3;
      declinedReason = db.hget(order, 'reason') ?? '';
      declinedAt = db.hget(order, 'createdAt') ?? now;
      n0 = Number(db.hget(order, JOURNAL_COUNT_FIELD) ?? 0);
      db.hdel(order, 'reason');
      if (hasAlias) other = localTombstones.readAlias(db, layout, aliasText, at, legacyAlias);
    } else {
      const seen = tombstoneState(localTombstones.read(db, layout, member, at, Number(dedupeMs)));
      if (seen !== null && (seen !== 'declined' || initial !== 'pending')) return [4, seen];
      if (seen !== null) localTombstones.drop(db, layout, member);
      if (hasAlias) other = localTombstones.readAlias(db, layout, aliasText, at, legacyAlias);
    }
    if (hasAlias) {
      if (other !== null && (code === 1 || other !== member)) {
        const found = db.hget(orderPrefix + other, 'state') ?? tombstoneState(localTombstones.read(db, layout, other, at, Number(dedupeMs)));
        noteDuplicate(orderPrefix + other, found, ',"byAlias":true');
        return [2, other, found ?? 'unknown'];
      }
      if (other === null) localTombstones.putAlias(db, layout, aliasText, member, at, Number(aliasMs));
    }
    const leaseMs = Number(leaseText);
    let state = initial;
    let fence = '0';
    let dueAt = Number(now);
    const entries = [acceptedEntry];
    const values: Record<string, string> = {};
    if (initial === 'pending' && leaseMs > 0) {
      state = 'granting';
      fence = '1';
      dueAt = db.time() + leaseMs;
      entries.push(leaseEntry);
      values.leaseOwner = owner;
      values.leaseUntil = String(dueAt);
    }
    Object.assign(values, { state, attempts: '0', fence, createdAt: now, updatedAt: now });
    if (code === 3) {
      Object.assign(values, { declinedReason, declinedAt });
      db.persist(order);
      localTombstones.drop(db, layout, member);
    }
    entries.forEach((e, i) => {
      const n = n0 + i + 1;
      values[`j${n}`] = e;
      if (n - Number(max) + 1 > 1) db.hdel(order, `j${n - Number(max) + 1}`);
    });
    values[JOURNAL_COUNT_FIELD] = String(n0 + entries.length);
    const pairs = JSON.parse(pairsJson) as string[];
    for (let i = 0; i + 1 < pairs.length; i += 2) values[pairs[i]!] = pairs[i + 1]!;
    values[ARRIVAL_FIELD] = arrival;
    db.hset(order, values);
    if (initial === 'pending') db.zadd(due, [[dueAt, member]]);
    else {
      db.pexpire(order, Number(recordMs));
      localTombstones.put(db, layout, member, 'declined', at, Number(dedupeMs));
    }
    db.zadd(user, [[Number(now), member]]);
    const all = db.zrangeByScore(user, -Infinity, Infinity);
    if (all.length > Number(keep)) db.zrem(user, ...all.slice(0, all.length - Number(keep)).map((e) => e.member));
    db.pexpire(user, Number(recordMs));
    db.zadd(day, [[Number(now), member]]);
    if (Number(dayTtl) > 0) db.pexpire(day, Number(dayTtl));
    if (id !== order) db.set(id, member, { nx: true, px: Number(recordMs) });
    return code === 3 ? [code, state, declinedReason, declinedAt] : [1, state];
  },
  decode: (r) => {
    const [code, value, a, b] = r as [number, string, string?, string?];
    if (code === 1) return { accepted: true, state: value, leased: value === 'granting' };
    if (code === 3) return { accepted: true, state: value, leased: value === 'granting', afterDecline: { reason: a ?? '', at: Number(b) } };
    if (code === 2) return { accepted: false, state: a ?? 'unknown', via: value };
    if (code === 4) return { accepted: false, state: value, tombstone: true };
    return { accepted: false, state: value };
  },
});

/**
 * KEYS: order hash. ARGV: journal entry (lease taken or taken over), max entries.
 * The first read of an order a look claimed, with its journal entry in the same step (no extra round trip).
 * Reply: the order hash as field/value pairs.
 */
export const beginScript = defineScript<Record<string, string>>({
  name: 'ledger_begin',
  numberOfKeys: 1,
  lua: `
${appendEntryLua('KEYS[1]', 'ARGV[1]', 'ARGV[2]')}
return redis.call('HGETALL', KEYS[1])
`,
  local(db, keys, args) {
    appendEntryLocal(db, keys[0]!, args[0]!, args[1]!);
    return Object.entries(db.hgetall(keys[0]!)).flat();
  },
  decode: (r) => {
    const pairs = (r as string[]) ?? [];
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) h[String(pairs[i])] = String(pairs[i + 1]);
    return h;
  },
});

/**
 * KEYS: order hash, due zset, given-up zset, the tombstones' shard layout. ARGV: now, member, reason,
 * journal entry, max, record ms, dedupe ms. Cancels an order waiting for a grant (pending) or one given up;
 * never one being granted or granted. A cancelled order is finished: its retention starts (TTL, tombstone).
 * Reply: 1 cancelled, 0 not found, 2 being granted right now, 3 already terminal.
 */
export const cancelScript = defineScript<'cancelled' | 'not-found' | 'in-progress' | 'already-terminal'>({
  name: 'ledger_cancel',
  numberOfKeys: 4,
  prelude: LUA_TOMBSTONES,
  lua: `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
if state == 'granting' then return 2 end
if state ~= 'pending' and state ~= 'given_up' then return 3 end
${nextEntryLua('KEYS[1]', 'ARGV[5]')}
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'reason', ARGV[3], 'updatedAt', ARGV[1], jfield, ARGV[4])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
putTombstone(KEYS[4], ARGV[2], 'cancelled', ARGV[1], ARGV[7])
return 1
`,
  local(db, keys, args) {
    const [order, due, gaveUp, layout] = keys as [string, string, string, string];
    const state = db.hget(order, 'state');
    if (state === null) return 0;
    if (state === 'granting') return 2;
    if (state !== 'pending' && state !== 'given_up') return 3;
    const jfield = nextEntryLocal(db, order, args[4]!);
    db.hset(order, { state: 'cancelled', reason: args[2]!, updatedAt: args[0]!, [jfield]: args[3]! });
    db.zrem(due, args[1]!);
    db.zrem(gaveUp, args[1]!);
    db.pexpire(order, Number(args[5]));
    localTombstones.put(db, layout, args[1]!, 'cancelled', Number(args[0]), Number(args[6]));
    return 1;
  },
  decode: (r) => (r === 1 ? 'cancelled' : r === 2 ? 'in-progress' : r === 3 ? 'already-terminal' : 'not-found'),
});
