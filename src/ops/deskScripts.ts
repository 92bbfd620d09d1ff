/**
 * The desk's reads that must stay bounded however large the queue grows: a page of the schedule filtered by
 * state, and the per-state counts a metrics scrape reads. Each scans at most a fixed number of members per
 * call, in one step, so an operator's page or a scrape never holds Redis for long.
 */
import { defineScript } from '../store/defineScript.js';
import type { ScriptReply } from '../store/Store.js';

/**
 * KEYS: due zset. ARGV: order hash prefix, wanted state, start rank, members to scan at most, members to
 * return at most, granting since at most (epoch ms; only for 'granting', else ignored).
 * Walks the schedule by rank from `start`, keeping members in the wanted state (and, for granting, leased
 * at or before the given time: `updatedAt` is set by the claim and not by renewals).
 * Reply: {next rank or -1 when the end was reached, member, member, …}.
 */
export const scanDueScript = defineScript<{ next: number; members: string[] }>({
  name: 'desk_scan_due',
  numberOfKeys: 1,
  lua: `
local start, scan, want, since = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local ids = redis.call('ZRANGE', KEYS[1], start, start + scan - 1)
local out = {0}
local taken = 0
for i, id in ipairs(ids) do
  local h = redis.call('HMGET', ARGV[1] .. id, 'state', 'updatedAt')
  if h[1] == ARGV[2] and (ARGV[2] ~= 'granting' or tonumber(h[2] or '0') <= since) then
    out[#out + 1] = id
    taken = taken + 1
    if taken >= want then
      out[1] = start + i
      return out
    end
  end
end
if #ids < scan then out[1] = -1 else out[1] = start + #ids end
return out
`,
  local(db, keys, args) {
    const [prefix, state, startS, scanS, wantS, sinceS] = args as [string, string, string, string, string, string];
    const start = Number(startS);
    const scan = Number(scanS);
    const all = db.zrangeByScore(keys[0]!, -Infinity, Infinity).slice(start, start + scan);
    const out: ScriptReply[] = [0];
    let taken = 0;
    for (let i = 0; i < all.length; i++) {
      const id = all[i]!.member;
      const st = db.hget(prefix + id, 'state');
      const at = Number(db.hget(prefix + id, 'updatedAt') ?? '0');
      if (st === state && (state !== 'granting' || at <= Number(sinceS))) {
        out.push(id);
        if (++taken >= Number(wantS)) {
          out[0] = start + i + 1;
          return out;
        }
      }
    }
    out[0] = all.length < scan ? -1 : start + all.length;
    return out;
  },
  decode: (r) => {
    const [next, ...members] = r as [number, ...string[]];
    return { next: Number(next), members: members.map(String) };
  },
});

/**
 * KEYS: due zset, given-up zset. ARGV: order hash prefix, now, members to look at at most.
 * Scheduled members due in the future are leased (granting) or waiting for a backoff (pending); only those
 * are read, latest first, up to the bound. Reply: {scheduled, given up, granting, 1 if exact else 0}.
 */
export const stateCountsScript = defineScript<{ scheduled: number; givenUp: number; granting: number; exact: boolean }>({
  name: 'desk_state_counts',
  numberOfKeys: 2,
  lua: `
local limit = tonumber(ARGV[3])
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', '(' .. ARGV[2], 'LIMIT', 0, limit)
local granting = 0
for _, id in ipairs(ids) do
  if redis.call('HGET', ARGV[1] .. id, 'state') == 'granting' then granting = granting + 1 end
end
local exact = 1
if #ids >= limit then exact = 0 end
return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]), granting, exact}
`,
  local(db, keys, args) {
    const [prefix, nowS, limitS] = args as [string, string, string];
    const limit = Number(limitS);
    const future = db
      .zrangeByScore(keys[0]!, Number(nowS) + 0.5, Infinity)
      .reverse()
      .slice(0, limit);
    const granting = future.filter((e) => db.hget(prefix + e.member, 'state') === 'granting').length;
    return [db.zcard(keys[0]!), db.zcard(keys[1]!), granting, future.length >= limit ? 0 : 1];
  },
  decode: (r) => {
    const [scheduled, givenUp, granting, exact] = (r as number[]).map(Number) as [number, number, number, number];
    return { scheduled, givenUp, granting, exact: exact === 1 };
  },
});

/** KEYS: a zset. ARGV: start rank, count, 1 for newest first. Reply: members of that page. */
export const pageScript = defineScript<string[]>({
  name: 'desk_page',
  numberOfKeys: 1,
  lua: `
local stop = tonumber(ARGV[1]) + tonumber(ARGV[2]) - 1
if ARGV[3] == '1' then return redis.call('ZREVRANGE', KEYS[1], ARGV[1], stop) end
return redis.call('ZRANGE', KEYS[1], ARGV[1], stop)
`,
  local(db, keys, args) {
    const all = db.zrangeByScore(keys[0]!, -Infinity, Infinity).map((e) => e.member);
    if (args[2] === '1') all.reverse();
    return all.slice(Number(args[0]), Number(args[0]) + Number(args[1]));
  },
  decode: (r) => ((r as string[]) ?? []).map(String),
});
