/**
 * The ledger's revocation steps: a platform taking an order back after it was granted (a GameCenter order
 * reset after payment). Recording the revocation and queueing the game's `onRevoked` call are one atomic
 * step, so the handler is queued exactly once however many processes see the reset; the queue is a leased
 * job queue like the grants' (one holder at a time, taken over with a higher fence after a crash).
 */
import { defineScript } from '../store/defineScript.js';
import { leaseScripts } from '../workers/lease/scripts.js';
import { nextEntryLocal, nextEntryLua } from './orderJournal.js';
import { LUA_TOMBSTONES, localTombstones } from './tombstones.js';

/** Lease steps of the revocation queue: a job is `revoking` while a process runs `onRevoked`. */
export const revokeLease = leaseScripts({ name: 'ledger_revoke', leased: 'revoking', recordsHolder: true, returnsHash: false });

export type RevokeOutcome =
  /** it was granted: now `revoked`, and `onRevoked` is queued */
  | 'revoked'
  /** revoked before (here or on another process): nothing changed */
  | 'already-revoked'
  /** it was never granted (pending or given up): cancelled instead, nothing to claw back */
  | 'cancelled'
  /** its grant is running right now: ask again when it has finished */
  | 'in-progress'
  /** cancelled or declined already: nothing was granted */
  | 'already-terminal'
  | 'not-found';

const REPLIES: readonly RevokeOutcome[] = ['not-found', 'revoked', 'in-progress', 'already-terminal', 'cancelled', 'already-revoked'];

/**
 * KEYS: order hash, due zset, given-up zset, revocation job hash, revocation due zset, the tombstones' shard layout.
 * ARGV: now, member, reason, journal entry, journal max, record ms, dedupe ms.
 * Either way the order is finished (revoked, or cancelled instead): its retention starts (TTL, tombstone).
 * Reply: an index into {@link REPLIES}.
 */
export const revokeScript = defineScript<RevokeOutcome>({
  name: 'ledger_revoke',
  numberOfKeys: 6,
  prelude: LUA_TOMBSTONES,
  lua: `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
if state == 'revoked' then return 5 end
if state == 'granting' then return 2 end
if state ~= 'granted' and state ~= 'pending' and state ~= 'given_up' then return 3 end
${nextEntryLua('KEYS[1]', 'ARGV[5]')}
local final = 'cancelled'
if state == 'granted' then
  final = 'revoked'
  redis.call('HSET', KEYS[1], 'state', 'revoked', 'reason', ARGV[3], 'revokedAt', ARGV[1], 'updatedAt', ARGV[1], jfield, ARGV[4])
  redis.call('HSET', KEYS[4], 'state', 'pending', 'attempts', '0', 'fence', '0', 'createdAt', ARGV[1], 'updatedAt', ARGV[1])
  redis.call('ZADD', KEYS[5], ARGV[1], ARGV[2])
else
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'reason', ARGV[3], 'updatedAt', ARGV[1], jfield, ARGV[4])
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('ZREM', KEYS[3], ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
putTombstone(KEYS[6], ARGV[2], final, ARGV[1], ARGV[7])
if final == 'revoked' then return 1 end
return 4
`,
  local(db, keys, args) {
    const [order, due, gaveUp, job, jobDue, layout] = keys as [string, string, string, string, string, string];
    const [now, member, reason, note, max, recordMs, dedupeMs] = args as [string, string, string, string, string, string, string];
    const state = db.hget(order, 'state');
    if (state === null) return 0;
    if (state === 'revoked') return 5;
    if (state === 'granting') return 2;
    if (state !== 'granted' && state !== 'pending' && state !== 'given_up') return 3;
    const jfield = nextEntryLocal(db, order, max);
    const final = state === 'granted' ? 'revoked' : 'cancelled';
    if (final === 'revoked') {
      db.hset(order, { state: 'revoked', reason, revokedAt: now, updatedAt: now, [jfield]: note });
      db.hset(job, { state: 'pending', attempts: '0', fence: '0', createdAt: now, updatedAt: now });
      db.zadd(jobDue, [[Number(now), member]]);
    } else {
      db.hset(order, { state: 'cancelled', reason, updatedAt: now, [jfield]: note });
      db.zrem(due, member);
      db.zrem(gaveUp, member);
    }
    db.pexpire(order, Number(recordMs));
    localTombstones.put(db, layout, member, final, Number(now), Number(dedupeMs));
    return final === 'revoked' ? 1 : 4;
  },
  decode: (r) => REPLIES[Number(r)] ?? 'not-found',
});

/**
 * KEYS: revocation job hash, revocation due zset, the order hash. ARGV: now, fence, member, journal entry,
 * max, record ms. Records that `onRevoked` finished, if the fence is still ours; the job is then kept as
 * long as a finished order's record. Reply 1 recorded, 0 stale fence.
 */
export const revokeDoneScript = defineScript<boolean>({
  name: 'ledger_revoke_done',
  numberOfKeys: 3,
  lua: `
${revokeLease.guard.lua}
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'state', 'done', 'doneAt', ARGV[1], 'updatedAt', ARGV[1])
redis.call('HDEL', KEYS[1], 'leaseOwner', 'leaseUntil')
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('ZREM', KEYS[2], ARGV[3])
if redis.call('EXISTS', KEYS[3]) == 1 then
  ${nextEntryLua('KEYS[3]', 'ARGV[5]')}
  redis.call('HSET', KEYS[3], jfield, ARGV[4])
end
return 1
`,
  local(db, keys, args) {
    const [job, due, order] = keys as [string, string, string];
    if (!revokeLease.guard.held(db, job, args[1])) return 0;
    db.hincrby(job, 'attempts', 1);
    db.hset(job, { state: 'done', doneAt: args[0]!, updatedAt: args[0]! });
    db.hdel(job, 'leaseOwner', 'leaseUntil');
    db.pexpire(job, Number(args[5]));
    db.zrem(due, args[2]!);
    if (db.exists(order)) db.hset(order, { [nextEntryLocal(db, order, args[4]!)]: args[3]! });
    return 1;
  },
  decode: (r) => r === 1,
});
