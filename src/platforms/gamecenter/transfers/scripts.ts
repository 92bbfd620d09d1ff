/**
 * Atomic steps of transfer tracking. The reference guard makes one game reference pay at most once; claims
 * lease transfers to one poller at a time under a fence, and every outcome is applied only under that
 * fence, which is what lets the final outcome reach the handler once even with several pollers.
 */
import { defineScript } from '../../../store/defineScript.js';
import { inPlaceLeaseClaim, type LeaseClaim } from '../../../workers/lease/scripts.js';

/**
 * KEYS: transfer hash, due, refs. ARGV: now, transferId, reference, firstCheckAt, then field/value pairs.
 * Records a transfer transfer.new created and ties the reference to it.
 */
export const recordTransferScript = defineScript<number>({
  name: 'gc_transfer_record',
  numberOfKeys: 3,
  lua: `
local fields = {'state', 'open', 'fence', '0', 'checks', '0', 'createdAt', ARGV[1], 'updatedAt', ARGV[1], 'transferId', ARGV[2], 'reference', ARGV[3]}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[2])
return 1
`,
  local(db, keys, args) {
    const [transfer, due, refs] = keys as [string, string, string];
    const [now, id, reference, firstCheckAt, ...pairs] = args as [string, string, string, string, ...string[]];
    const values: Record<string, string> = { state: 'open', fence: '0', checks: '0', createdAt: now, updatedAt: now, transferId: id, reference };
    for (let i = 0; i + 1 < pairs.length; i += 2) values[pairs[i]!] = pairs[i + 1]!;
    db.hset(transfer, values);
    db.zadd(due, [[Number(firstCheckAt), id]]);
    db.hset(refs, { [reference]: id });
    return 1;
  },
});

export interface ClaimedTransfer {
  transferId: string;
  fence: number;
  state: 'open' | 'reporting';
  createdAt: number;
}

/**
 * KEYS: due. ARGV: now, limit, leaseMs, transfer key prefix. The shared lease claim, with the transfer's
 * state ('open' or 'reporting') kept while it is leased; the lease ends on the store's clock.
 */
export const claimTransfersScript = inPlaceLeaseClaim({ name: 'gc_transfer', claimable: ['open', 'reporting'], returnsFields: ['createdAt'] });

export function claimedTransfer(c: LeaseClaim): ClaimedTransfer {
  return { transferId: c.id, fence: c.fence, state: c.previous as ClaimedTransfer['state'], createdAt: Number(c.hash?.createdAt) };
}

/**
 * KEYS: transfer hash, due. ARGV: now, fence, transferId, new state, nextAt ('' = leave the schedule),
 * then field/value pairs to store. Applies only while the transfer is still held under `fence` and not
 * reported. Reply 1 applied, 0 stale.
 */
export const settleTransferScript = defineScript<boolean>({
  name: 'gc_transfer_settle',
  numberOfKeys: 2,
  lua: `
local state = redis.call('HGET', KEYS[1], 'state')
if (state ~= 'open' and state ~= 'reporting') or tostring(redis.call('HGET', KEYS[1], 'fence')) ~= ARGV[2] then return 0 end
local fields = {'state', ARGV[4], 'updatedAt', ARGV[1]}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
if ARGV[5] == '' then redis.call('ZREM', KEYS[2], ARGV[3]) else redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3]) end
return 1
`,
  local(db, keys, args) {
    const [transfer, due] = keys as [string, string];
    const [now, fence, id, state, nextAt, ...pairs] = args as [string, string, string, string, string, ...string[]];
    const cur = db.hget(transfer, 'state');
    if ((cur !== 'open' && cur !== 'reporting') || db.hget(transfer, 'fence') !== fence) return 0;
    const values: Record<string, string> = { state, updatedAt: now };
    for (let i = 0; i + 1 < pairs.length; i += 2) values[pairs[i]!] = pairs[i + 1]!;
    db.hset(transfer, values);
    if (nextAt === '') db.zrem(due, id);
    else db.zadd(due, [[Number(nextAt), id]]);
    return 1;
  },
  decode: (r) => r === 1,
});
