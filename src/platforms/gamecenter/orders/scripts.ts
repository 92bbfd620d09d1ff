/**
 * Atomic steps of order polling. Registering writes the order and its first check time together; a claim
 * (the shared lease claim) takes due orders, pushes each one's time past a lease and bumps its fence in one step, so two processes
 * never check one order at once and a dead checker's orders come back when the lease ends; settling
 * applies an outcome only under the fence it was claimed with.
 */
import { defineScript } from '../../../store/defineScript.js';
import { inPlaceLeaseClaim, type LeaseClaim } from '../../../workers/lease/scripts.js';

/**
 * KEYS: order hash, due, tombstone. ARGV: now, orderId, firstCheckAt, then field/value pairs.
 * Reply: 1 registered, 0 known already, or the tombstone (`state|firstSeenAt|userId`) of an order whose
 * record expired: it is known, and not polled again, until the tombstone expires too.
 */
export const registerOrderScript = defineScript<boolean | string>({
  name: 'gc_order_register',
  numberOfKeys: 3,
  lua: `
if redis.call('HEXISTS', KEYS[1], 'state') == 1 then return 0 end
local done = redis.call('GET', KEYS[3])
if done then return done end
local fields = {'state', 'polling', 'firstSeenAt', ARGV[1], 'updatedAt', ARGV[1], 'fence', '0', 'checks', '0', 'nextAt', ARGV[3]}
for i = 4, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
return 1
`,
  local(db, keys, args) {
    const [order, due, tombstone] = keys as [string, string, string];
    const [now, orderId, firstCheckAt, ...pairs] = args as [string, string, string, ...string[]];
    if (db.hget(order, 'state') !== null) return 0;
    const done = db.get(tombstone);
    if (done !== null) return done;
    const values: Record<string, string> = { state: 'polling', firstSeenAt: now, updatedAt: now, fence: '0', checks: '0', nextAt: firstCheckAt };
    for (let i = 0; i + 1 < pairs.length; i += 2) values[pairs[i]!] = pairs[i + 1]!;
    db.hset(order, values);
    db.zadd(due, [[Number(firstCheckAt), orderId]]);
    return 1;
  },
  decode: (r) => (typeof r === 'string' ? r : r === 1),
});

export interface ClaimedOrder {
  orderId: string;
  fence: number;
  firstSeenAt: number;
  userId: string;
  cpOrderId?: string;
  amount?: number;
  productId?: string;
  zone?: number;
  /** Set once the order was handed to the ledger (paid while not final: it is still polled). */
  ledgerKey?: string;
}

const CLAIM_FIELDS = ['firstSeenAt', 'userId', 'cpOrderId', 'amount', 'productId', 'zone', 'ledgerKey'] as const;

/**
 * KEYS: due. ARGV: now, limit, leaseMs, order key prefix. The shared lease claim, with the order's state
 * ('polling') kept while it is leased: the fence says who holds it, the lease ends on the store's clock.
 * Orders found no longer polling (settled meanwhile) leave the schedule.
 */
export const claimOrdersScript = inPlaceLeaseClaim({ name: 'gc_order', claimable: ['polling'], returnsFields: CLAIM_FIELDS });

/** A claimed order as the poller reads it. */
export function claimedOrder(c: LeaseClaim): ClaimedOrder {
  const h = c.hash ?? {};
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return {
    orderId: c.id,
    fence: c.fence,
    firstSeenAt: Number(h.firstSeenAt),
    userId: h.userId ?? '',
    cpOrderId: h.cpOrderId,
    amount: num(h.amount),
    productId: h.productId,
    zone: num(h.zone),
    ledgerKey: h.ledgerKey,
  };
}

/** One order's outcome of a check. */
export interface OrderSettlement {
  orderId: string;
  fence: number;
  state: 'polling' | 'paid' | 'cancelled' | 'mismatch' | 'expired' | 'revoked' | 'declined';
  /** Next check time when still polling. */
  nextAt?: number;
  /** Whether GameCenter answered for this order (counts toward `checks`). */
  answered: boolean;
  reason?: string;
  ledgerKey?: string;
  /** GameCenter's answer as JSON, kept for audit. */
  answer?: string;
}

const GROUP = 8;

/** How long a final order keeps its record, then its tombstone (both from when it became final). */
export interface OrderRetention {
  recordMs: number;
  dedupeMs: number;
}

/** Arguments of {@link settleOrdersScript} for a list of settlements. */
export function settleArgs(now: number, orderPrefix: string, tombstonePrefix: string, retention: OrderRetention, list: readonly OrderSettlement[]): Array<string | number> {
  const args: Array<string | number> = [now, orderPrefix, tombstonePrefix, retention.recordMs, retention.dedupeMs];
  for (const s of list) {
    args.push(s.orderId, s.fence, s.state, s.nextAt ?? '', s.answered ? '1' : '0', s.reason ?? '', s.ledgerKey ?? '', s.answer ?? '');
  }
  return args;
}

/**
 * KEYS: due. ARGV: now, order key prefix, tombstone key prefix, record ms, dedupe ms, then groups of
 * {orderId, fence, state, nextAt, answered, reason, ledgerKey, answer}.
 * Applies each outcome if the order is still polling under that fence. An outcome other than 'polling' is
 * final: the record expires after record ms, and a tombstone (`state|firstSeenAt|userId`) that keeps the
 * order known expires after dedupe ms. Reply: how many were applied.
 */
export const settleOrdersScript = defineScript<number>({
  name: 'gc_order_settle',
  numberOfKeys: 1,
  lua: `
local n = 0
for i = 6, #ARGV, ${GROUP} do
  local id = ARGV[i]
  local k = ARGV[2] .. id
  if redis.call('HGET', k, 'state') == 'polling' and tostring(redis.call('HGET', k, 'fence')) == ARGV[i + 1] then
    local state = ARGV[i + 2]
    redis.call('HSET', k, 'state', state, 'updatedAt', ARGV[1])
    if ARGV[i + 4] == '1' then
      redis.call('HINCRBY', k, 'checks', 1)
      redis.call('HSET', k, 'lastCheckAt', ARGV[1])
    end
    if ARGV[i + 5] ~= '' then redis.call('HSET', k, 'reason', ARGV[i + 5]) end
    if ARGV[i + 6] ~= '' then redis.call('HSET', k, 'ledgerKey', ARGV[i + 6]) end
    if ARGV[i + 7] ~= '' then redis.call('HSET', k, 'lastAnswer', ARGV[i + 7]) end
    if state == 'polling' then
      redis.call('HSET', k, 'nextAt', ARGV[i + 3])
      redis.call('ZADD', KEYS[1], ARGV[i + 3], id)
    else
      redis.call('ZREM', KEYS[1], id)
      local f = redis.call('HMGET', k, 'firstSeenAt', 'userId')
      redis.call('SET', ARGV[3] .. id, state .. '|' .. (f[1] or '') .. '|' .. (f[2] or ''), 'PX', ARGV[5])
      redis.call('PEXPIRE', k, ARGV[4])
    end
    n = n + 1
  end
end
return n
`,
  local(db, keys, args) {
    const [due] = keys as [string];
    const [now, prefix, tombstones, recordMs, dedupeMs] = args as [string, string, string, string, string];
    let n = 0;
    for (let i = 5; i + GROUP - 1 < args.length; i += GROUP) {
      const [id, fence, state, nextAt, answered, reason, ledgerKey, answer] = args.slice(i, i + GROUP) as [string, string, string, string, string, string, string, string];
      const k = prefix + id;
      if (db.hget(k, 'state') !== 'polling' || db.hget(k, 'fence') !== fence) continue;
      db.hset(k, { state, updatedAt: now });
      if (answered === '1') {
        db.hincrby(k, 'checks', 1);
        db.hset(k, { lastCheckAt: now });
      }
      if (reason !== '') db.hset(k, { reason });
      if (ledgerKey !== '') db.hset(k, { ledgerKey });
      if (answer !== '') db.hset(k, { lastAnswer: answer });
      if (state === 'polling') {
        db.hset(k, { nextAt });
        db.zadd(due, [[Number(nextAt), id]]);
      } else {
        db.zrem(due, id);
        db.set(tombstones + id, `${state}|${db.hget(k, 'firstSeenAt') ?? ''}|${db.hget(k, 'userId') ?? ''}`, { px: Number(dedupeMs) });
        db.pexpire(k, Number(recordMs));
      }
      n++;
    }
    return n;
  },
  decode: (r) => Number(r),
});
