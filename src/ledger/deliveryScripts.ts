/**
 * The atomic steps of grant delivery (the grant itself is recorded by `completeScript` in completeScript.ts, which
 * writes the inbox entry, the waiting-set entry and the PUBLISH in the same step).
 *
 * The waiting set (`{ledger}:waiting`, a sorted set) holds every player with a grant in their inbox, scored
 * by when the latest one arrived on the store's clock. It is what keeps delivery proportional to what
 * happened: a process's safety sweep reads only the players whose grants arrived since its last sweep (one
 * command per tick, whatever the number of connected players), instead of reading every connected player's
 * inbox. A player leaves the set in the step that empties their inbox.
 */
import { defineScript } from '../store/defineScript.js';
import { LUA_CLOCK } from '../workers/lease/scripts.js';
import { appendEntryLocal, appendEntryLua } from './orderJournal.js';

/**
 * KEYS: the player's inbox hash, the order hash (its journal), the waiting set. ARGV: member, journal entry,
 * max entries, user id. A grant reached the player's room: out of the inbox, journaled, and the player out
 * of the waiting set once nothing else waits for them, in one step. Reply: fields removed (0 or 1).
 */
export const deliveredScript = defineScript<number>({
  name: 'ledger_delivered',
  numberOfKeys: 3,
  lua: `
local n = redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[3], ARGV[4]) end
${appendEntryLua('KEYS[2]', 'ARGV[2]', 'ARGV[3]')}
return n
`,
  local(db, keys, args) {
    const [inbox, order, waiting] = keys as [string, string, string];
    const n = db.hdel(inbox, args[0]!);
    if (db.hlen(inbox) === 0) db.zrem(waiting, args[3]!);
    appendEntryLocal(db, order, args[1]!, args[2]!);
    return n;
  },
  decode: (r) => Number(r),
});

/** A delivery taken (claimed or handed over): {1, json} taken, {0, ms left} claimed elsewhere, nil gone. */
function decodeTaken(r: unknown): { json: string } | { busyMs: number } | null {
  if (!Array.isArray(r)) return null;
  return r[0] === 1 ? { json: String(r[1]) } : { busyMs: Number(r[1]) };
}

/**
 * KEYS: the player's inbox hash, the delivery's claim key, the order hash (its journal), the waiting set, the
 * player's unacknowledged grants. ARGV: member, user id, journal entry, max entries, keep ms.
 * Hands a waiting grant to sinks that send it at once and keep it until the client acknowledges it (the
 * default `grant` message with acknowledgements on): out of the inbox and into the unacknowledged hash,
 * journaled, the player out of the waiting set once nothing else waits, in the one step a claim would have
 * taken. No claim and no second "delivered" step are needed: the grant is never in neither place, and one
 * that could not be sent after all (the player left in the meantime, the process died) is sent again from
 * the unacknowledged hash at the player's next join or reconnect. A delivery another process has claimed is
 * left to it. Reply: {1, delivery JSON} handed over, {0, ms left} claimed elsewhere, nil when it is gone.
 */
export const handOverScript = defineScript<{ json: string } | { busyMs: number } | null>({
  name: 'ledger_hand_over',
  numberOfKeys: 5,
  lua: `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return false end
local left = redis.call('PTTL', KEYS[2])
if left ~= -2 then return {0, math.max(left, 0)} end
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('ZREM', KEYS[4], ARGV[2]) end
redis.call('HSET', KEYS[5], ARGV[1], v)
redis.call('PEXPIRE', KEYS[5], tonumber(ARGV[5]))
${appendEntryLua('KEYS[3]', 'ARGV[3]', 'ARGV[4]')}
return {1, v}
`,
  local(db, keys, args) {
    const [inbox, claim, order, waiting, unacked] = keys as [string, string, string, string, string];
    const [member, userId, note, max, keepMs] = args as [string, string, string, string, string];
    const v = db.hget(inbox, member);
    if (v === null) return null;
    const left = db.pttl(claim);
    if (left !== -2) return [0, Math.max(left, 0)];
    db.hdel(inbox, member);
    if (db.hlen(inbox) === 0) db.zrem(waiting, userId);
    db.hset(unacked, { [member]: v });
    db.pexpire(unacked, Number(keepMs));
    appendEntryLocal(db, order, note, max);
    return [1, v];
  },
  decode: decodeTaken,
});

/**
 * KEYS: the player's inbox hash, the waiting set. ARGV: user id. Everything in the player's inbox, as
 * field/value pairs; an empty inbox also takes the player out of the waiting set (it may have expired, or
 * been emptied by hand), so a stale member costs one read at most.
 */
export const inboxScript = defineScript<Record<string, string>>({
  name: 'ledger_inbox',
  numberOfKeys: 2,
  lua: `
local all = redis.call('HGETALL', KEYS[1])
if #all == 0 then redis.call('ZREM', KEYS[2], ARGV[1]) end
return all
`,
  local(db, keys, args) {
    const all = Object.entries(db.hgetall(keys[0]!)).flat();
    if (all.length === 0) db.zrem(keys[1]!, args[0]!);
    return all;
  },
  decode: (r) => {
    const pairs = (r as string[]) ?? [];
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) h[String(pairs[i])] = String(pairs[i + 1]);
    return h;
  },
});

export interface WaitingSince {
  /** The store's clock when it was read: where the next sweep starts. */
  clock: number;
  /** Players whose latest grant arrived at or after `since`, oldest first, at most `limit`. */
  users: Array<{ userId: string; at: number }>;
}

/**
 * KEYS: the waiting set. ARGV: since (ms on the store's clock, or '-inf' / '+inf'), limit, and optionally
 * a record ms: players whose latest grant is older than that leave the set first (their inbox, kept as long,
 * has expired: a player who never came back). The players whose latest grant arrived since then, and the
 * store's clock, in one step; `+inf` only reads the clock (where a new process starts).
 * Reply: {clock, userId, at, userId, at, …}.
 */
export const waitingSinceScript = defineScript<WaitingSince>({
  name: 'ledger_waiting_since',
  numberOfKeys: 1,
  lua: `
${LUA_CLOCK}
local out = {clock}
local keepMs = tonumber(ARGV[3] or '0')
if keepMs > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (clock - keepMs)) end
if ARGV[1] ~= '+inf' then
  local got = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
  for i = 1, #got do out[#out + 1] = got[i] end
end
return out
`,
  local(db, keys, args) {
    const clock = db.time();
    const out: Array<string | number> = [clock];
    const keepMs = Number(args[2] ?? 0);
    if (keepMs > 0) {
      const old = db.zrangeByScore(keys[0]!, -Infinity, clock - keepMs).filter((e) => e.score < clock - keepMs);
      if (old.length) db.zrem(keys[0]!, ...old.map((e) => e.member));
    }
    if (args[0] !== '+inf') {
      const min = args[0] === '-inf' ? -Infinity : Number(args[0]);
      for (const e of db.zrangeByScore(keys[0]!, min, Infinity, Number(args[1]))) out.push(e.member, String(e.score));
    }
    return out;
  },
  decode: (r) => {
    const a = r as Array<string | number>;
    const users: WaitingSince['users'] = [];
    for (let i = 1; i + 1 < a.length; i += 2) users.push({ userId: String(a[i]), at: Number(a[i + 1]) });
    return { clock: Number(a[0]), users };
  },
});

/**
 * KEYS: the player's inbox hash, the delivery claim key. ARGV: member, owner, claimMs.
 * Claims one waiting delivery for this process (so a player connected on two processes is not sent the
 * same grant twice at once). The claim is short and renewed while its holder delivers, so a holder that
 * dies frees it within claimMs. Reply: {1, delivery JSON} claimed, {0, ms left} claimed elsewhere, nil when
 * the delivery is gone.
 */
export const claimDeliveryScript = defineScript<{ json: string } | { busyMs: number } | null>({
  name: 'ledger_claim_delivery',
  numberOfKeys: 2,
  lua: `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return false end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', tonumber(ARGV[3])) then return {1, v} end
return {0, redis.call('PTTL', KEYS[2])}
`,
  local(db, keys, args) {
    const [inbox, claim] = keys as [string, string];
    const v = db.hget(inbox, args[0]!);
    if (v === null) return null;
    return db.set(claim, args[1]!, { nx: true, px: Number(args[2]) }) ? [1, v] : [0, db.pttl(claim)];
  },
  decode: decodeTaken,
});

/** KEYS: the delivery claim key. ARGV: owner, claimMs. Extends the claim while this owner still holds it. Reply 1/0. */
export const renewDeliveryClaimScript = defineScript<boolean>({
  name: 'ledger_renew_delivery_claim',
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`,
  local(db, keys, args) {
    if (db.get(keys[0]!) !== args[0]) return 0;
    db.pexpire(keys[0]!, Number(args[1]));
    return 1;
  },
  decode: (r) => r === 1,
});
