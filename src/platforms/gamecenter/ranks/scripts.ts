/**
 * The rank pipeline's atomic steps. A user is "dirty" while their latest value differs from the last value
 * GameCenter stored; the dirty zset's score says when they may be sent: now, the start of tomorrow (already
 * sent today), or the end of a claim's lease (being sent right now). Claiming moves the score past the
 * lease in the same step that reads the value, so two processes never hold one user at once, and a
 * process that dies mid-request leaves its users to come back when the lease ends.
 */
import { defineScript } from '../../../store/defineScript.js';
import type { MemoryDb } from '../../../store/MemoryDb.js';
import type { ScriptReply } from '../../../store/Store.js';

const SPLIT_SENT_LUA = `
local function splitSent(s)
  if not s then return nil, nil end
  local p = string.find(s, '|', 1, true)
  return string.sub(s, 1, p - 1), string.sub(s, p + 1)
end
`;

function splitSent(s: string | null): [day: string | undefined, value: string | undefined] {
  if (s === null) return [undefined, undefined];
  const p = s.indexOf('|');
  return [s.slice(0, p), s.slice(p + 1)];
}

/**
 * KEYS: latest, sent, dirty. ARGV: now, today, tomorrowStart, then userId/value pairs.
 * Stores each latest value; a user not already queued is queued for now, or for tomorrow when today's
 * submission is done. A user already queued keeps their score (a claim's lease must not be cut short).
 * Reply: how many users became dirty.
 */
export const recordRanksScript = defineScript<number>({
  name: 'gc_rank_record',
  numberOfKeys: 3,
  lua: `${SPLIT_SENT_LUA}
local n = 0
for i = 4, #ARGV, 2 do
  local u, v = ARGV[i], ARGV[i + 1]
  redis.call('HSET', KEYS[1], u, v)
  if not redis.call('ZSCORE', KEYS[3], u) then
    local day, value = splitSent(redis.call('HGET', KEYS[2], u))
    if value ~= v then
      if day == ARGV[2] then redis.call('ZADD', KEYS[3], ARGV[3], u) else redis.call('ZADD', KEYS[3], ARGV[1], u) end
      n = n + 1
    end
  end
end
return n
`,
  local(db: MemoryDb, keys, args): ScriptReply {
    const [latest, sent, dirty] = keys as [string, string, string];
    const [now, today, tomorrow] = args as [string, string, string];
    let n = 0;
    for (let i = 3; i + 1 < args.length; i += 2) {
      const u = args[i]!;
      const v = args[i + 1]!;
      db.hset(latest, { [u]: v });
      if (db.zscore(dirty, u) !== null) continue;
      const [day, value] = splitSent(db.hget(sent, u));
      if (value === v) continue;
      db.zadd(dirty, [[Number(day === today ? tomorrow : now), u]]);
      n++;
    }
    return n;
  },
  decode: (r) => Number(r),
});

export interface RankClaim {
  fence: number;
  pairs: Array<[userId: string, value: string]>;
}

/**
 * KEYS: latest, sent, dirty, claims, seq. ARGV: now, limit, leaseMs, today, tomorrowStart.
 * Claims up to `limit` due users under one new fence. Due users that need nothing (value unchanged since
 * sent, or nothing reported) leave the queue; users already sent today wait for tomorrow. It keeps taking
 * until the batch is full or nothing is due, so a batch is not short just because some were skipped.
 * Reply: {fence, userId, value, …} or {} when nothing was claimed.
 */
export const claimRanksScript = defineScript<RankClaim>({
  name: 'gc_rank_claim',
  numberOfKeys: 5,
  lua: `${SPLIT_SENT_LUA}
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local leaseUntil = now + tonumber(ARGV[3])
local out = {}
local fence = nil
local got = 0
while got < limit do
  local ids = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, limit - got)
  if #ids == 0 then break end
  for _, u in ipairs(ids) do
    local v = redis.call('HGET', KEYS[1], u)
    local day, value = splitSent(redis.call('HGET', KEYS[2], u))
    if (not v) or value == v then
      redis.call('ZREM', KEYS[3], u)
      redis.call('HDEL', KEYS[4], u)
    elseif day == ARGV[4] then
      redis.call('ZADD', KEYS[3], ARGV[5], u)
    else
      if not fence then
        fence = redis.call('INCR', KEYS[5])
        out[1] = fence
      end
      redis.call('ZADD', KEYS[3], leaseUntil, u)
      redis.call('HSET', KEYS[4], u, fence)
      out[#out + 1] = u
      out[#out + 1] = v
      got = got + 1
    end
  end
end
return out
`,
  local(db, keys, args) {
    const [latest, sent, dirty, claims, seq] = keys as [string, string, string, string, string];
    const now = Number(args[0]);
    const limit = Number(args[1]);
    const leaseUntil = now + Number(args[2]);
    const out: ScriptReply[] = [];
    let fence: number | undefined;
    let got = 0;
    while (got < limit) {
      const ids = db.zrangeByScore(dirty, -Infinity, now, limit - got);
      if (ids.length === 0) break;
      for (const { member: u } of ids) {
        const v = db.hget(latest, u);
        const [day, value] = splitSent(db.hget(sent, u));
        if (v === null || value === v) {
          db.zrem(dirty, u);
          db.hdel(claims, u);
        } else if (day === args[3]) {
          db.zadd(dirty, [[Number(args[4]), u]]);
        } else {
          if (fence === undefined) out.push((fence = db.incrBy(seq, 1)));
          db.zadd(dirty, [[leaseUntil, u]]);
          db.hset(claims, { [u]: String(fence) });
          out.push(u, v);
          got++;
        }
      }
    }
    return out;
  },
  decode: (r) => {
    const flat = (r as ScriptReply[] | null) ?? [];
    if (flat.length === 0) return { fence: 0, pairs: [] };
    const pairs: Array<[string, string]> = [];
    for (let i = 1; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), String(flat[i + 1])]);
    return { fence: Number(flat[0]), pairs };
  },
});

/**
 * KEYS: latest, sent, dirty, claims. ARGV: fence, day, tomorrowStart, then userId/value pairs.
 * Records values GameCenter now holds, for users still claimed under `fence` (a stale fence means the
 * lease ran out and another process owns the user). A user whose value changed meanwhile stays dirty
 * until tomorrow. Reply: how many were recorded.
 */
export const markRanksSentScript = defineScript<number>({
  name: 'gc_rank_sent',
  numberOfKeys: 4,
  lua: `
local n = 0
for i = 4, #ARGV, 2 do
  local u, v = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[4], u) == ARGV[1] then
    redis.call('HDEL', KEYS[4], u)
    redis.call('HSET', KEYS[2], u, ARGV[2] .. '|' .. v)
    if redis.call('HGET', KEYS[1], u) == v then redis.call('ZREM', KEYS[3], u) else redis.call('ZADD', KEYS[3], ARGV[3], u) end
    n = n + 1
  end
end
return n
`,
  local(db, keys, args) {
    const [latest, sent, dirty, claims] = keys as [string, string, string, string];
    const [fence, day, tomorrow] = args as [string, string, string];
    let n = 0;
    for (let i = 3; i + 1 < args.length; i += 2) {
      const u = args[i]!;
      const v = args[i + 1]!;
      if (db.hget(claims, u) !== fence) continue;
      db.hdel(claims, u);
      db.hset(sent, { [u]: `${day}|${v}` });
      if (db.hget(latest, u) === v) db.zrem(dirty, u);
      else db.zadd(dirty, [[Number(tomorrow), u]]);
      n++;
    }
    return n;
  },
  decode: (r) => Number(r),
});

/**
 * KEYS: dirty, claims. ARGV: fence, retryAt, then userIds.
 * Gives claimed users back after a failed request: they stay dirty and are due again at `retryAt`.
 */
export const releaseRanksScript = defineScript<number>({
  name: 'gc_rank_release',
  numberOfKeys: 2,
  lua: `
local n = 0
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('HDEL', KEYS[2], ARGV[i])
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[i])
    n = n + 1
  end
end
return n
`,
  local(db, keys, args) {
    const [dirty, claims] = keys as [string, string];
    let n = 0;
    for (const u of args.slice(2)) {
      if (db.hget(claims, u) !== args[0]) continue;
      db.hdel(claims, u);
      db.zadd(dirty, [[Number(args[1]), u]]);
      n++;
    }
    return n;
  },
  decode: (r) => Number(r),
});
