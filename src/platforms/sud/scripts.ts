/**
 * The atomic steps of SUD intake and processing. Recording is one script so that "this notify_id is new"
 * and "its job exists" can never be seen half-done by a second process; jobs are then run under the lease
 * and fence every job queue shares (workers/lease/scripts.ts): a job whose process dies comes back when its
 * lease ends, and a late answer from a process that lost its lease is ignored.
 */
import { defineScript } from '../../store/defineScript.js';
import type { MemoryDb } from '../../store/MemoryDb.js';
import type { ScriptReply } from '../../store/Store.js';
import { LUA_CLOCK, leaseScripts } from '../../workers/lease/scripts.js';

/**
 * The job queue's lease steps: a job is `running` while a process runs its handler. A claim returns the
 * job's hash, which is all a holder needs to run it.
 */
const JOB_LEASED = 'running';
export const jobLease = leaseScripts({ name: 'sud', leased: JOB_LEASED, recordsHolder: false, returnsHash: true });

export type RecordOutcome =
  /** a new notification and a new job */
  | 'new'
  /** this notify_id was recorded before: nothing changed */
  | 'duplicate-notify'
  /** the notification is recorded, but its job (the same match) already existed */
  | 'duplicate-job'
  /** its job finished so long ago that only its tombstone is left: nothing recorded */
  | 'duplicate-tombstone';

/**
 * KEYS: notify hash (the job hash again for a room report), job hash, due zset, the job's tombstone.
 * ARGV: now, notifyId ('' for a room report), raw body, event, jobId, kind, idempotency key, payload JSON,
 *       source, room id, record ms (how long the notify hash is kept), create job ('1' | '0'), lease ms,
 *       recorder token (with a lease: stored as `recordedBy`, so the recorder can hand back a job it never
 *       started).
 *
 * The raw body is stored once. A job a notification creates keeps the body itself (`body`), and its
 * settlement or event is read from it by the same parse that answered SUD, so a retry sees exactly what
 * the first run saw; its notify hash then points to the job. A notification whose job already existed
 * (or that has none) keeps its body in its notify hash. A room report has no body: its job keeps the
 * report as `payload` JSON.
 *
 * A new job is recorded due now, or, with a lease ms above 0, already leased to the recording process
 * (state `running`, fence 1, due again when the lease ends on the store's clock), as a claim would leave it: that process runs
 * it at once without a claim's round trip, and if it dies, the job is taken over like any expired lease.
 *
 * A job that finished and whose record expired leaves its tombstone (see {@link completeScript}) until
 * `dedupeDays`: a notification or report of it then records nothing at all (code 3, state `done`).
 * Reply: {code, state} with code 1 new, 0 duplicate notify, 2 duplicate job, 3 tombstone.
 */
export const recordScript = defineScript<{ outcome: RecordOutcome; state: string }>({
  name: 'sud_record',
  numberOfKeys: 4,
  lua: `
local fromSud = ARGV[2] ~= ''
if fromSud and redis.call('EXISTS', KEYS[1]) == 1 then return {0, redis.call('HGET', KEYS[1], 'job') or ''} end
local code, state, bodyInJob = 1, 'none', false
if ARGV[12] == '1' then
  local existing = redis.call('HGET', KEYS[2], 'state')
  if existing then
    code, state = 2, existing
  elseif redis.call('EXISTS', KEYS[4]) == 1 then
    return {3, 'done'}
  else
    local leaseMs = tonumber(ARGV[13] or '0')
    local fence, dueAt = 0, ARGV[1]
    state = 'pending'
    if leaseMs > 0 then
      ${LUA_CLOCK}
      state, fence, dueAt = '${JOB_LEASED}', 1, clock + leaseMs
    end
    local content, value = 'payload', ARGV[8]
    if fromSud then content, value, bodyInJob = 'body', ARGV[3], true end
    -- one HSET per job, the recorder token in it: a redis.call costs Redis more than the fields it writes
    local fields = {'state', state, 'kind', ARGV[6], 'key', ARGV[7], content, value, 'source', ARGV[9],
      'roomId', ARGV[10], 'notifyId', ARGV[2], 'fence', fence, 'attempts', 0, 'createdAt', ARGV[1], 'updatedAt', ARGV[1]}
    if leaseMs > 0 and ARGV[14] and ARGV[14] ~= '' then fields[#fields + 1], fields[#fields + 2] = 'recordedBy', ARGV[14] end
    redis.call('HSET', KEYS[2], unpack(fields))
    redis.call('ZADD', KEYS[3], dueAt, ARGV[5])
  end
end
if fromSud then
  if bodyInJob then
    redis.call('HSET', KEYS[1], 'event', ARGV[4], 'job', ARGV[5], 'receivedAt', ARGV[1])
  else
    redis.call('HSET', KEYS[1], 'body', ARGV[3], 'event', ARGV[4], 'job', ARGV[5], 'receivedAt', ARGV[1])
  end
  local ttl = tonumber(ARGV[11])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
return {code, state}
`,
  local(db: MemoryDb, keys, args): ScriptReply {
    const [notify, job, due, tombstone] = keys as [string, string, string, string];
    const [now, notifyId, body, event, jobId, kind, key, payload, source, roomId, ttlText, createJob, leaseText, recorder] = args as string[] as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string | undefined,
    ];
    const fromSud = notifyId !== '';
    if (fromSud && db.exists(notify)) return [0, db.hget(notify, 'job') ?? ''];
    let code = 1;
    let state = 'none';
    let bodyInJob = false;
    if (createJob === '1') {
      const existing = db.hget(job, 'state');
      if (existing !== null) {
        code = 2;
        state = existing;
      } else if (db.exists(tombstone)) {
        return [3, 'done'];
      } else {
        const leaseMs = Number(leaseText ?? 0);
        const leased = leaseMs > 0;
        state = leased ? JOB_LEASED : 'pending';
        const content: Record<string, string> = fromSud ? { body } : { payload };
        bodyInJob = fromSud;
        db.hset(job, {
          state,
          kind,
          key,
          ...content,
          source,
          roomId,
          notifyId,
          fence: leased ? '1' : '0',
          attempts: '0',
          createdAt: now,
          updatedAt: now,
          ...(leased && recorder ? { recordedBy: recorder } : {}),
        });
        db.zadd(due, [[leased ? db.time() + leaseMs : Number(now), jobId]]);
      }
    }
    if (fromSud) {
      db.hset(notify, bodyInJob ? { event, job: jobId, receivedAt: now } : { body, event, job: jobId, receivedAt: now });
      const ttl = Number(ttlText);
      if (ttl > 0) db.pexpire(notify, ttl);
    }
    return [code, state];
  },
  decode: (r) => {
    const [code, state] = r as [number, string];
    return { outcome: code === 1 ? 'new' : code === 2 ? 'duplicate-job' : code === 3 ? 'duplicate-tombstone' : 'duplicate-notify', state };
  },
});

/**
 * KEYS: job hash, due zset. ARGV: now, jobId, recorder token.
 * Hands back a job this process recorded leased to itself but never started (the record's answer was lost:
 * Redis stalled past the command timeout, and the platform got "retry later"): still under its first lease,
 * never attempted, recorded by this token. It becomes due now, unleased, so its first run is attempt 1 as
 * soon as Redis is back instead of a takeover (attempt 2) when the lease runs out.
 * Reply 1 handed back, 0 no such job (the record never landed), 2 not ours or already started.
 */
export const unleaseScript = defineScript<'released' | 'absent' | 'started'>({
  name: 'sud_unlease',
  numberOfKeys: 2,
  lua: `
local h = redis.call('HMGET', KEYS[1], 'state', 'fence', 'attempts', 'recordedBy')
if not h[1] then return 0 end
if h[1] ~= '${JOB_LEASED}' or h[2] ~= '1' or h[3] ~= '0' or h[4] ~= ARGV[3] then return 2 end
redis.call('HSET', KEYS[1], 'state', 'pending', 'fence', 0, 'updatedAt', ARGV[1])
redis.call('HDEL', KEYS[1], 'recordedBy')
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
return 1
`,
  local(db, keys, args) {
    const [job, due] = keys as [string, string];
    const state = db.hget(job, 'state');
    if (state === null) return 0;
    if (state !== JOB_LEASED || db.hget(job, 'fence') !== '1' || db.hget(job, 'attempts') !== '0' || db.hget(job, 'recordedBy') !== args[2]) return 2;
    db.hset(job, { state: 'pending', fence: '0', updatedAt: args[0]! });
    db.hdel(job, 'recordedBy');
    db.zadd(due, [[Number(args[0]), args[1]!]]);
    return 1;
  },
  decode: (r) => (r === 1 ? 'released' : r === 0 ? 'absent' : 'started'),
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
${jobLease.guard.lua}
redis.call('HSET', KEYS[1], ARGV[3], ARGV[4], 'updatedAt', ARGV[1])
return 1
`,
  local(db, keys, args) {
    const [job] = keys as [string];
    if (!jobLease.guard.held(db, job, args[1])) return 0;
    db.hset(job, { [args[2]!]: args[3]!, updatedAt: args[0]! });
    return 1;
  },
  decode: (r) => r === 1,
});

/** What a tombstone holds: the job's final state as a small integer (Redis shares those: no value bytes). */
export const TOMBSTONE_DONE = '1';

/**
 * KEYS: job hash, due zset, the job's tombstone. ARGV: now, fence, jobId, record ms, dedupe ms, then
 * field/value pairs of finished steps (`handled`, `delivered`) recorded in the same step.
 * The job is done: its full record is kept `record ms` from now, and its tombstone (`1`, done) `dedupe ms`,
 * so a duplicate arriving after the record expired still records and runs nothing. When it finished is
 * the tombstone's expiry time less `dedupe ms`. Reply 1 done, 0 stale fence.
 */
export const completeScript = defineScript<boolean>({
  name: 'sud_complete',
  numberOfKeys: 3,
  // the fence guard of jobLease.guard, reading `attempts` in the same HMGET: one call fewer than HINCRBY after it
  lua: `
local lease = redis.call('HMGET', KEYS[1], 'fence', 'state', 'attempts')
if lease[1] ~= ARGV[2] or lease[2] ~= '${JOB_LEASED}' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'attempts', (tonumber(lease[3]) or 0) + 1, 'doneAt', ARGV[1], 'updatedAt', ARGV[1], unpack(ARGV, 6))
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('SET', KEYS[3], '${TOMBSTONE_DONE}', 'PX', ARGV[5])
return 1
`,
  local(db, keys, args) {
    const [job, due, tombstone] = keys as [string, string, string];
    if (!jobLease.guard.held(db, job, args[1])) return 0;
    const attempts = Number(db.hget(job, 'attempts') ?? 0);
    db.hset(job, { state: 'done', attempts: String((Number.isFinite(attempts) ? attempts : 0) + 1), doneAt: args[0]!, updatedAt: args[0]! });
    for (let i = 5; i + 1 < args.length; i += 2) db.hset(job, { [args[i]!]: args[i + 1]! });
    db.zrem(due, args[2]!);
    db.pexpire(job, Number(args[3]));
    db.set(tombstone, TOMBSTONE_DONE, { px: Number(args[4]) });
    return 1;
  },
  decode: (r) => r === 1,
});
