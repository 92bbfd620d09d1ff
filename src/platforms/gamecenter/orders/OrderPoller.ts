/**
 * Polls GameCenter for the orders the game registered, on the schedule of ./schedule.ts, and hands paid
 * ones to the ledger. A tick claims only the orders due now (a range query with a limit on the schedule,
 * never a scan of everything pending), asks for up to `checkChunkSize` of them per order.check_status call,
 * and settles each under the fence it was claimed with. An order that is final (paid, cancelled, mismatch,
 * expired) leaves the schedule and is never asked about again.
 *
 * Exactly-once grant: the ledger key is `gamecenter:<orderId>`, and the game's own order id goes in as the
 * alias `cp:<cpOrderId>`. A second accept of the same order (this poller on another process after a lost
 * lease, or another path that accepts it under either identity) is a duplicate in the ledger's one atomic
 * accept step, so it is granted once whichever path comes first.
 */
import type { Clock } from '../../../context.js';
import { UnstorableOrderError } from '../../../ledger/storable.js';
import type { Ledger } from '../../../ledger/Ledger.js';
import type { PaidOrder } from '../../../ledger/types.js';
import type { Logger } from '../../../logger.js';
import type { Store } from '../../../store/Store.js';
import type { SubjectJournal } from '../../../ledger/journal.js';
import type { GameCenterClient } from '../client.js';
import type { GameCenterOrderStatus } from '../schemas.js';
import { decideOrder } from './decide.js';
import { orderKeys } from './keys.js';
import type { OrderKeys } from './keys.js';
import { decodeOrder, orderFields } from './record.js';
import { nextCheckAt, POLL_WINDOW_MS } from './schedule.js';
import { claimedOrder, claimOrdersScript, registerOrderScript, settleArgs, settleOrdersScript } from './scripts.js';
import type { ClaimedOrder, OrderRetention, OrderSettlement } from './scripts.js';
import type { PolledOrder, RegisterOrderInput, RegisterOrderOutcome } from './types.js';
import { errorText } from '../../../errorText.js';

export interface OrderPollerOptions {
  /** Orders claimed per tick at most. */
  claimLimit: number;
  /** Order ids per order.check_status call. */
  checkChunkSize: number;
  /** order.check_status calls in flight at once per tick. */
  concurrency: number;
  /** How long a claim protects its orders; must exceed the longest check including the client's retries. */
  leaseMs: number;
  /** When a paid order whose ledger accept failed (Redis away) is tried again. */
  acceptRetryMs: number;
  /** What a sandbox (`env: 0`) or test-user (`test: true`) order gets: granted (marked), or recorded declined. */
  sandboxOrders: 'grant' | 'refuse';
  /** How long a final order keeps its record (`gamecenter.recordDays`), then its tombstone (`gamecenter.dedupeDays`); default 90 and 400 days. */
  retention?: OrderRetention;
}

export interface OrderPollerDeps {
  store: Store;
  client: Pick<GameCenterClient, 'checkOrders'>;
  ledger: Pick<Ledger, 'accept' | 'revoke'>;
  clock: Clock;
  logger: Logger;
  options: OrderPollerOptions;
  /** Where each order's registration and outcome are journaled (the desk's timeline). */
  journal?: SubjectJournal;
}

export interface TickResult {
  claimed: number;
  requests: number;
  /** The claim was full: more orders may be due right now. */
  more: boolean;
}

/** How long after the window checks that failed are still retried before the order is given up. */
const FAILED_CHECK_GRACE_MS = 3_600_000;
const FAILED_CHECK_RETRY_MS = 60_000;
const ORDER_ID = /^[0-9A-Za-z_.-]{1,128}$/;

export const LEDGER_SOURCE = 'gamecenter';

const DAY_MS = 86_400_000;
/** The defaults of `gamecenter.recordDays` and `gamecenter.dedupeDays` (the ledger's own figures). */
export const DEFAULT_RETENTION: OrderRetention = { recordMs: 90 * DAY_MS, dedupeMs: 400 * DAY_MS };

/** The ledger alias of a game order id: any path that knows the game's order id can dedupe on it. */
export function cpOrderAlias(cpOrderId: string): string {
  return `cp:${cpOrderId}`;
}

export class OrderPoller {
  readonly keys: OrderKeys;

  constructor(private readonly d: OrderPollerDeps) {
    this.keys = orderKeys(d.store.keys);
  }

  /** Starts polling an order (idempotent: a known order is left as it is). Throws on invalid input. */
  async register(input: RegisterOrderInput): Promise<RegisterOrderOutcome> {
    if (typeof input.orderId !== 'string' || !ORDER_ID.test(input.orderId)) throw new TypeError(`orderId ${JSON.stringify(input.orderId)} is not a GameCenter order id`);
    if (typeof input.userId !== 'string' || input.userId === '') throw new TypeError('userId must be a non-empty string');
    if (input.cpOrderId !== undefined && (typeof input.cpOrderId !== 'string' || input.cpOrderId === '')) throw new TypeError('cpOrderId, when given, must be a non-empty string');
    if (input.amount !== undefined && !Number.isFinite(input.amount)) throw new TypeError('amount, when given, must be a finite number');
    const now = this.d.clock.now();
    const first = nextCheckAt(now, now)!;
    const orderKey = this.keys.orderPrefix + input.orderId;
    const reply = await this.d.store.run(registerOrderScript, [orderKey, this.keys.due, this.keys.donePrefix + input.orderId], [now, input.orderId, first, ...orderFields(input)]);
    if (typeof reply === 'string') return { status: 'known', order: fromTombstone(input.orderId, reply), recordExpired: true };
    const fresh = reply;
    const order = await this.get(input.orderId);
    if (!order) throw new Error(`order ${input.orderId} vanished right after registering`);
    if (!fresh && order.userId !== input.userId) {
      this.d.logger.warn('GameCenter order registered again for another user: the first registration stands', { orderId: input.orderId, userId: order.userId, otherUserId: input.userId });
    }
    if (fresh)
      this.d.journal?.note('gamecenter-order', input.orderId, 'registered', { userId: input.userId, cpOrderId: input.cpOrderId, amount: input.amount, productId: input.productId, zone: input.zone });
    return { status: fresh ? 'registered' : 'known', order };
  }

  async get(orderId: string): Promise<PolledOrder | undefined> {
    return decodeOrder(await this.d.store.hgetall(this.keys.orderPrefix + orderId));
  }

  /** Orders still on the schedule. */
  pending(): Promise<number> {
    return this.d.store.zcard(this.keys.due);
  }

  /** Checks every order due now (up to `claimLimit`). */
  async tick(): Promise<TickResult> {
    const { store, clock, options } = this.d;
    const claimed = (await store.run(claimOrdersScript, [this.keys.due], [clock.now(), options.claimLimit, options.leaseMs, this.keys.orderPrefix])).map(claimedOrder);
    if (claimed.length === 0) return { claimed: 0, requests: 0, more: false };
    const chunks: ClaimedOrder[][] = [];
    for (let i = 0; i < claimed.length; i += options.checkChunkSize) chunks.push(claimed.slice(i, i + options.checkChunkSize));
    let next = 0;
    const lane = async () => {
      while (next < chunks.length) await this.checkChunk(chunks[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(options.concurrency, chunks.length) }, lane));
    return { claimed: claimed.length, requests: chunks.length, more: claimed.length === options.claimLimit };
  }

  private async checkChunk(chunk: ClaimedOrder[]): Promise<void> {
    let answers: Map<string, GameCenterOrderStatus>;
    try {
      answers = await this.d.client.checkOrders(chunk.map((c) => c.orderId));
    } catch (err) {
      const now = this.d.clock.now();
      this.d.logger.warn('GameCenter order check failed; the orders are checked again later', { orders: chunk.length, error: errorText(err) });
      await this.settle(chunk.map((c) => this.unanswered(c, now)));
      return;
    }
    const settlements = await Promise.all(chunk.map((c) => this.judge(c, answers.get(c.orderId))));
    await this.settle(settlements);
  }

  private async judge(c: ClaimedOrder, answer: GameCenterOrderStatus | undefined): Promise<OrderSettlement> {
    const now = this.d.clock.now();
    const base = { orderId: c.orderId, fence: c.fence, answered: answer !== undefined, answer: answer === undefined ? undefined : JSON.stringify(answer) };
    const verdict = decideOrder(c, answer);
    switch (verdict.kind) {
      case 'pending': {
        const at = nextCheckAt(c.firstSeenAt, now);
        if (at !== null) return { ...base, state: 'polling', nextAt: at };
        const reason = answer ? `not final 24 h after first seen (checked=${answer.checked}, status=${answer.status})` : 'unknown to GameCenter 24 h after first seen';
        this.d.logger.warn('GameCenter order given up', { orderId: c.orderId, userId: c.userId, reason });
        return { ...base, state: 'expired', reason };
      }
      case 'cancelled':
        // paid and handed to the ledger while not final, now final and not paid: take it back
        if (c.ledgerKey) return this.revoke(c, verdict.reason, base, now);
        this.d.logger.info('GameCenter order cancelled', { orderId: c.orderId, userId: c.userId, reason: verdict.reason });
        return { ...base, state: 'cancelled', reason: verdict.reason };
      case 'mismatch':
        this.d.logger.error('GameCenter order paid under another cpOrderId: not granted', { orderId: c.orderId, userId: c.userId, reason: verdict.reason });
        return { ...base, state: 'mismatch', reason: verdict.reason };
      case 'paid':
        // handed to the ledger on an earlier check; only finality is awaited now
        if (c.ledgerKey) return this.stillPaid(c, answer!, base, now);
        return this.accept(c, answer!, base, now);
    }
  }

  private async accept(c: ClaimedOrder, answer: GameCenterOrderStatus, base: Pick<OrderSettlement, 'orderId' | 'fence' | 'answered' | 'answer'>, now: number): Promise<OrderSettlement> {
    const sku = answer.sku === undefined || answer.sku === '' ? undefined : answer.sku;
    if (c.amount !== undefined && answer.amount !== undefined && c.amount !== answer.amount) {
      this.d.logger.warn('GameCenter order paid a different amount than the game registered; GameCenter’s amount is granted', { orderId: c.orderId, registered: c.amount, paid: answer.amount });
    }
    if (c.productId !== undefined && sku !== undefined && c.productId !== sku) {
      this.d.logger.warn('GameCenter order paid for a different sku than the game registered; GameCenter’s sku is granted', { orderId: c.orderId, registered: c.productId, paid: sku });
    }
    const amount = answer.amount ?? c.amount;
    if (amount === undefined) {
      // cannot credit an unknown amount; keep checking: a later answer may carry it
      this.d.logger.error('GameCenter order paid without an amount, and none was registered: not granted yet', { orderId: c.orderId });
      return { ...base, state: 'polling', nextAt: now + this.d.options.acceptRetryMs, reason: 'paid without amount' };
    }
    const zone = c.zone ?? (answer.gameZone !== undefined && answer.gameZone >= 0 ? answer.gameZone : undefined);
    const order: PaidOrder = {
      source: LEDGER_SOURCE,
      orderId: c.orderId,
      userId: c.userId,
      amount,
      raw: { ...answer, registered: { cpOrderId: c.cpOrderId, amount: c.amount, productId: c.productId, zone: c.zone } },
    };
    if (zone !== undefined) order.zoneId = String(zone);
    if (answer.currency) order.currency = answer.currency;
    const productId = sku ?? c.productId;
    if (productId !== undefined) order.productId = productId;
    if (answer.env === 0) order.sandbox = true;
    if (answer.test === true) order.testUser = true;
    const marked = [order.sandbox ? 'sandbox (env 0)' : '', order.testUser ? 'test user' : ''].filter(Boolean).join(', ');
    const declined = marked && this.d.options.sandboxOrders === 'refuse' ? `${marked} order refused by gamecenter.sandboxOrders` : undefined;
    try {
      const r = await this.d.ledger.accept(order, {
        decline: declined,
        alias: c.cpOrderId ? cpOrderAlias(c.cpOrderId) : undefined,
        ids: c.cpOrderId ? { cpOrderId: c.cpOrderId } : undefined,
        duplicateAnswer: { settled: 'not granted again', inProgress: 'not granted again' },
      });
      const ledgerKey = r.status === 'accepted' ? r.record.dedupeKey : r.dedupeKey;
      if (declined !== undefined) {
        this.d.logger.warn('GameCenter sandbox/test order recorded but not granted (gamecenter.sandboxOrders is refuse)', { orderId: c.orderId, userId: c.userId, reason: declined });
        return { ...base, state: 'declined', ledgerKey, reason: declined };
      }
      if (r.status === 'accepted') this.d.logger.info('GameCenter order paid: handed to the ledger', { orderId: c.orderId, userId: c.userId, amount, final: answer.checked === 1 });
      else this.d.logger.info('GameCenter order paid and already in the ledger: not granted again', { orderId: c.orderId, ledgerKey: r.dedupeKey, state: r.state });
      const dup = r.status === 'accepted' ? undefined : 'already in the ledger';
      return this.stillPaid(c, answer, { ...base, ledgerKey, reason: dup }, now);
    } catch (err) {
      if (err instanceof UnstorableOrderError) {
        // retrying cannot change what GameCenter answered: set aside for an operator instead of polling forever
        this.d.logger.error('GameCenter order paid but cannot be stored as received; set aside as mismatch, not granted', { orderId: c.orderId, field: err.field, error: err.message });
        return { ...base, state: 'mismatch', reason: err.message };
      }
      this.d.logger.warn('GameCenter order paid but the ledger could not record it; trying again shortly', { orderId: c.orderId, error: errorText(err) });
      return { ...base, state: 'polling', nextAt: now + this.d.options.acceptRetryMs };
    }
  }

  /**
   * Paid and in the ledger. `checked=1`: final, off the schedule. `checked=0`: "not the final status", so it
   * stays on its schedule until GameCenter says final: a reset (2/3) can still come, and is then revoked.
   */
  private stillPaid(c: ClaimedOrder, answer: GameCenterOrderStatus, base: Omit<OrderSettlement, 'state'>, now: number): OrderSettlement {
    const ledgerKey = base.ledgerKey ?? c.ledgerKey;
    if (answer.checked === 1) return { ...base, ledgerKey, state: 'paid' };
    const at = nextCheckAt(c.firstSeenAt, now);
    if (at !== null) return { ...base, ledgerKey, state: 'polling', nextAt: at, reason: base.reason ?? 'paid, not final yet (checked=0)' };
    const reason = 'paid, still not final (checked=0) at the end of the polling window: the grant stands';
    this.d.logger.warn('GameCenter order never became final; its grant stands', { orderId: c.orderId, userId: c.userId, ledgerKey });
    return { ...base, ledgerKey, state: 'paid', reason };
  }

  /** GameCenter reset an order the ledger already has: revoked (granted) or cancelled (not granted yet). */
  private async revoke(c: ClaimedOrder, why: string, base: Pick<OrderSettlement, 'orderId' | 'fence' | 'answered' | 'answer'>, now: number): Promise<OrderSettlement> {
    const ledgerKey = c.ledgerKey!;
    let outcome;
    try {
      outcome = await this.d.ledger.revoke(ledgerKey, `GameCenter: ${why}`);
    } catch (err) {
      this.d.logger.warn('GameCenter order reset, but the ledger could not record the revocation; trying again shortly', { orderId: c.orderId, error: errorText(err) });
      return { ...base, ledgerKey, state: 'polling', nextAt: now + this.d.options.acceptRetryMs };
    }
    const fields = { orderId: c.orderId, userId: c.userId, ledgerKey, reason: why };
    switch (outcome) {
      case 'revoked':
        this.d.logger.error('GameCenter order reset after it was granted: revoked in the ledger, onRevoked is told to claw back', fields);
        return { ...base, ledgerKey, state: 'revoked', reason: why };
      case 'already-revoked':
        return { ...base, ledgerKey, state: 'revoked', reason: why };
      case 'in-progress':
        return { ...base, ledgerKey, state: 'polling', nextAt: now + this.d.options.acceptRetryMs, reason: 'reset while its grant runs' };
      case 'cancelled':
        this.d.logger.error('GameCenter order reset before its grant ran: the grant is cancelled', fields);
        return { ...base, ledgerKey, state: 'cancelled', reason: why };
      default:
        this.d.logger.warn('GameCenter order reset; nothing was granted for it', { ...fields, ledger: outcome });
        return { ...base, ledgerKey, state: 'cancelled', reason: why };
    }
  }

  private unanswered(c: ClaimedOrder, now: number): OrderSettlement {
    const at = nextCheckAt(c.firstSeenAt, now);
    if (at !== null) return { orderId: c.orderId, fence: c.fence, answered: false, state: 'polling', nextAt: at };
    if (now - c.firstSeenAt < POLL_WINDOW_MS + FAILED_CHECK_GRACE_MS) {
      // the window is over but its last check failed: an order must not be given up without a last answer
      return { orderId: c.orderId, fence: c.fence, answered: false, state: 'polling', nextAt: now + FAILED_CHECK_RETRY_MS };
    }
    const reason = 'no answer from GameCenter at the end of the polling window';
    this.d.logger.warn('GameCenter order given up', { orderId: c.orderId, userId: c.userId, reason });
    return { orderId: c.orderId, fence: c.fence, answered: false, state: 'expired', reason };
  }

  private async settle(list: OrderSettlement[]): Promise<void> {
    if (list.length === 0) return;
    try {
      await this.d.store.run(settleOrdersScript, [this.keys.due], settleArgs(this.d.clock.now(), this.keys.orderPrefix, this.keys.donePrefix, this.d.options.retention ?? DEFAULT_RETENTION, list));
      // one line per outcome an operator looks for; a check that finds the order still unpaid is not one
      for (const o of list) {
        if (o.state === 'polling') continue;
        this.d.journal?.note('gamecenter-order', o.orderId, o.state, { reason: o.reason, ledgerKey: o.ledgerKey, answer: o.answer ? safeJson(o.answer) : undefined });
      }
    } catch (err) {
      // the leases run out and the orders are checked again; a paid one is a ledger duplicate then
      this.d.logger.warn('could not record order check outcomes; they are checked again when the lease ends', { orders: list.length, error: errorText(err) });
    }
  }
}

/** What a tombstone keeps of an order whose record expired: its final state, first sighting and user. */
function fromTombstone(orderId: string, tombstone: string): PolledOrder {
  const [state, firstSeenAt, ...user] = tombstone.split('|');
  return { orderId, userId: user.join('|'), state: state as PolledOrder['state'], firstSeenAt: Number(firstSeenAt), checks: 0 };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
