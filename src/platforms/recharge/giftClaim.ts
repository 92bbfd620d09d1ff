/**
 * The per-(userId, codeNo) claim that makes a gift code run the game's handler once across every process.
 * One string key holds the redemption's state: `running|<token>` with an expiry (the lease) while a handler
 * runs, then the answer's code alone (`1` redeemed, else the refusal's code): the tombstone, kept
 * `giftDedupeDays`. The full record (the answer's desc, what was redeemed, when) is a key of its own, kept
 * `giftRecordDays`. Claiming is one atomic step, so two concurrent redemptions can never both see "free".
 * Versions before 0.2 wrote `done|<answer JSON>` without expiry: still read, and bounded when next seen.
 */
import { performance } from 'node:perf_hooks';
import { defineScript } from '../../store/defineScript.js';
import type { Store } from '../../store/Store.js';
import { leaseMarginMs } from '../../workers/lease/Lease.js';

const RUNNING = 'running|';
/** The finished form before tombstones (and for a code that holds a `|`): `done|<answer JSON>`. */
const DONE = 'done|';
const GIFT_OK = '1';

/** The recorded answer of a finished redemption. */
export interface GiftAnswer {
  ok: boolean;
  code: string;
  desc: string;
}

export type ClaimResult =
  | { status: 'claimed'; token: string }
  | { status: 'running' }
  /** `desc` is the recorded one while the full record lives; from a tombstone alone it is empty. */
  | { status: 'done'; answer: GiftAnswer; tombstone: boolean };

/**
 * KEYS: claim. ARGV: running value, lease ms, dedupe ms. Reply: nil when claimed, else the current value.
 * A finished claim written before tombstones (no expiry) gets the dedupe expiry when seen.
 */
const claimScript = defineScript<string | null>({
  name: 'gift_claim',
  numberOfKeys: 1,
  lua: `
local cur = redis.call('GET', KEYS[1])
if cur then
  if string.sub(cur, 1, ${RUNNING.length}) ~= '${RUNNING}' and redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
  return cur
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`,
  local(db, keys, args) {
    const cur = db.get(keys[0]!);
    if (cur !== null) {
      if (!cur.startsWith(RUNNING) && db.pttl(keys[0]!) === -1) db.pexpire(keys[0]!, Number(args[2]));
      return cur;
    }
    db.set(keys[0]!, args[0]!, { px: Number(args[1]) });
    return null;
  },
  decode: (reply) => (typeof reply === 'string' ? reply : null),
});

/**
 * KEYS: claim. ARGV: tombstone value, dedupe ms. Records the answer whoever holds the lease now: the
 * handler did run, and a later duplicate must learn that for `dedupe ms`. An answer already recorded is
 * kept. Reply 1 recorded, 0 one was already.
 */
const finishScript = defineScript<boolean>({
  name: 'gift_finish',
  numberOfKeys: 1,
  lua: `
local cur = redis.call('GET', KEYS[1])
if cur and string.sub(cur, 1, ${RUNNING.length}) ~= '${RUNNING}' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`,
  local(db, keys, args) {
    const cur = db.get(keys[0]!);
    if (cur !== null && !cur.startsWith(RUNNING)) return 0;
    db.set(keys[0]!, args[0]!, { px: Number(args[1]) });
    return 1;
  },
  decode: (reply) => reply === 1,
});

/** KEYS: claim. ARGV: running value. Frees the claim only if it is still ours (a taken-over lease is not). */
const releaseScript = defineScript<boolean>({
  name: 'gift_release',
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`,
  local(db, keys, args) {
    if (db.get(keys[0]!) !== args[0]) return 0;
    return db.del(keys[0]!);
  },
  decode: (reply) => reply === 1,
});

/** KEYS: claim. ARGV: running value, lease ms. Extends the claim's expiry (on Redis's clock) while it is still ours. Reply 1 held, 0 not. */
const renewScript = defineScript<boolean>({
  name: 'gift_renew',
  numberOfKeys: 1,
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`,
  local(db, keys, args) {
    if (db.get(keys[0]!) !== args[0]) return 0;
    db.pexpire(keys[0]!, Number(args[1]));
    return 1;
  },
  decode: (reply) => reply === 1,
});

/**
 * KEYS: sign key. ARGV: claim key, dedupe ms. Binds a gift sign to the one redemption it was first seen
 * with, for `dedupe ms` (renewed when the redemption finishes, so it outlives the claim's tombstone). A
 * binding written before expiries existed gets one when seen. Reply: the claim key the sign is bound to
 * (ARGV[1] when this call bound it).
 */
const bindSignScript = defineScript<string>({
  name: 'gift_bind_sign',
  numberOfKeys: 1,
  lua: `
local cur = redis.call('GET', KEYS[1])
if cur then
  if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  return cur
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`,
  local(db, keys, args) {
    const cur = db.get(keys[0]!);
    if (cur !== null) {
      if (db.pttl(keys[0]!) === -1) db.pexpire(keys[0]!, Number(args[1]));
      return cur;
    }
    db.set(keys[0]!, args[0]!, { px: Number(args[1]) });
    return args[0]!;
  },
  decode: (reply) => String(reply),
});

/**
 * A claim held while its handler runs: renewed every third of the lease, and given up by this process
 * (its signal aborted) once no renewal was confirmed for the lease minus a margin, before the claim can
 * expire in the store and a retry elsewhere could run the handler again.
 */
export class HeldClaim {
  readonly abort = new AbortController();
  lost = false;
  private lastConfirmed: number;
  private readonly renewTimer: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;

  constructor(
    private readonly claims: GiftClaims,
    private readonly key: string,
    private readonly token: string,
    since: number,
    private readonly onLost: (why: string) => void,
  ) {
    this.lastConfirmed = since;
    this.renewTimer = setInterval(() => this.renew(), Math.max(20, Math.floor(claims.leaseMs / 3)));
    this.renewTimer.unref();
    this.arm();
  }

  private renew(): void {
    const sentAt = performance.now();
    this.claims.renew(this.key, this.token).then(
      (held) => {
        if (this.lost) return;
        if (!held) return this.lose('the claim is no longer ours');
        if (sentAt > this.lastConfirmed) this.lastConfirmed = sentAt;
      },
      () => undefined,
    );
  }

  private arm(): void {
    const until = this.lastConfirmed + this.claims.leaseMs - leaseMarginMs(this.claims.leaseMs);
    this.deadlineTimer = setTimeout(
      () => {
        if (performance.now() >= this.lastConfirmed + this.claims.leaseMs - leaseMarginMs(this.claims.leaseMs)) this.lose('renewals not confirmed in time');
        else this.arm();
      },
      Math.max(0, Math.ceil(until - performance.now())),
    );
    this.deadlineTimer.unref();
  }

  private lose(why: string): void {
    if (this.lost) return;
    this.lost = true;
    this.stop();
    this.onLost(why);
    this.abort.abort(new Error(`gift claim lost: ${why}`));
  }

  stop(): void {
    clearInterval(this.renewTimer);
    clearTimeout(this.deadlineTimer);
  }
}

/** How long a finished redemption is kept in full, then as a tombstone (ms). */
export interface GiftRetention {
  recordMs: number;
  dedupeMs: number;
}

/** What the full record of a finished redemption keeps besides the answer. */
export interface GiftRecordDetails {
  giftId: string;
  zoneId: string;
  roleId?: string;
  at: number;
}

export class GiftClaims {
  constructor(
    private readonly store: Store,
    readonly leaseMs: number,
    private readonly retention: GiftRetention,
  ) {}

  /** User ids and codes are encoded so that a `:` inside one can never make two redemptions share a key. */
  keyOf(userId: string, codeNo: string): string {
    return this.store.keys.key('gift', 'claim', encodeURIComponent(userId), encodeURIComponent(codeNo));
  }

  /** The full record of a finished redemption (its own slot: nothing reads it in the claim's step). */
  recordKeyOf(claimKey: string): string {
    return this.store.keys.key('gift', 'record', claimKey.slice(this.store.keys.key('gift', 'claim', '').length));
  }

  private signKey(sign: string): string {
    return this.store.keys.key('gift', 'sign', sign.toLowerCase());
  }

  /**
   * The gift sign concatenates userId+zoneId+codeNo+giftId+lTime with no separator, so moving characters
   * between codeNo and giftId keeps the sign and changes the claim key. Binding each sign to the first
   * claim key it came with makes any re-cut of one signed request a duplicate. Resolves the bound key.
   */
  bindSign(sign: string, claimKey: string): Promise<string> {
    return this.store.run(bindSignScript, [this.signKey(sign)], [claimKey, this.retention.dedupeMs]);
  }

  async claim(key: string, token: string): Promise<ClaimResult> {
    const current = await this.store.run(claimScript, [key], [RUNNING + token, this.leaseMs, this.retention.dedupeMs]);
    if (current === null) return { status: 'claimed', token };
    if (current.startsWith(RUNNING)) return { status: 'running' };
    if (current.startsWith(DONE)) return { status: 'done', answer: decodeAnswer(current.slice(DONE.length)), tombstone: false };
    // a tombstone: the code; a refusal's desc is in the full record while it lives
    const ok = current === GIFT_OK;
    let desc = '';
    if (!ok) {
      const record = await this.store.get(this.recordKeyOf(key)).catch(() => null);
      if (record !== null) desc = decodeAnswer(record).desc;
    }
    return { status: 'done', answer: { ok, code: current, desc }, tombstone: true };
  }

  renew(key: string, token: string): Promise<boolean> {
    return this.store.run(renewScript, [key], [RUNNING + token, this.leaseMs]);
  }

  /** Keeps a claim made at `since` (`performance.now()` before the claim was sent) while its handler runs. */
  hold(key: string, token: string, since: number, onLost: (why: string) => void): HeldClaim {
    return new HeldClaim(this, key, token, since, onLost);
  }

  /**
   * Records the answer: the claim becomes its tombstone, the full record is written beside it (unless a
   * first finisher's is there), and the sign's binding is renewed to outlive the tombstone. Rejects when
   * the tombstone could not be written; `recordKept` says whether the rest was.
   */
  async finish(key: string, sign: string, answer: GiftAnswer, details: GiftRecordDetails): Promise<{ recorded: boolean; recordKept: boolean }> {
    const { recordMs, dedupeMs } = this.retention;
    // a code that could be read as another state is kept in the older form
    const tombstone = answer.code.includes('|') ? DONE + JSON.stringify({ ok: answer.ok, code: answer.code, desc: '' }) : answer.code;
    const record = JSON.stringify({ ...answer, ...details });
    const [recorded, kept, bound] = await Promise.all([
      this.store.run(finishScript, [key], [tombstone, dedupeMs]),
      this.store.set(this.recordKeyOf(key), record, { px: recordMs, nx: true }).then(
        () => true,
        () => false,
      ),
      this.store.pexpire(this.signKey(sign), dedupeMs).then(
        () => true,
        () => false,
      ),
    ]);
    return { recorded, recordKept: kept && bound };
  }

  release(key: string, token: string): Promise<boolean> {
    return this.store.run(releaseScript, [key], [RUNNING + token]);
  }
}

function decodeAnswer(json: string): GiftAnswer {
  try {
    const v = JSON.parse(json) as Partial<GiftAnswer>;
    if (typeof v.ok === 'boolean' && typeof v.code === 'string' && typeof v.desc === 'string') return { ok: v.ok, code: v.code, desc: v.desc };
  } catch {
    // fall through: a record we cannot read still means the code was redeemed
  }
  return { ok: true, code: '1', desc: '' };
}
