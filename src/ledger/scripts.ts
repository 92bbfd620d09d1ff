/**
 * The ledger's atomic steps. Each is one Redis script, so "accept once", "claim", "complete only with the
 * current fence" are single steps no second process can interleave with; the in-process twin does the same
 * on the MemoryDb. All order keys share the `{ledger}` hash tag, so on a Redis Cluster they live in one
 * slot and a script may touch an order hash it derives from the prefix it is given.
 *
 * Claiming, renewing, failing and retrying an order are the lease steps every job queue shares
 * (workers/lease/scripts.ts); the steps below are the ledger's own.
 */
import { defineScript } from '../store/defineScript.js';
import type { MemoryDb } from '../store/MemoryDb.js';
import type { ScriptReply } from '../store/Store.js';
import { LUA_CLOCK, leaseScripts } from '../workers/lease/scripts.js';
import { journalLocal, journalLua } from './journal.js';

/**
 * The grant queue's lease steps: an order is `granting` while a process runs its grant handler, and its
 * hash names that process and the lease's end (`leaseOwner`, `leaseUntil`), as order hashes always have.
 */
export const grantLease = leaseScripts({ name: 'ledger', leased: 'granting', recordsHolder: true, returnsHash: false });

const TERMINAL_LUA = "existing == 'granted' or existing == 'cancelled' or existing == 'given_up' or existing == 'declined' or existing == 'revoked'";
const TERMINAL = new Set(['granted', 'cancelled', 'given_up', 'declined', 'revoked']);

/**
 * KEYS: order hash, due zset, alias key (the order hash again when there is no alias), the order's journal,
 * the player's order index, the creation day's index, the platform order id's key (what the desk finds an
 * order by when given only the platform's id; the first order with an id keeps it).
 * ARGV: 1 now, 2 member (ledger key), 3 initial state ('pending' | 'declined'), 4 the order's field/value
 * pairs as one JSON array (one argument instead of two dozen: each argument costs the client and Redis a
 * conversion), 5 the journal entry of an accept, 6 the journal entry of a duplicate without its closing
 * brace (the script adds the state found and the answer given), 7/8 the answer (JSON) to a duplicate of a
 * settled / an unsettled order, 9 the journal key prefix, 10 order hash prefix, 11 journal max entries,
 * 12 journal ttl ms, 13 orders kept per player in the index.
 *
 * A paid report (initial state 'pending') for an order recorded `declined` is not a duplicate: a platform may
 * first report a payment failed and later paid. The order is rewritten from the paid report (its decline
 * reason kept as `declinedReason`, its first sighting as `declinedAt`), journaled as accepted and queued,
 * once: the next paid report finds it pending or granted and is a duplicate.
 * Reply: {1, state} accepted | {3, 'pending', declined reason, declined at} accepted after a decline |
 * {0, state-of-existing} duplicate | {2, key-the-alias-points-to} duplicate by alias.
 */
export interface AcceptReply {
  accepted: boolean;
  state: string;
  via?: string;
  /** Set when a paid report upgraded a declined order: the decline's reason and time. */
  afterDecline?: { reason: string; at: number };
}

export const acceptScript = defineScript<AcceptReply>({
  name: 'ledger_accept',
  numberOfKeys: 7,
  lua: `
local function noteDuplicate(jkey, existing, via)
  local answer = ARGV[8]
  if ${TERMINAL_LUA} then answer = ARGV[7] end
  local e = ARGV[6] .. ',"state":"' .. (existing or 'unknown') .. '"' .. via .. ',"answer":' .. answer .. '}'
  ${journalLua('jkey', 'e', 'ARGV[11]', 'ARGV[12]')}
end
local existing = redis.call('HGET', KEYS[1], 'state')
local code, declinedReason, declinedAt = 1, '', ''
local fields = {'state', ARGV[3], 'attempts', '0', 'fence', '0', 'createdAt', ARGV[1], 'updatedAt', ARGV[1]}
if existing then
  if existing ~= 'declined' or ARGV[3] ~= 'pending' then
    noteDuplicate(KEYS[4], existing, '')
    return {0, existing}
  end
  code = 3
  local was = redis.call('HMGET', KEYS[1], 'reason', 'createdAt')
  declinedReason, declinedAt = was[1] or '', was[2] or ARGV[1]
  fields[#fields + 1] = 'declinedReason'
  fields[#fields + 1] = declinedReason
  fields[#fields + 1] = 'declinedAt'
  fields[#fields + 1] = declinedAt
  redis.call('HDEL', KEYS[1], 'reason')
end
if KEYS[3] ~= KEYS[1] then
  local other = redis.call('GET', KEYS[3])
  if other and (code == 1 or other ~= ARGV[2]) then
    noteDuplicate(ARGV[9] .. other, redis.call('HGET', ARGV[10] .. other, 'state'), ',"byAlias":true')
    return {2, other}
  end
  if not other then redis.call('SET', KEYS[3], ARGV[2]) end
end
for _, v in ipairs(cjson.decode(ARGV[4])) do fields[#fields + 1] = v end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[3] == 'pending' then redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2]) end
${journalLua('KEYS[4]', 'ARGV[5]', 'ARGV[11]', 'ARGV[12]')}
redis.call('ZADD', KEYS[5], ARGV[1], ARGV[2])
local keep = tonumber(ARGV[13])
if redis.call('ZCARD', KEYS[5]) > keep then redis.call('ZREMRANGEBYRANK', KEYS[5], 0, -(keep + 1)) end
redis.call('ZADD', KEYS[6], ARGV[1], ARGV[2])
if KEYS[7] ~= KEYS[1] then redis.call('SET', KEYS[7], ARGV[2], 'NX') end
if code == 3 then return {code, ARGV[3], declinedReason, declinedAt} end
return {1, ARGV[3]}
`,
  local(db: MemoryDb, keys, args): ScriptReply {
    const [order, due, alias, journal, user, day, id] = keys as [string, string, string, string, string, string, string];
    const [now, member, state, pairsJson, acceptedEntry, dupHead, settledAnswer, pendingAnswer, journalPrefix, orderPrefix, max, ttl, keep] = args as string[] as [
      string, string, string, string, string, string, string, string, string, string, string, string, string,
    ];
    const noteDuplicate = (jkey: string, existing: string | null, via: string) => {
      const answer = existing !== null && TERMINAL.has(existing) ? settledAnswer : pendingAnswer;
      journalLocal(db, jkey, `${dupHead},"state":"${existing ?? 'unknown'}"${via},"answer":${answer}}`, max, ttl);
    };
    const pairs = JSON.parse(pairsJson) as string[];
    const existing = db.hget(order, 'state');
    const values: Record<string, string> = { state, attempts: '0', fence: '0', createdAt: now, updatedAt: now };
    let code = 1;
    if (existing !== null) {
      if (existing !== 'declined' || state !== 'pending') {
        noteDuplicate(journal, existing, '');
        return [0, existing];
      }
      code = 3;
      values.declinedReason = db.hget(order, 'reason') ?? '';
      values.declinedAt = db.hget(order, 'createdAt') ?? now;
      db.hdel(order, 'reason');
    }
    if (alias !== order) {
      const other = db.get(alias);
      if (other !== null && (code === 1 || other !== member)) {
        noteDuplicate(journalPrefix + other, db.hget(orderPrefix + other, 'state'), ',"byAlias":true');
        return [2, other];
      }
      if (other === null) db.set(alias, member);
    }
    for (let i = 0; i + 1 < pairs.length; i += 2) values[pairs[i]!] = pairs[i + 1]!;
    db.hset(order, values);
    if (state === 'pending') db.zadd(due, [[Number(now), member]]);
    journalLocal(db, journal, acceptedEntry, max, ttl);
    db.zadd(user, [[Number(now), member]]);
    const all = db.zrangeByScore(user, -Infinity, Infinity);
    if (all.length > Number(keep)) db.zrem(user, ...all.slice(0, all.length - Number(keep)).map((e) => e.member));
    db.zadd(day, [[Number(now), member]]);
    if (id !== order) db.set(id, member, { nx: true });
    return code === 3 ? [code, state, values.declinedReason!, values.declinedAt!] : [code, state];
  },
  decode: (r) => {
    const [code, value, declinedReason, declinedAt] = r as [number, string, string?, string?];
    if (code === 1) return { accepted: true, state: value };
    if (code === 3) return { accepted: true, state: value, afterDecline: { reason: declinedReason ?? '', at: Number(declinedAt) } };
    if (code === 2) return { accepted: false, state: 'unknown', via: value };
    return { accepted: false, state: value };
  },
});

/**
 * KEYS: order hash, journal. ARGV: journal entry (lease taken or taken over), max entries, ttl ms.
 * The first read of a leased order, with its journal entry in the same step (no extra round trip).
 * Reply: the order hash as field/value pairs.
 */
export const beginScript = defineScript<Record<string, string>>({
  name: 'ledger_begin',
  numberOfKeys: 2,
  lua: `
${journalLua('KEYS[2]', 'ARGV[1]', 'ARGV[2]', 'ARGV[3]')}
return redis.call('HGETALL', KEYS[1])
`,
  local(db, keys, args) {
    journalLocal(db, keys[1]!, args[0]!, args[1]!, args[2]!);
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
 * KEYS: order hash, due zset, the player's inbox hash, journal, the waiting set.
 * ARGV: now, fence, member, result JSON, delivery JSON, journal entry, max entries, ttl ms, then the
 * delivery notice: 9 channel, 10 user id, 11 message.
 * Records the grant if the fence is still ours, and in the same step puts the delivery in the player's
 * inbox, the player in the waiting set (at the store's clock, which the delivery sweep reads by) and
 * publishes the notice, so a granted order is never without its delivery and costs no second round trip
 * to announce (a PUBLISH from a script is allowed on a Cluster too). Reply 1 recorded, 0 stale fence.
 */
export const completeScript = defineScript<boolean>({
  name: 'ledger_complete',
  numberOfKeys: 5,
  lua: `
${grantLease.guard.lua}
${LUA_CLOCK}
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'state', 'granted', 'grantedAt', ARGV[1], 'updatedAt', ARGV[1], 'result', ARGV[4])
redis.call('HDEL', KEYS[1], 'leaseOwner', 'leaseUntil')
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
redis.call('ZADD', KEYS[5], clock, ARGV[10])
${journalLua('KEYS[4]', 'ARGV[6]', 'ARGV[7]', 'ARGV[8]')}
redis.call('PUBLISH', ARGV[9], ARGV[11])
return 1
`,
  local(db, keys, args) {
    const [order, due, inbox, journal, waiting] = keys as [string, string, string, string, string];
    if (!grantLease.guard.held(db, order, args[1])) return 0;
    db.hincrby(order, 'attempts', 1);
    db.hset(order, { state: 'granted', grantedAt: args[0]!, updatedAt: args[0]!, result: args[3]! });
    db.hdel(order, 'leaseOwner', 'leaseUntil');
    db.zrem(due, args[2]!);
    db.hset(inbox, { [args[2]!]: args[4]! });
    db.zadd(waiting, [[db.time(), args[9]!]]);
    journalLocal(db, journal, args[5]!, args[6]!, args[7]!);
    db.publish(args[8]!, args[10]!);
    return 1;
  },
  decode: (r) => r === 1,
});

/**
 * KEYS: order hash, due zset, given-up zset, journal. ARGV: now, member, reason, journal entry, max, ttl.
 * Cancels an order waiting for a grant (pending) or one given up; never one being granted or granted.
 * Reply: 1 cancelled, 0 not found, 2 being granted right now, 3 already terminal.
 */
export const cancelScript = defineScript<'cancelled' | 'not-found' | 'in-progress' | 'already-terminal'>({
  name: 'ledger_cancel',
  numberOfKeys: 4,
  lua: `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
if state == 'granting' then return 2 end
if state ~= 'pending' and state ~= 'given_up' then return 3 end
redis.call('HSET', KEYS[1], 'state', 'cancelled', 'reason', ARGV[3], 'updatedAt', ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
${journalLua('KEYS[4]', 'ARGV[4]', 'ARGV[5]', 'ARGV[6]')}
return 1
`,
  local(db, keys, args) {
    const [order, due, gaveUp, journal] = keys as [string, string, string, string];
    const state = db.hget(order, 'state');
    if (state === null) return 0;
    if (state === 'granting') return 2;
    if (state !== 'pending' && state !== 'given_up') return 3;
    db.hset(order, { state: 'cancelled', reason: args[2]!, updatedAt: args[0]! });
    db.zrem(due, args[1]!);
    db.zrem(gaveUp, args[1]!);
    journalLocal(db, journal, args[3]!, args[4]!, args[5]!);
    return 1;
  },
  decode: (r) => (r === 1 ? 'cancelled' : r === 2 ? 'in-progress' : r === 3 ? 'already-terminal' : 'not-found'),
});
