/**
 * The step that records a grant: the outcome, the delivery (in the player's inbox, or handed over to their
 * room here) and the record's retention, under the lease's fence, in one script.
 */
import { defineScript } from '../store/defineScript.js';
import { LUA_CLOCK } from '../workers/lease/scripts.js';
import { JOURNAL_COUNT_FIELD } from './orderJournal.js';
import { grantLease } from './scripts.js';
import { LUA_TOMBSTONES, localTombstones } from './tombstones.js';

/**
 * KEYS: order hash, due zset, the player's inbox hash, the waiting set, the tombstones' shard layout, the player's
 * unacknowledged grants (the inbox again when not handing over).
 * ARGV: 1 now, 2 fence, 3 member, 4 result JSON, 5 delivery JSON, 6 journal entry, 7 max entries, 8 record
 * ms, 9 dedupe ms, then the delivery notice: 10 channel, 11 user id, 12 message; then 13 the `delivered`
 * journal entry of a hand-over ('' for none), 14 how long the unacknowledged grant is kept.
 * Records the grant if the fence is still ours, and in the same step puts the delivery in the player's
 * inbox (kept `recordDays`, like the order, for a player who never comes back), the player in the waiting
 * set (at the store's clock, which the delivery sweep reads by), starts the record's retention (its TTL
 * and tombstone) and publishes the notice, so a granted order is never without its delivery and costs no
 * second round trip to announce (a PUBLISH from a script is allowed on a Cluster too). Reply 1 recorded,
 * 0 stale fence.
 *
 * A hand-over (the player is connected to the recording process, whose room sends the default message at
 * once and keeps it until acknowledged; see `HandOver`): the delivery goes straight to the player's
 * unacknowledged grants and the journal gets `delivered` too, instead of the inbox, the waiting set and the
 * notice, since no other process has to find it; the caller sends it when this step returns.
 */
export const completeScript = defineScript<boolean>({
  name: 'ledger_complete',
  numberOfKeys: 6,
  prelude: LUA_TOMBSTONES,
  lua: `
local h = redis.call('HMGET', KEYS[1], 'fence', 'state', 'attempts', '${JOURNAL_COUNT_FIELD}')
if h[1] ~= ARGV[2] or h[2] ~= 'granting' then return 0 end
local handed = ARGV[13] ~= ''
local n = tonumber(h[4] or '0') + 1
local last = n
if handed then last = n + 1 end
local drop = {'leaseOwner', 'leaseUntil'}
for k = n, last do
  if k - tonumber(ARGV[7]) + 1 > 1 then drop[#drop + 1] = 'j' .. (k - tonumber(ARGV[7]) + 1) end
end
local fields = {'state', 'granted', 'grantedAt', ARGV[1], 'updatedAt', ARGV[1], 'result', ARGV[4], 'attempts', tonumber(h[3] or '0') + 1, '${JOURNAL_COUNT_FIELD}', last, 'j' .. n, ARGV[6]}
if handed then
  fields[#fields + 1] = 'j' .. last
  fields[#fields + 1] = ARGV[13]
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HDEL', KEYS[1], unpack(drop))
redis.call('PEXPIRE', KEYS[1], ARGV[8])
putTombstone(KEYS[5], ARGV[3], 'granted', ARGV[1], ARGV[9])
redis.call('ZREM', KEYS[2], ARGV[3])
if handed then
  redis.call('HSET', KEYS[6], ARGV[3], ARGV[5])
  redis.call('PEXPIRE', KEYS[6], ARGV[14])
  return 1
end
${LUA_CLOCK}
redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[8])
redis.call('ZADD', KEYS[4], clock, ARGV[11])
redis.call('PUBLISH', ARGV[10], ARGV[12])
return 1
`,
  local(db, keys, args) {
    const [order, due, inbox, waiting, layout, unacked] = keys as [string, string, string, string, string, string];
    if (!grantLease.guard.held(db, order, args[1])) return 0;
    const handed = (args[12] ?? '') !== '';
    const n = Number(db.hget(order, JOURNAL_COUNT_FIELD) ?? 0) + 1;
    const last = handed ? n + 1 : n;
    const attempts = Number(db.hget(order, 'attempts') ?? 0) + 1;
    const values: Record<string, string | number> = { state: 'granted', grantedAt: args[0]!, updatedAt: args[0]!, result: args[3]!, attempts, [JOURNAL_COUNT_FIELD]: last, [`j${n}`]: args[5]! };
    if (handed) values[`j${last}`] = args[12]!;
    db.hset(order, values);
    const drop = ['leaseOwner', 'leaseUntil'];
    for (let k = n; k <= last; k++) if (k - Number(args[6]) + 1 > 1) drop.push(`j${k - Number(args[6]) + 1}`);
    db.hdel(order, ...drop);
    db.pexpire(order, Number(args[7]));
    localTombstones.put(db, layout, args[2]!, 'granted', Number(args[0]), Number(args[8]));
    db.zrem(due, args[2]!);
    if (handed) {
      db.hset(unacked, { [args[2]!]: args[4]! });
      db.pexpire(unacked, Number(args[13]));
      return 1;
    }
    db.hset(inbox, { [args[2]!]: args[4]! });
    db.pexpire(inbox, Number(args[7]));
    db.zadd(waiting, [[db.time(), args[10]!]]);
    db.publish(args[9]!, args[11]!);
    return 1;
  },
  decode: (r) => r === 1,
});
