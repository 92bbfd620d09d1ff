/**
 * The ledger's revocation steps: a platform taking an order back after it was granted (a GameCenter order
 * reset after payment). Recording the revocation and queueing the game's `onRevoked` call are one atomic
 * step, so the handler is queued exactly once however many processes see the reset; the queue is a leased
 * job queue like the grants' (one holder at a time, taken over with a higher fence after a crash).
 */
import { defineScript } from '../store/defineScript.js';
import { leaseScripts } from '../workers/lease/scripts.js';
import { journalLocal, journalLua } from './journal.js';

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
 * KEYS: order hash, due zset, given-up zset, revocation job hash, revocation due zset, journal.
 * ARGV: now, member, reason, journal entry, journal max, journal ttl.
 * Reply: an index into {@link REPLIES}.
 */
export const revokeScript = defineScript<RevokeOutcome>({
  name: 'ledger_revoke',
  numberOfKeys: 6,
  lua: `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
if state == 'revoked' then return 5 end
if state == 'granting' then return 2 end
if state == 'pending' or state == 'given_up' then
  redis.call('HSET', KEYS[1], 'state', 'cancelled', 'reason', ARGV[3], 'updatedAt', ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
  redis.call('ZREM', KEYS[3], ARGV[2])
  ${journalLua('KEYS[6]', 'ARGV[4]', 'ARGV[5]', 'ARGV[6]')}
  return 4
end
if state ~= 'granted' then return 3 end
redis.call('HSET', KEYS[1], 'state', 'revoked', 'reason', ARGV[3], 'revokedAt', ARGV[1], 'updatedAt', ARGV[1])
redis.call('HSET', KEYS[4], 'state', 'pending', 'attempts', '0', 'fence', '0', 'createdAt', ARGV[1], 'updatedAt', ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[1], ARGV[2])
${journalLua('KEYS[6]', 'ARGV[4]', 'ARGV[5]', 'ARGV[6]')}
return 1
`,
  local(db, keys, args) {
    const [order, due, gaveUp, job, jobDue, journal] = keys as [string, string, string, string, string, string];
    const [now, member, reason, note, max, ttl] = args as [string, string, string, string, string, string];
    const state = db.hget(order, 'state');
    if (state === null) return 0;
    if (state === 'revoked') return 5;
    if (state === 'granting') return 2;
    if (state === 'pending' || state === 'given_up') {
      db.hset(order, { state: 'cancelled', reason, updatedAt: now });
      db.zrem(due, member);
      db.zrem(gaveUp, member);
      journalLocal(db, journal, note, max, ttl);
      return 4;
    }
    if (state !== 'granted') return 3;
    db.hset(order, { state: 'revoked', reason, revokedAt: now, updatedAt: now });
    db.hset(job, { state: 'pending', attempts: '0', fence: '0', createdAt: now, updatedAt: now });
    db.zadd(jobDue, [[Number(now), member]]);
    journalLocal(db, journal, note, max, ttl);
    return 1;
  },
  decode: (r) => REPLIES[Number(r)] ?? 'not-found',
});

/**
 * KEYS: revocation job hash, revocation due zset, journal. ARGV: now, fence, member, journal entry, max, ttl.
 * Records that `onRevoked` finished, if the fence is still ours. Reply 1 recorded, 0 stale fence.
 */
export const revokeDoneScript = defineScript<boolean>({
  name: 'ledger_revoke_done',
  numberOfKeys: 3,
  lua: `
${revokeLease.guard.lua}
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'state', 'done', 'doneAt', ARGV[1], 'updatedAt', ARGV[1])
redis.call('HDEL', KEYS[1], 'leaseOwner', 'leaseUntil')
redis.call('ZREM', KEYS[2], ARGV[3])
${journalLua('KEYS[3]', 'ARGV[4]', 'ARGV[5]', 'ARGV[6]')}
return 1
`,
  local(db, keys, args) {
    const [job, due, journal] = keys as [string, string, string];
    if (!revokeLease.guard.held(db, job, args[1])) return 0;
    db.hincrby(job, 'attempts', 1);
    db.hset(job, { state: 'done', doneAt: args[0]!, updatedAt: args[0]! });
    db.hdel(job, 'leaseOwner', 'leaseUntil');
    db.zrem(due, args[2]!);
    journalLocal(db, journal, args[3]!, args[4]!, args[5]!);
    return 1;
  },
  decode: (r) => r === 1,
});
