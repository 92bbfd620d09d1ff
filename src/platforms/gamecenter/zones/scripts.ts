/**
 * Atomic steps of zone-data sync. Create-role and order-zone events are "send once": the guard, the outbox
 * entry and the row are written in one step, so an event is never guarded without also being queued, and
 * a process that dies mid-send leaves it to the retry loop once its lease ends. Activity rows are folded
 * per user and zone and claimed in batches under a fence, like ranks.
 */
import { defineScript } from '../../../store/defineScript.js';
import type { ScriptReply } from '../../../store/Store.js';
import { LUA_CLOCK, rowLeaseClaim, type LeaseClaim } from '../../../workers/lease/scripts.js';

/**
 * KEYS: once, outbox, rows, fences. ARGV: member, leaseMs, row JSON.
 * A new event is queued already leased to the process that records it (it sends at once, without a claim):
 * due again when the lease ends on the store's clock, as the claim below leaves a member.
 * Reply: the sender's fence when the event is new, 0 when it was seen before.
 */
export const enqueueOnceScript = defineScript<number>({
  name: 'gc_zone_enqueue_once',
  numberOfKeys: 4,
  lua: `
if redis.call('HSETNX', KEYS[1], ARGV[1], 'pending') == 0 then return 0 end
${LUA_CLOCK}
redis.call('ZADD', KEYS[2], clock + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
`,
  local(db, keys, args) {
    const [once, outbox, rows, fences] = keys as [string, string, string, string];
    if (!db.hsetnx(once, args[0]!, 'pending')) return 0;
    db.zadd(outbox, [[db.time() + Number(args[1]), args[0]!]]);
    db.hset(rows, { [args[0]!]: args[2]! });
    return db.hincrby(fences, args[0]!, 1);
  },
  decode: (r) => Number(r),
});

export interface OutboxClaim {
  member: string;
  fence: number;
  row: string;
}

/**
 * KEYS: outbox, rows, fences. ARGV: now, limit, leaseMs. The shared lease claim over the rows and fences
 * hashes: a member whose row is gone leaves the outbox; a lease ends on the store's clock.
 */
export const claimOutboxScript = rowLeaseClaim({ name: 'gc_zone_outbox' });

export function outboxClaim(c: LeaseClaim): OutboxClaim {
  return { member: c.id, fence: c.fence, row: c.hash?.row ?? '' };
}

export type OutboxOutcome = 'sent' | 'retry' | 'park' | 'release' | 'failed';

/**
 * KEYS: once, outbox, rows, fences, parked. ARGV: member, fence, outcome, retryAt, parked info JSON.
 * 'sent': done for good. 'retry': due again at retryAt. 'park': due again at retryAt and listed in `parked`
 * with why (a refusal, or too many failures) until it is sent. 'release': dropped, and the guard with it,
 * so a later report may send it again (only for a row that cannot be read). 'failed': stopped without
 * knowing; the guard stays so it is never sent twice.
 * Reply 0 stale fence, 1 applied, 2 applied and the event was not parked before.
 */
export const settleOutboxScript = defineScript<0 | 1 | 2>({
  name: 'gc_zone_settle_outbox',
  numberOfKeys: 5,
  lua: `
if tostring(redis.call('HGET', KEYS[4], ARGV[1])) ~= ARGV[2] then return 0 end
if ARGV[3] == 'retry' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
  return 1
end
if ARGV[3] == 'park' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
  local fresh = redis.call('HEXISTS', KEYS[5], ARGV[1]) == 0
  redis.call('HSET', KEYS[5], ARGV[1], ARGV[5])
  if fresh then return 2 end
  return 1
end
if ARGV[3] == 'release' then redis.call('HDEL', KEYS[1], ARGV[1]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
return 1
`,
  local(db, keys, args) {
    const [once, outbox, rows, fences, parked] = keys as [string, string, string, string, string];
    const [member, fence, outcome, retryAt, info] = args as [string, string, OutboxOutcome, string, string];
    if (db.hget(fences, member) !== fence) return 0;
    if (outcome === 'retry') {
      db.zadd(outbox, [[Number(retryAt), member]]);
      return 1;
    }
    if (outcome === 'park') {
      db.zadd(outbox, [[Number(retryAt), member]]);
      const fresh = db.hget(parked, member) === null;
      db.hset(parked, { [member]: info ?? '' });
      return fresh ? 2 : 1;
    }
    if (outcome === 'release') db.hdel(once, member);
    else db.hset(once, { [member]: outcome });
    db.zrem(outbox, member);
    db.hdel(rows, member);
    db.hdel(fences, member);
    db.hdel(parked, member);
    return 1;
  },
  decode: (r) => Number(r) as 0 | 1 | 2,
});

/**
 * KEYS: outbox, parked. ARGV: now. Makes every parked event that is still queued due now (an operator
 * fixed the cause). Reply: how many.
 */
export const retryParkedScript = defineScript<number>({
  name: 'gc_zone_retry_parked',
  numberOfKeys: 2,
  lua: `
local n = 0
for _, m in ipairs(redis.call('HKEYS', KEYS[2])) do
  if redis.call('ZSCORE', KEYS[1], m) then
    redis.call('ZADD', KEYS[1], ARGV[1], m)
    n = n + 1
  else
    redis.call('HDEL', KEYS[2], m)
  end
end
return n
`,
  local(db, keys, args) {
    const [outbox, parked] = keys as [string, string];
    let n = 0;
    for (const m of Object.keys(db.hgetall(parked))) {
      if (db.zscore(outbox, m) !== null) {
        db.zadd(outbox, [[Number(args[0]), m]]);
        n++;
      } else db.hdel(parked, m);
    }
    return n;
  },
  decode: (r) => Number(r),
});

/**
 * KEYS: active, activeAt. ARGV: now, then member/time pairs.
 * Keeps the latest activity time per user and zone and queues the member unless it is queued already.
 */
export const recordActiveScript = defineScript<number>({
  name: 'gc_zone_record_active',
  numberOfKeys: 2,
  lua: `
for i = 2, #ARGV, 2 do
  local m, t = ARGV[i], tonumber(ARGV[i + 1])
  local cur = tonumber(redis.call('HGET', KEYS[2], m))
  if (not cur) or t > cur then redis.call('HSET', KEYS[2], m, ARGV[i + 1]) end
  redis.call('ZADD', KEYS[1], 'NX', ARGV[1], m)
end
return 1
`,
  local(db, keys, args) {
    const [active, activeAt] = keys as [string, string];
    for (let i = 1; i + 1 < args.length; i += 2) {
      const m = args[i]!;
      const cur = db.hget(activeAt, m);
      if (cur === null || Number(args[i + 1]) > Number(cur)) db.hset(activeAt, { [m]: args[i + 1]! });
      if (db.zscore(active, m) === null) db.zadd(active, [[Number(args[0]), m]]);
    }
    return 1;
  },
});

export interface ActiveClaim {
  fence: number;
  rows: Array<[member: string, timeMs: string]>;
}

/** KEYS: active, activeAt, activeClaims, activeSeq. ARGV: now, limit, leaseMs. Reply {fence, member, time, …}. */
export const claimActiveScript = defineScript<ActiveClaim>({
  name: 'gc_zone_claim_active',
  numberOfKeys: 4,
  lua: `
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then return {} end
local fence = redis.call('INCR', KEYS[4])
local out = {fence}
for _, m in ipairs(ids) do
  local t = redis.call('HGET', KEYS[2], m)
  if t then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), m)
    redis.call('HSET', KEYS[3], m, fence .. '|' .. t)
    out[#out + 1] = m
    out[#out + 1] = t
  else
    redis.call('ZREM', KEYS[1], m)
  end
end
return out
`,
  local(db, keys, args) {
    const [active, activeAt, claims, seq] = keys as [string, string, string, string];
    const now = Number(args[0]);
    const ids = db.zrangeByScore(active, -Infinity, now, Number(args[1]));
    if (ids.length === 0) return [];
    const fence = db.incrBy(seq, 1);
    const out: ScriptReply[] = [fence];
    for (const { member } of ids) {
      const t = db.hget(activeAt, member);
      if (t === null) {
        db.zrem(active, member);
        continue;
      }
      db.zadd(active, [[now + Number(args[2]), member]]);
      db.hset(claims, { [member]: `${fence}|${t}` });
      out.push(member, t);
    }
    return out;
  },
  decode: (r) => {
    const flat = (r as ScriptReply[] | null) ?? [];
    if (flat.length === 0) return { fence: 0, rows: [] };
    const rows: Array<[string, string]> = [];
    for (let i = 1; i + 1 < flat.length; i += 2) rows.push([String(flat[i]), String(flat[i + 1])]);
    return { fence: Number(flat[0]), rows };
  },
});

/**
 * KEYS: active, activeAt, activeClaims. ARGV: fence, sent ('1' done, '0' failed), dueAt, then members.
 * Sent: a member whose time did not move since the claim is done; a newer time is due at `dueAt`.
 * Failed: every member of the claim is due again at `dueAt`. Members of a stale fence are left alone.
 */
export const settleActiveScript = defineScript<number>({
  name: 'gc_zone_settle_active',
  numberOfKeys: 3,
  lua: `
local n = 0
for i = 4, #ARGV do
  local m = ARGV[i]
  local c = redis.call('HGET', KEYS[3], m)
  if c then
    local p = string.find(c, '|', 1, true)
    if string.sub(c, 1, p - 1) == ARGV[1] then
      redis.call('HDEL', KEYS[3], m)
      if ARGV[2] == '1' and redis.call('HGET', KEYS[2], m) == string.sub(c, p + 1) then
        redis.call('ZREM', KEYS[1], m)
        redis.call('HDEL', KEYS[2], m)
      else
        redis.call('ZADD', KEYS[1], ARGV[3], m)
      end
      n = n + 1
    end
  end
end
return n
`,
  local(db, keys, args) {
    const [active, activeAt, claims] = keys as [string, string, string];
    const [fence, sent, dueAt] = args as [string, string, string];
    let n = 0;
    for (const m of args.slice(3)) {
      const c = db.hget(claims, m);
      if (c === null) continue;
      const p = c.indexOf('|');
      if (c.slice(0, p) !== fence) continue;
      db.hdel(claims, m);
      if (sent === '1' && db.hget(activeAt, m) === c.slice(p + 1)) {
        db.zrem(active, m);
        db.hdel(activeAt, m);
      } else {
        db.zadd(active, [[Number(dueAt), m]]);
      }
      n++;
    }
    return n;
  },
  decode: (r) => Number(r),
});
