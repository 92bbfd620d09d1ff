/**
 * The atomic steps of SUD intake and processing. Recording is one script so that "this notify_id is new"
 * and "its job exists" can never be seen half-done by a second process; the claim/renew/finish steps mirror
 * the ledger's lease-and-fence scheme (see ledger/scripts.ts): a job whose process dies comes back when its
 * lease ends, and a late answer from a process that lost its lease is ignored.
 */
import { defineScript } from '../../store/defineScript.js';
import type { MemoryDb } from '../../store/MemoryDb.js';
import type { ScriptReply } from '../../store/Store.js';

export type RecordOutcome =
  /** a new notification and a new job */
  | 'new'
  /** this notify_id was recorded before: nothing changed */
  | 'duplicate-notify'
  /** the notification is recorded, but its job (the same match) already existed */
  | 'duplicate-job';

/**
 * KEYS: notify hash (the job hash again for a room report), job hash, due zset.
 * ARGV: now, notifyId ('' for a room report), raw body, event, jobId, kind, idempotency key, payload JSON,
 *       source, room id, retention ms (0 = keep), create job ('1' | '0').
 * Reply: {code, state} with code 1 new, 0 duplicate notify, 2 duplicate job.
 */
export const recordScript = defineScript<{ outcome: RecordOutcome; state: string }>({
  name: 'sud_record',
  numberOfKeys: 3,
  lua: `
local ttl = tonumber(ARGV[11])
if ARGV[2] ~= '' then
  if redis.call('EXISTS', KEYS[1]) == 1 then return {0, redis.call('HGET', KEYS[1], 'job') or ''} end
  redis.call('HSET', KEYS[1], 'body', ARGV[3], 'event', ARGV[4], 'job', ARGV[5], 'receivedAt', ARGV[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
if ARGV[12] ~= '1' then return {1, 'none'} end
local state = redis.call('HGET', KEYS[2], 'state')
if state then return {2, state} end
redis.call('HSET', KEYS[2], 'state', 'pending', 'kind', ARGV[6], 'key', ARGV[7], 'payload', ARGV[8], 'source', ARGV[9],
  'roomId', ARGV[10], 'notifyId', ARGV[2], 'fence', 0, 'attempts', 0, 'createdAt', ARGV[1], 'updatedAt', ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[5])
return {1, 'pending'}
`,
  local(db: MemoryDb, keys, args): ScriptReply {
    const [notify, job, due] = keys as [string, string, string];
    const [now, notifyId, body, event, jobId, kind, key, payload, source, roomId, ttlText, createJob] = args as string[] as [
      string, string, string, string, string, string, string, string, string, string, string, string,
    ];
    const ttl = Number(ttlText);
    if (notifyId !== '') {
      if (db.exists(notify)) return [0, db.hget(notify, 'job') ?? ''];
      db.hset(notify, { body, event, job: jobId, receivedAt: now });
      if (ttl > 0) db.pexpire(notify, ttl);
    }
    if (createJob !== '1') return [1, 'none'];
    const state = db.hget(job, 'state');
    if (state !== null) return [2, state];
    db.hset(job, { state: 'pending', kind, key, payload, source, roomId, notifyId, fence: '0', attempts: '0', createdAt: now, updatedAt: now });
    db.zadd(due, [[Number(now), jobId]]);
    return [1, 'pending'];
  },
  decode: (r) => {
    const [code, state] = r as [number, string];
    return { outcome: code === 1 ? 'new' : code === 2 ? 'duplicate-job' : 'duplicate-notify', state };
  },
});

export interface ClaimedJob {
  id: string;
  fence: number;
  previous: string;
  /** The job hash as it was at the claim (read in the same step, saving a round trip per job). */
  hash: Record<string, string>;
}

/**
 * KEYS: due zset. ARGV: now, limit, leaseMs, job key prefix.
 * Leases up to `limit` due jobs: pushes each one's due time to now+lease and bumps its fence.
 * Reply: {{id, fence, previous, {field, value, …}}, …}.
 */
export const claimScript = defineScript<ClaimedJob[]>({
  name: 'sud_claim',
  numberOfKeys: 1,
  lua: `
local now = tonumber(ARGV[1])
local leaseUntil = now + tonumber(ARGV[3])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(ids) do
  local k = ARGV[4] .. id
  local state = redis.call('HGET', k, 'state')
  if state == 'pending' or state == 'running' then
    local fence = redis.call('HINCRBY', k, 'fence', 1)
    redis.call('HSET', k, 'state', 'running', 'updatedAt', now)
    redis.call('ZADD', KEYS[1], leaseUntil, id)
    out[#out + 1] = {id, fence, state, redis.call('HGETALL', k)}
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`,
  local(db, keys, args) {
    const [due] = keys as [string];
    const now = Number(args[0]);
    const leaseUntil = now + Number(args[2]);
    const out: ScriptReply[] = [];
    for (const { member } of db.zrangeByScore(due, -Infinity, now, Number(args[1]))) {
      const k = args[3] + member;
      const state = db.hget(k, 'state');
      if (state === 'pending' || state === 'running') {
        const fence = db.hincrby(k, 'fence', 1);
        db.hset(k, { state: 'running', updatedAt: String(now) });
        db.zadd(due, [[leaseUntil, member]]);
        out.push([member, fence, state, Object.entries(db.hgetall(k)).flat()]);
      } else {
        db.zrem(due, member);
      }
    }
    return out;
  },
  decode: (r) =>
    ((r as ScriptReply[][]) ?? []).map(([id, fence, previous, pairs]) => {
      const flat = (pairs as ScriptReply[]) ?? [];
      const hash: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) hash[String(flat[i])] = String(flat[i + 1]);
      return { id: String(id), fence: Number(fence), previous: String(previous), hash };
    }),
});

/** KEYS: job hash, due zset. ARGV: now, fence, jobId, leaseMs. Reply 1 still held, 0 lost. */
export const renewScript = defineScript<boolean>({
  name: 'sud_renew',
  numberOfKeys: 2,
  lua: `
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]) + tonumber(ARGV[4]), ARGV[3])
return 1
`,
  local(db, keys, args) {
    const [job, due] = keys as [string, string];
    if (db.hget(job, 'fence') !== args[1] || db.hget(job, 'state') !== 'running') return 0;
    db.zadd(due, [[Number(args[0]) + Number(args[3]), args[2]!]]);
    return 1;
  },
  decode: (r) => r === 1,
});

/**
 * KEYS: job hash. ARGV: now, fence, field, value.
 * Records a finished step (`handled`, `delivered`) under the current fence, so a retry after a later
 * step fails does not run the handler again. Reply 1 recorded, 0 stale fence.
 */
export const markScript = defineScript<boolean>({
  name: 'sud_mark',
  numberOfKeys: 1,
  lua: `
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4], 'updatedAt', ARGV[1])
return 1
`,
  local(db, keys, args) {
    const [job] = keys as [string];
    if (db.hget(job, 'fence') !== args[1] || db.hget(job, 'state') !== 'running') return 0;
    db.hset(job, { [args[2]!]: args[3]!, updatedAt: args[0]! });
    return 1;
  },
  decode: (r) => r === 1,
});

/**
 * KEYS: job hash, due zset. ARGV: now, fence, jobId, retention ms, then field/value pairs of finished
 * steps (`handled`, `delivered`) recorded in the same step. Reply 1 done, 0 stale fence.
 */
export const completeScript = defineScript<boolean>({
  name: 'sud_complete',
  numberOfKeys: 2,
  lua: `
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'state', 'done', 'doneAt', ARGV[1], 'updatedAt', ARGV[1])
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('ZREM', KEYS[2], ARGV[3])
if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4])) end
return 1
`,
  local(db, keys, args) {
    const [job, due] = keys as [string, string];
    if (db.hget(job, 'fence') !== args[1] || db.hget(job, 'state') !== 'running') return 0;
    db.hincrby(job, 'attempts', 1);
    db.hset(job, { state: 'done', doneAt: args[0]!, updatedAt: args[0]! });
    for (let i = 4; i + 1 < args.length; i += 2) db.hset(job, { [args[i]!]: args[i + 1]! });
    db.zrem(due, args[2]!);
    if (Number(args[3]) > 0) db.pexpire(job, Number(args[3]));
    return 1;
  },
  decode: (r) => r === 1,
});

/**
 * KEYS: job hash, due zset, given-up zset. ARGV: now, fence, jobId, error, next attempt at, max attempts.
 * Reply: 1 rescheduled, 2 given up, 0 stale fence.
 */
export const failScript = defineScript<'rescheduled' | 'given_up' | 'stale'>({
  name: 'sud_fail',
  numberOfKeys: 3,
  lua: `
if redis.call('HGET', KEYS[1], 'fence') ~= ARGV[2] or redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'lastError', ARGV[4], 'updatedAt', ARGV[1])
if attempts >= tonumber(ARGV[6]) then
  redis.call('HSET', KEYS[1], 'state', 'given_up')
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[1], ARGV[3])
  return 2
end
redis.call('HSET', KEYS[1], 'state', 'pending')
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3])
return 1
`,
  local(db, keys, args) {
    const [job, due, gaveUp] = keys as [string, string, string];
    if (db.hget(job, 'fence') !== args[1] || db.hget(job, 'state') !== 'running') return 0;
    const attempts = db.hincrby(job, 'attempts', 1);
    db.hset(job, { lastError: args[3]!, updatedAt: args[0]! });
    if (attempts >= Number(args[5])) {
      db.hset(job, { state: 'given_up' });
      db.zrem(due, args[2]!);
      db.zadd(gaveUp, [[Number(args[0]), args[2]!]]);
      return 2;
    }
    db.hset(job, { state: 'pending' });
    db.zadd(due, [[Number(args[4]), args[2]!]]);
    return 1;
  },
  decode: (r) => (r === 2 ? 'given_up' : r === 1 ? 'rescheduled' : 'stale'),
});

/** KEYS: job hash, due zset, given-up zset. ARGV: now, jobId. Reply 1 requeued, 0 not given up. */
export const retryScript = defineScript<boolean>({
  name: 'sud_retry',
  numberOfKeys: 3,
  lua: `
if redis.call('HGET', KEYS[1], 'state') ~= 'given_up' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'pending', 'attempts', 0, 'updatedAt', ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
`,
  local(db, keys, args) {
    const [job, due, gaveUp] = keys as [string, string, string];
    if (db.hget(job, 'state') !== 'given_up') return 0;
    db.hset(job, { state: 'pending', attempts: '0', updatedAt: args[0]! });
    db.zadd(due, [[Number(args[0]), args[1]!]]);
    db.zrem(gaveUp, args[1]!);
    return 1;
  },
  decode: (r) => r === 1,
});
