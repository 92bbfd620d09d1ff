/**
 * Atomic steps of transfer tracking. The reference guard makes one game reference pay at most once; claims
 * lease transfers to one poller at a time under a fence, and every outcome is applied only under that
 * fence, which is what lets the final outcome reach the handler once even with several pollers.
 */
import { defineScript } from '../../../store/defineScript.js';
import { inPlaceLeaseClaim, type LeaseClaim } from '../../../workers/lease/scripts.js';

/**
 * KEYS: the reference's key, the legacy refs hash. ARGV: reference.
 * Takes a reference for a new payout ('pending' while transfer.new runs). A reference is used while its key
 * lives, or while the refs hash of earlier versions (one field per reference, no longer written) names it.
 * Reply: nil when taken, else what holds it (a transfer id, 'pending' or 'unknown').
 */
export const reserveReferenceScript = defineScript<string | null>({
  name: 'gc_transfer_reserve',
  numberOfKeys: 2,
  lua: `
local held = redis.call('GET', KEYS[1]) or redis.call('HGET', KEYS[2], ARGV[1])
if held then return held end
redis.call('SET', KEYS[1], 'pending')
return false
`,
  local(db, keys, args) {
    const [ref, legacy] = keys as [string, string];
    const held = db.get(ref) ?? db.hget(legacy, args[0]!);
    if (held !== null) return held;
    db.set(ref, 'pending');
    return null;
  },
  decode: (r) => (r === null ? null : String(r)),
});

/**
 * KEYS: transfer hash, due, the reference's key. ARGV: now, transferId, reference, firstCheckAt, then
 * field/value pairs. Records a transfer transfer.new created and ties the reference to it.
 */
export const recordTransferScript = defineScript<number>({
  name: 'gc_transfer_record',
  numberOfKeys: 3,
  lua: `
local fields = {'state', 'open', 'fence', '0', 'checks', '0', 'createdAt', ARGV[1], 'updatedAt', ARGV[1], 'transferId', ARGV[2], 'reference', ARGV[3]}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
redis.call('SET', KEYS[3], ARGV[2])
return 1
`,
  local(db, keys, args) {
    const [transfer, due, ref] = keys as [string, string, string];
    const [now, id, reference, firstCheckAt, ...pairs] = args as [string, string, string, string, ...string[]];
    const values: Record<string, string> = { state: 'open', fence: '0', checks: '0', createdAt: now, updatedAt: now, transferId: id, reference };
    for (let i = 0; i + 1 < pairs.length; i += 2) values[pairs[i]!] = pairs[i + 1]!;
    db.hset(transfer, values);
    db.zadd(due, [[Number(firstCheckAt), id]]);
    db.set(ref, id);
    return 1;
  },
});

export interface ClaimedTransfer {
  transferId: string;
  fence: number;
  state: 'open' | 'reporting';
  createdAt: number;
  reference: string;
}

/**
 * KEYS: due. ARGV: now, limit, leaseMs, transfer key prefix. The shared lease claim, with the transfer's
 * state ('open' or 'reporting') kept while it is leased; the lease ends on the store's clock.
 */
export const claimTransfersScript = inPlaceLeaseClaim({ name: 'gc_transfer', claimable: ['open', 'reporting'], returnsFields: ['createdAt', 'reference'] });

export function claimedTransfer(c: LeaseClaim): ClaimedTransfer {
  return { transferId: c.id, fence: c.fence, state: c.previous as ClaimedTransfer['state'], createdAt: Number(c.hash?.createdAt), reference: c.hash?.reference ?? '' };
}

/**
 * KEYS: transfer hash, due, the reference's key. ARGV: now, fence, transferId, new state, nextAt ('' = leave
 * the schedule), record ms, dedupe ms, then field/value pairs to store. Applies only while the transfer is
 * still held under `fence` and not reported. Reported is final: the record expires after record ms and
 * the reference (still used, so never paid again) after dedupe ms. Reply 1 applied, 0 stale.
 */
export const settleTransferScript = defineScript<boolean>({
  name: 'gc_transfer_settle',
  numberOfKeys: 3,
  lua: `
local state = redis.call('HGET', KEYS[1], 'state')
if (state ~= 'open' and state ~= 'reporting') or tostring(redis.call('HGET', KEYS[1], 'fence')) ~= ARGV[2] then return 0 end
local fields = {'state', ARGV[4], 'updatedAt', ARGV[1]}
for i = 8, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[5] == '' then redis.call('ZREM', KEYS[2], ARGV[3]) else redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3]) end
if ARGV[4] == 'reported' then
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  if redis.call('EXISTS', KEYS[3]) == 0 then redis.call('SET', KEYS[3], ARGV[3]) end
  redis.call('PEXPIRE', KEYS[3], ARGV[7])
end
return 1
`,
  local(db, keys, args) {
    const [transfer, due, ref] = keys as [string, string, string];
    const [now, fence, id, state, nextAt, recordMs, dedupeMs, ...pairs] = args as [string, string, string, string, string, string, string, ...string[]];
    const cur = db.hget(transfer, 'state');
    if ((cur !== 'open' && cur !== 'reporting') || db.hget(transfer, 'fence') !== fence) return 0;
    const values: Record<string, string> = { state, updatedAt: now };
    for (let i = 0; i + 1 < pairs.length; i += 2) values[pairs[i]!] = pairs[i + 1]!;
    db.hset(transfer, values);
    if (nextAt === '') db.zrem(due, id);
    else db.zadd(due, [[Number(nextAt), id]]);
    if (state === 'reported') {
      db.pexpire(transfer, Number(recordMs));
      if (!db.exists(ref)) db.set(ref, id);
      db.pexpire(ref, Number(dedupeMs));
    }
    return 1;
  },
  decode: (r) => r === 1,
});
