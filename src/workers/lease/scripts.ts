/**
 * The atomic steps every leased job queue shares (the ledger's grants, SUD's jobs; GameCenter's orders,
 * transfers and zone outbox share the claim, see {@link InPlaceLeaseSpec}). A queue is a due zset
 * of members, each with a hash at `prefix + member`. A claim leases a due member to one process: its due
 * time moves to the end of the lease, so a dead holder's member comes back by itself, and its fence goes
 * up, so every later step of a holder that lost the lease (renew, fail, the queue's own complete) is refused.
 *
 * Lease ends are on the store's clock (Redis's TIME; the in-process twin's own clock), never on a
 * process's: a process whose clock runs ahead cannot see another's lease as ended early. Due times of
 * pending members stay on the callers' clocks (they only decide when work may start, not who holds it).
 *
 * The steps are built per queue because queues name their leased state differently and keep different
 * bookkeeping in the hash; each queue's stored fields, states and script names are the ones it always had.
 * `pending` (due) and `given_up` (failed too often) are the same in every queue.
 */
import { defineScript } from '../../store/defineScript.js';
import type { MemoryDb } from '../../store/MemoryDb.js';
import type { ScriptReply, StoreScript } from '../../store/Store.js';

export interface LeaseQueueSpec {
  /** Prefix of the script names (`<name>_claim`, …); script names must be unique across the plugin. */
  name: string;
  /** The state of a member while it is leased. */
  leased: string;
  /** Whether the hash shows who holds the lease and until when (`leaseOwner`, `leaseUntil`). */
  recordsHolder: boolean;
  /** Whether a claim returns each member's whole hash, saving the holder a read per member. */
  returnsHash: boolean;
  /**
   * Set when a member given up starts its retention like any finished member (the hash expires after the
   * record ms, its tombstone `given_up` is kept the dedupe ms), undone by a retry. The fail and retry steps
   * then take the key the tombstone is placed by (the retention's own: the ledger's shard layout) as
   * KEYS[4], and fail the two ms values as ARGV[7] and ARGV[8].
   */
  retention?: LeaseRetention;
}

/** How a queue's tombstones are written, by the key its steps are given (KEYS[4]). */
export interface LeaseRetention {
  /** Lua defining `putTombstone(key, member, state, now, window)` and `dropTombstone(key, member)`. */
  lua: string;
  put: (db: MemoryDb, key: string, member: string, state: string, now: number, window: number) => void;
  drop: (db: MemoryDb, key: string, member: string) => void;
}

/**
 * A queue whose claims lease a member without changing its state (GameCenter's orders and transfers: their
 * states say where the member is in its own life, and the fence alone says who holds it). Differs from
 * {@link LeaseQueueSpec} in four ways, each a switch here:
 * - several states may be claimed (`claimable`), and a claim leaves the state as it found it;
 * - so a live lease cannot be told from pending work by its state: a member is taken only once its due
 *   score is reached on the store's clock too (a lease end is on that clock; pending work is due at the
 *   later of the two clocks, which differ by the skew between hosts);
 * - pending work is due on the caller's clock alone (`dueOn: 'caller'`): its schedule is computed there;
 * - the claim writes nothing but the fence and the lease end (no `state`, `updatedAt`, holder), and
 *   returns the fields the holder needs (`returnsFields`) instead of the whole hash.
 */
export interface InPlaceLeaseSpec {
  name: string;
  /** States a claim takes; any other state leaves the schedule. */
  claimable: readonly string[];
  /** Fields returned per claimed member ('' when absent). */
  returnsFields: readonly string[];
}

/**
 * An in-place queue whose members have no hash of their own (GameCenter's zone outbox): a member is live
 * while the rows hash (KEYS[2]) holds its row, and its fence is its field in the fences hash (KEYS[3]).
 * A claim returns each row (as `hash.row`) with `previous` 'queued'.
 */
export interface RowLeaseSpec {
  name: string;
}

export interface LeaseClaim {
  id: string;
  fence: number;
  /** The state before the claim: the leased state means the previous holder's lease ran out (a takeover). */
  previous: string;
  /** The member's hash as the claim left it, for queues whose claim returns it (only the asked fields for {@link InPlaceLeaseSpec}). */
  hash?: Record<string, string>;
  /** The member as the process that recorded it leased to itself holds it in memory (no claim was made). */
  value?: unknown;
  /**
   * When (this process's `performance.now()`) the step that leased it was sent: the lease cannot have
   * started in the store before then, so the holder counts its lease from here.
   */
  since?: number;
}

export type FailOutcome = 'rescheduled' | 'given_up' | 'stale';

/** Lua: the store's clock in ms as `clock` (TIME is allowed before writes: scripts replicate their effects, Redis ≥ 5). */
export const LUA_CLOCK = `local t = redis.call('TIME')
local clock = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** "Still leased under this fence": the check every step of a holder makes first. */
export interface FenceGuard {
  /** A Lua line that returns 0 unless KEYS[1] is leased under the fence in ARGV[2]. */
  lua: string;
  held(db: MemoryDb, key: string, fence: string | undefined): boolean;
}

export interface LeaseScripts {
  /** The state of a member while it is leased. */
  leasedState: string;
  guard: FenceGuard;
  /**
   * KEYS: due zset. ARGV: now, limit, leaseMs, member key prefix, owner (stored only where `recordsHolder`).
   * A pending member is due once its time is reached on the caller's or the store's clock; a leased one
   * is taken over only once its lease has ended on the store's clock.
   */
  claim: StoreScript<LeaseClaim[]>;
  /** KEYS: member hash, due zset. ARGV: now, fence, member, leaseMs (from the store's clock). True while still held. */
  renew: StoreScript<boolean>;
  /** KEYS: member hash, due zset, given-up zset. ARGV: now, fence, member, error text, next attempt at, max attempts. */
  fail: StoreScript<FailOutcome>;
  /** KEYS: member hash, due zset, given-up zset. ARGV: now, member. True when a given-up member was requeued. */
  retry: StoreScript<boolean>;
}

export function leaseScripts(spec: LeaseQueueSpec): LeaseScripts {
  const guard = fenceGuard(spec.leased);
  return { leasedState: spec.leased, guard, claim: claimScript(toClaimShape(spec)), renew: renewScript(spec, guard), fail: failScript(spec, guard), retry: retryScript(spec) };
}

function fenceGuard(leased: string): FenceGuard {
  return {
    lua: `local lease = redis.call('HMGET', KEYS[1], 'fence', 'state')
if lease[1] ~= ARGV[2] or lease[2] ~= '${leased}' then return 0 end`,
    held: (db, key, fence) => db.hget(key, 'fence') === fence && db.hget(key, 'state') === leased,
  };
}

/** The claim of a queue of either kind, as the one shape the claim script is built from. */
interface ClaimShape {
  name: string;
  /** Where a member's state and fence live: its own hash (`prefix + id`), or the rows and fences hashes. */
  layout: 'hash' | 'rows';
  claimable: readonly string[];
  /** The state written on claim; undefined: left as it was. */
  leased?: string;
  recordsHolder: boolean;
  returns: 'none' | 'hash' | readonly string[];
  dueOn: 'either' | 'caller';
  touches: boolean;
}

function toClaimShape(spec: LeaseQueueSpec): ClaimShape {
  return {
    name: spec.name,
    layout: 'hash',
    claimable: ['pending', spec.leased],
    leased: spec.leased,
    recordsHolder: spec.recordsHolder,
    returns: spec.returnsHash ? 'hash' : 'none',
    dueOn: 'either',
    touches: true,
  };
}

/** The claim of an {@link InPlaceLeaseSpec} queue; such queues keep their own renew and settle steps. */
export function inPlaceLeaseClaim(spec: InPlaceLeaseSpec): StoreScript<LeaseClaim[]> {
  return claimScript({ name: spec.name, layout: 'hash', claimable: spec.claimable, recordsHolder: false, returns: spec.returnsFields, dueOn: 'caller', touches: false });
}

/** The claim of a {@link RowLeaseSpec} queue. KEYS: due, rows, fences. ARGV: now, limit, leaseMs. */
export function rowLeaseClaim(spec: RowLeaseSpec): StoreScript<LeaseClaim[]> {
  return claimScript({ name: spec.name, layout: 'rows', claimable: [ROW_QUEUED], recordsHolder: false, returns: ['row'], dueOn: 'caller', touches: false });
}

/** The state a row queue's claim reports for a member whose row is there. */
const ROW_QUEUED = 'queued';

const luaString = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/**
 * Takes up to `limit` due members, pushes each one's due time to the end of the lease (store clock + lease),
 * bumps its fence and (unless the queue keeps states in place) marks it leased. Members found in a state
 * no claim takes (finished, cancelled, gone) leave the schedule. A leased member whose lease has not ended
 * on the store's clock is left alone, even when the caller's clock says it is due.
 * Reply: {{id, fence, previous[, {field, value, …} | {value, …}]}, …}.
 */
function claimScript(shape: ClaimShape): StoreScript<LeaseClaim[]> {
  const { name, layout, claimable, leased, recordsHolder, returns, dueOn, touches } = shape;
  const inPlace = leased === undefined;
  const rows = layout === 'rows';
  // a member's state, fence and returned values, in Lua (with `id`, and `k` its hash) and in the twin
  const luaMember = rows ? `local row = redis.call('HGET', KEYS[2], id)\n  local state = row and '${ROW_QUEUED}'` : `local k = ARGV[4] .. id\n  local state = redis.call('HGET', k, 'state')`;
  const luaFence = rows ? `redis.call('HINCRBY', KEYS[3], id, 1)` : `redis.call('HINCRBY', k, 'fence', 1)`;
  const fields = typeof returns === 'string' ? [] : returns;
  const holder = recordsHolder ? `'leaseOwner', ARGV[5], 'leaseUntil', leaseUntil, ` : '';
  const write = inPlace ? (touches ? `redis.call('HSET', k, 'updatedAt', now)\n    ` : '') : `redis.call('HSET', k, 'state', ${luaString(leased)}, ${holder}'updatedAt', now)\n    `;
  const entry = rows
    ? `{id, fence, state, {row}}`
    : returns === 'hash'
      ? `{id, fence, state, redis.call('HGETALL', k)}`
      : returns === 'none'
        ? `{id, fence, state}`
        : `{id, fence, state, orEmpty(redis.call('HMGET', k, ${fields.map(luaString).join(', ')}))}`;
  // in place, the state cannot tell a live lease from pending work: the store's clock must have reached the score
  const held = inPlace ? `score > clock` : `state == ${luaString(leased)} and score > clock`;
  const isClaimable = claimable.map((c) => `state == ${luaString(c)}`).join(' or ');
  const top = dueOn === 'caller' ? 'now' : 'math.max(now, clock)';
  const claimableSet = new Set(claimable);
  return defineScript<LeaseClaim[]>({
    name: `${name}_claim`,
    numberOfKeys: rows ? 3 : 1,
    lua: `
local now = tonumber(ARGV[1])
${LUA_CLOCK}
local leaseUntil = clock + tonumber(ARGV[3])
local function orEmpty(t) for i = 1, ${fields.length} do if not t[i] then t[i] = '' end end return t end
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ${top}, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #ids, 2 do
  local id = ids[i]
  local score = tonumber(ids[i + 1])
  ${luaMember}
  if not (${isClaimable}) then
    redis.call('ZREM', KEYS[1], id)
  elseif ${held} then
    -- still held: the caller's clock runs ahead of the store's
  else
    local fence = ${luaFence}
    ${write}redis.call('ZADD', KEYS[1], leaseUntil, id)
    out[#out + 1] = ${entry}
  end
end
return out
`,
    local(db, keys, args) {
      const [due] = keys as [string];
      const now = Number(args[0]);
      const clock = db.time();
      const leaseUntil = clock + Number(args[2]);
      const out: ScriptReply[] = [];
      for (const { member, score } of db.zrangeByScore(due, -Infinity, dueOn === 'caller' ? now : Math.max(now, clock), Number(args[1]))) {
        const k = args[3] + member;
        const row = rows ? db.hget(keys[1]!, member) : null;
        const state = rows ? (row === null ? null : ROW_QUEUED) : db.hget(k, 'state');
        if (state === null || !claimableSet.has(state)) {
          db.zrem(due, member);
          continue;
        }
        if ((inPlace || state === leased) && score > clock) continue; // still held: the caller's clock runs ahead of the store's
        const fence = rows ? db.hincrby(keys[2]!, member, 1) : db.hincrby(k, 'fence', 1);
        if (!inPlace) {
          const lease: Record<string, string> = recordsHolder ? { leaseOwner: args[4]!, leaseUntil: String(leaseUntil) } : {};
          db.hset(k, { state: leased, ...lease, updatedAt: String(now) });
        } else if (touches) db.hset(k, { updatedAt: String(now) });
        db.zadd(due, [[leaseUntil, member]]);
        const tail: ScriptReply[] = rows ? [[row!]] : returns === 'hash' ? [Object.entries(db.hgetall(k)).flat()] : returns === 'none' ? [] : [fields.map((f) => db.hget(k, f) ?? '')];
        out.push([member, fence, state, ...tail]);
      }
      return out;
    },
    decode: (r) =>
      ((r as ScriptReply[][]) ?? []).map(([id, fence, previous, values]) => {
        const claim: LeaseClaim = { id: String(id), fence: Number(fence), previous: String(previous) };
        if (Array.isArray(values)) {
          claim.hash = {};
          if (returns === 'hash') for (let i = 0; i + 1 < values.length; i += 2) claim.hash[String(values[i])] = String(values[i + 1]);
          else fields.forEach((f, i) => values[i] !== '' && values[i] != null && (claim.hash![f] = String(values[i])));
        }
        return claim;
      }),
  });
}

/** Extends a lease still held under `fence`. Reply 1 held, 0 lost. */
function renewScript({ name, recordsHolder }: LeaseQueueSpec, guard: FenceGuard): StoreScript<boolean> {
  const showLeaseEnd = recordsHolder ? `\nredis.call('HSET', KEYS[1], 'leaseUntil', untilMs)` : '';
  return defineScript<boolean>({
    name: `${name}_renew`,
    numberOfKeys: 2,
    lua: `
${guard.lua}
${LUA_CLOCK}
local untilMs = clock + tonumber(ARGV[4])${showLeaseEnd}
redis.call('ZADD', KEYS[2], untilMs, ARGV[3])
return 1
`,
    local(db, keys, args) {
      const [member, due] = keys as [string, string];
      if (!guard.held(db, member, args[1])) return 0;
      const until = db.time() + Number(args[3]);
      if (recordsHolder) db.hset(member, { leaseUntil: String(until) });
      db.zadd(due, [[until, args[2]!]]);
      return 1;
    },
    decode: (r) => r === 1,
  });
}

/**
 * Records a failed attempt under `fence`: due again at the given time, or after `max attempts` given up
 * (out of the schedule, into the given-up zset, until someone retries it). Reply: 1 rescheduled, 2 given up,
 * 0 stale fence.
 */
function failScript({ name, recordsHolder, retention }: LeaseQueueSpec, guard: FenceGuard): StoreScript<FailOutcome> {
  const clearHolder = recordsHolder ? `\nredis.call('HDEL', KEYS[1], 'leaseOwner', 'leaseUntil')` : '';
  const expire = retention ? `\n  redis.call('PEXPIRE', KEYS[1], ARGV[7])\n  putTombstone(KEYS[4], ARGV[3], 'given_up', ARGV[1], ARGV[8])` : '';
  return defineScript<FailOutcome>({
    name: `${name}_fail`,
    numberOfKeys: retention ? 4 : 3,
    prelude: retention?.lua,
    lua: `
${guard.lua}
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'lastError', ARGV[4], 'updatedAt', ARGV[1])${clearHolder}
if attempts >= tonumber(ARGV[6]) then
  redis.call('HSET', KEYS[1], 'state', 'given_up')
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[1], ARGV[3])${expire}
  return 2
end
redis.call('HSET', KEYS[1], 'state', 'pending')
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3])
return 1
`,
    local(db, keys, args) {
      const [member, due, gaveUp] = keys as [string, string, string];
      if (!guard.held(db, member, args[1])) return 0;
      const attempts = db.hincrby(member, 'attempts', 1);
      db.hset(member, { lastError: args[3]!, updatedAt: args[0]! });
      if (recordsHolder) db.hdel(member, 'leaseOwner', 'leaseUntil');
      if (attempts >= Number(args[5])) {
        db.hset(member, { state: 'given_up' });
        db.zrem(due, args[2]!);
        db.zadd(gaveUp, [[Number(args[0]), args[2]!]]);
        if (retention) {
          db.pexpire(member, Number(args[6]));
          retention.put(db, keys[3]!, args[2]!, 'given_up', Number(args[0]), Number(args[7]));
        }
        return 2;
      }
      db.hset(member, { state: 'pending' });
      db.zadd(due, [[Number(args[4]), args[2]!]]);
      return 1;
    },
    decode: (r) => (r === 2 ? 'given_up' : r === 1 ? 'rescheduled' : 'stale'),
  });
}

/** Puts a given-up member back in the schedule with a fresh attempt count. Reply 1 requeued, 0 not given up. */
function retryScript({ name, retention }: LeaseQueueSpec): StoreScript<boolean> {
  const unexpire = retention ? `\nredis.call('PERSIST', KEYS[1])\ndropTombstone(KEYS[4], ARGV[2])` : '';
  return defineScript<boolean>({
    name: `${name}_retry`,
    numberOfKeys: retention ? 4 : 3,
    prelude: retention?.lua,
    lua: `
if redis.call('HGET', KEYS[1], 'state') ~= 'given_up' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'pending', 'attempts', 0, 'updatedAt', ARGV[1])${unexpire}
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
`,
    local(db, keys, args) {
      const [member, due, gaveUp] = keys as [string, string, string];
      if (db.hget(member, 'state') !== 'given_up') return 0;
      db.hset(member, { state: 'pending', attempts: '0', updatedAt: args[0]! });
      if (retention) {
        db.persist(member);
        retention.drop(db, keys[3]!, args[1]!);
      }
      db.zadd(due, [[Number(args[0]), args[1]!]]);
      db.zrem(gaveUp, args[1]!);
      return 1;
    },
    decode: (r) => r === 1,
  });
}
