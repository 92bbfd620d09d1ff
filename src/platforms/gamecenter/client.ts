/**
 * Typed client for every API of the GameCenter server document (1.0.15). Each call is a signed form POST to
 * `<baseUrl>/gameserver/<api>`; a non-zero `code` becomes a typed {@link GameCenterError}, no usable answer a
 * {@link GameCenterTransportError}, and documented limits are checked before anything is sent.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { z } from 'zod';
import { consoleLogger, guardLogger } from '../../logger.js';
import type { Logger } from '../../logger.js';
import { formatAmount2 } from './amount.js';
import { CallLog } from './callLog.js';
import { GameCenterError, GameCenterErrorCode, GameCenterRequestError, GameCenterTransportError, gameCenterErrorFor } from './errors.js';
import { stringifyIdRows } from './idRows.js';
import { parseGameCenterOptions } from './options.js';
import type { GameCenterOptions, GameCenterOptionsInput } from './options.js';
import { createdIdSchema, friendListSchema, orderStatusMapSchema, orderStatusSchema, playingUserListSchema, transferStatusMapSchema } from './schemas.js';
import type { GameCenterFriend, GameCenterOrderStatus, GameCenterPlayingUser, GameCenterTransferStatus } from './schemas.js';
import { buildSignedForm, createNonceSource } from './signer.js';
import type { FormParams, NonceSource } from './signer.js';
import { postForm } from './transport.js';
import { backoffDelay } from '../../backoff.js';

export type GameCenterApi =
  | 'auth.check_status'
  | 'user.friends'
  | 'user.playing_friends'
  | 'user.playing_members'
  | 'sync.rank_data'
  | 'sync.user_game_zone_data'
  | 'sync.order_game_zone_data'
  | 'order.check_status'
  | 'order.new_exchange'
  | 'transfer.new'
  | 'transfer.check_status';

/** rank_type of sync.rank_data. */
export const RANK_TYPE = { LEVEL: 0, SCORE: 1, CHECKPOINT: 2 } as const;
export type RankType = (typeof RANK_TYPE)[keyof typeof RANK_TYPE];

/** user_game_zone_type of sync.user_game_zone_data. */
export const ZONE_EVENT = { CREATE_ROLE: 1, ACTIVE: 2 } as const;
export type ZoneEventType = (typeof ZONE_EVENT)[keyof typeof ZONE_EVENT];

/** Documented batch limits: rank data "less than 1000", zone data "no more than 1000". */
export const MAX_RANK_PAIRS = 999;
export const MAX_ZONE_ROWS = 1000;
export const MAX_GAME_ZONE = 32767;

/*
 * When an attempt may be repeated.
 * - 'idempotent': reads and the token check. Repeating changes nothing on the platform, so any transient
 *   transport failure and code 900 are retried.
 * - 'unsent-only': sync.*. The platform accepts each rank once per user per day and each create-role/order
 *   zone event once. If a timed-out attempt was in fact applied, the repeat is answered 998 and the caller
 *   can no longer tell "stored" from "refused", and its "last sent" bookkeeping goes wrong; a 900 may have
 *   stored part of a batch. So only failures that prove the request never arrived (connection refused,
 *   unknown host) are retried; everything else is surfaced for the caller to reconcile.
 * - 'never': order.new_exchange and transfer.new move money. A repeat after a lost answer could record a
 *   purchase or pay a user twice, and the document offers no idempotency key, so nothing is retried, not
 *   even a refused connection: the caller decides, knowing `reachedServer`.
 */
type RetryPolicy = 'idempotent' | 'unsent-only' | 'never';

const RETRY_POLICY: Record<GameCenterApi, RetryPolicy> = {
  'auth.check_status': 'idempotent',
  'user.friends': 'idempotent',
  'user.playing_friends': 'idempotent',
  'user.playing_members': 'idempotent',
  'order.check_status': 'idempotent',
  'transfer.check_status': 'idempotent',
  'sync.rank_data': 'unsent-only',
  'sync.user_game_zone_data': 'unsent-only',
  'sync.order_game_zone_data': 'unsent-only',
  'order.new_exchange': 'never',
  'transfer.new': 'never',
};

export interface GameCenterClientDeps {
  /** HTTP implementation; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Clock for the `timestamp` parameter, in ms. */
  now?: () => number;
  /** Nonce generator; the default is random and never repeats the previous value. */
  nonceSource?: NonceSource;
  /** Uniform [0, 1) source for retry jitter. */
  random?: () => number;
  /**
   * Told about every attempt: the API, its answer code (0, the platform's code, or the transport failure
   * kind) and how long it took. The bridge's metrics count GameCenter calls here.
   */
  observe?: (api: GameCenterApi, code: number | string, seconds: number) => void;
}

export interface NewExchangeInput {
  /** GameCenter platform user id (from the SDK's auth callback). */
  userId: string;
  /** Payment environment: 0 sandbox, 1 production. */
  env: 0 | 1;
  /** Product id. */
  sku: string;
  /** The khalaspay transaction id. */
  orderRef: string;
  /** Price in major units (USD); sent with exactly two decimals. */
  amount: number | string;
}

export interface NewTransferInput {
  /** The user's access token from the GameCenter SDK. */
  userToken: string;
  /** Amount in major units (AED) moved from the merchant account to the user's wallet; two decimals. */
  amount: number | string;
}

export class GameCenterClient {
  private readonly options: GameCenterOptions;
  private readonly logger: Logger;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly nonces: NonceSource;
  private readonly random: () => number;
  private readonly log: CallLog;
  private readonly observe?: (api: GameCenterApi, code: number | string, seconds: number) => void;

  constructor(options: GameCenterOptions, logger: Logger, deps: GameCenterClientDeps = {}) {
    this.options = options;
    this.logger = guardLogger(logger);
    this.fetchImpl = deps.fetch ?? globalThis.fetch;
    this.now = deps.now ?? Date.now;
    this.nonces = deps.nonceSource ?? createNonceSource();
    this.random = deps.random ?? Math.random;
    this.log = new CallLog(this.logger, { baseUrl: options.baseUrl, appId: options.appId });
    this.observe = deps.observe;
  }

  /** Parses raw options (throwing on bad ones) and builds a client. */
  static fromOptions(input: GameCenterOptionsInput, logger: Logger = consoleLogger(), deps: GameCenterClientDeps = {}): GameCenterClient {
    return new GameCenterClient(parseGameCenterOptions(input), logger, deps);
  }

  /** auth.check_status: resolves `true` when the token belongs to the user, otherwise rejects with the typed error (920–924). */
  async checkAuth(userId: string, userToken: string): Promise<true> {
    const api = 'auth.check_status';
    requireText(api, 'userId', userId);
    requireText(api, 'userToken', userToken);
    await this.call(api, { userId, userToken }, null);
    return true;
  }

  /** user.friends: all friends of the token's user (`ttkUid` is for the SDK's sharing API, not a userId). */
  async friends(userToken: string): Promise<GameCenterFriend[]> {
    const api = 'user.friends';
    requireText(api, 'userToken', userToken);
    return this.call(api, { userToken }, friendListSchema);
  }

  /** user.playing_friends: the token's friends who play this game. */
  async playingFriends(userToken: string): Promise<GameCenterPlayingUser[]> {
    const api = 'user.playing_friends';
    requireText(api, 'userToken', userToken);
    return this.call(api, { userToken }, playingUserListSchema);
  }

  /** user.playing_members: members of a (SuperApp) group who play this game. */
  async playingMembers(userToken: string, groupId: string): Promise<GameCenterPlayingUser[]> {
    const api = 'user.playing_members';
    requireText(api, 'userToken', userToken);
    requireText(api, 'groupId', groupId);
    return this.call(api, { userToken, groupId }, playingUserListSchema);
  }

  /**
   * sync.rank_data: at most 999 users per call, each user once (the platform keeps one submission per user
   * per rank type per day, so a second one the same day is answered 998). An empty list sends nothing.
   */
  async syncRankData(rankType: RankType, pairs: ReadonlyArray<readonly [userId: string, value: number]>): Promise<void> {
    const api = 'sync.rank_data';
    if (!isOneOf(rankType, [0, 1, 2])) throw new GameCenterRequestError(api, `rank type ${rankType} is not 0, 1 or 2`);
    if (pairs.length > MAX_RANK_PAIRS) {
      throw new GameCenterRequestError(api, `${pairs.length} users in one call; the platform accepts fewer than 1000 (split the batch)`);
    }
    if (pairs.length === 0) return;
    const seen = new Set<string>();
    for (const [userId, value] of pairs) {
      requireText(api, 'userId', userId);
      if (seen.has(userId)) throw new GameCenterRequestError(api, `user ${userId} appears twice in one batch`);
      seen.add(userId);
      if (!Number.isFinite(value)) throw new GameCenterRequestError(api, `value ${value} for user ${userId} is not a finite number`);
    }
    await this.call(api, { rank_type: rankType, rank_data: stringifyIdRows(pairs) }, null, pairs.length);
  }

  /**
   * sync.user_game_zone_data: type 1 = role created (submit immediately, once per user and zone), 2 = role
   * active. Rows are [userId, zone 0..32767, time in ms]; at most 1000 per call.
   */
  async syncUserGameZoneData(type: ZoneEventType, rows: ReadonlyArray<readonly [userId: string, zone: number, timeMs: number]>): Promise<void> {
    const api = 'sync.user_game_zone_data';
    if (!isOneOf(type, [1, 2])) throw new GameCenterRequestError(api, `type ${type} is not 1 (create) or 2 (active)`);
    if (rows.length > MAX_ZONE_ROWS) throw new GameCenterRequestError(api, `${rows.length} rows in one call; at most ${MAX_ZONE_ROWS}`);
    if (rows.length === 0) return;
    const seen = new Set<string>();
    for (const [userId, zone, timeMs] of rows) {
      requireText(api, 'userId', userId);
      requireZone(api, zone);
      if (!Number.isSafeInteger(timeMs) || timeMs < 0) throw new GameCenterRequestError(api, `time ${timeMs} is not a timestamp in ms`);
      const key = `${userId}\u0000${zone}`;
      if (type === ZONE_EVENT.CREATE_ROLE && seen.has(key)) {
        throw new GameCenterRequestError(api, `create event for user ${userId} in zone ${zone} appears twice in one batch`);
      }
      seen.add(key);
    }
    await this.call(api, { user_game_zone_data: stringifyIdRows(rows), user_game_zone_type: type }, null, rows.length);
  }

  /** sync.order_game_zone_data: rows are [orderId, zone 0..32767]; at most 1000 per call, each order once. */
  async syncOrderGameZoneData(rows: ReadonlyArray<readonly [orderId: string, zone: number]>): Promise<void> {
    const api = 'sync.order_game_zone_data';
    if (rows.length > MAX_ZONE_ROWS) throw new GameCenterRequestError(api, `${rows.length} rows in one call; at most ${MAX_ZONE_ROWS}`);
    if (rows.length === 0) return;
    const seen = new Set<string>();
    for (const [orderId, zone] of rows) {
      requireText(api, 'orderId', orderId);
      requireZone(api, zone);
      if (seen.has(orderId)) throw new GameCenterRequestError(api, `order ${orderId} appears twice in one batch`);
      seen.add(orderId);
    }
    await this.call(api, { order_game_zone_data: stringifyIdRows(rows) }, null, rows.length);
  }

  /**
   * order.check_status for several orders in one call. The result is keyed by the order id string exactly
   * as the response's keys spell it; orders the platform does not know are absent. No ids, no request.
   */
  async checkOrders(orderIds: readonly string[]): Promise<Map<string, GameCenterOrderStatus>> {
    const api = 'order.check_status';
    const ids = idList(api, 'order id', orderIds);
    if (ids.length === 0) return new Map();
    const data = await this.call(api, { orders: ids.join(',') }, orderStatusMapSchema, ids.length);
    // each order on its own: one malformed entry must not spoil the others of the call
    const out = new Map<string, GameCenterOrderStatus>();
    for (const [id, entry] of Object.entries(data)) {
      const parsed = orderStatusSchema.safeParse(entry);
      if (parsed.success) out.set(id, parsed.data);
      else
        this.logger.warn('GameCenter order.check_status: one order’s answer is malformed; it is left out and asked again later', {
          orderId: id,
          issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`).join('; '),
        });
    }
    return out;
  }

  /**
   * order.new_exchange: records a purchase paid with a khalaspay code; resolves the new orderId. Never
   * retried: on a GameCenterTransportError whose `reachedServer` is not `false`, the order may exist.
   */
  async newExchange(input: NewExchangeInput): Promise<string> {
    const api = 'order.new_exchange';
    requireText(api, 'userId', input.userId);
    requireText(api, 'sku', input.sku);
    requireText(api, 'orderRef', input.orderRef);
    if (!isOneOf(input.env, [0, 1])) throw new GameCenterRequestError(api, `env ${input.env} is not 0 (sandbox) or 1 (production)`);
    const amount = amountText(api, input.amount);
    return this.call(api, { userId: input.userId, channel: '5', env: input.env, sku: input.sku, orderRef: input.orderRef, amount, currency: 'USD' }, createdIdSchema);
  }

  /**
   * transfer.new: pays `amount` AED from the merchant account into the user's wallet; resolves the
   * transferId. Never retried: on a GameCenterTransportError whose `reachedServer` is not `false`, the
   * transfer may have been made. 370004 means the gateway refused it.
   */
  async newTransfer(input: NewTransferInput): Promise<string> {
    const api = 'transfer.new';
    requireText(api, 'userToken', input.userToken);
    const amount = amountText(api, input.amount);
    return this.call(api, { userToken: input.userToken, amount, currency: 'AED' }, createdIdSchema);
  }

  /** transfer.check_status: keyed by the transfer id string from the response's keys. No ids, no request. */
  async checkTransfers(transferIds: readonly string[]): Promise<Map<string, GameCenterTransferStatus>> {
    const api = 'transfer.check_status';
    const ids = idList(api, 'transfer id', transferIds);
    if (ids.length === 0) return new Map();
    const data = await this.call(api, { transfers: ids.join(',') }, transferStatusMapSchema, ids.length);
    return new Map(Object.entries(data));
  }

  /**
   * Sends one API call with its retry policy. Each attempt is signed afresh (new timestamp and nonce), since
   * the platform rejects a nonce equal to the previous one. `schema` validates `data` (`null`: ignore it).
   */
  protected async call<T>(api: GameCenterApi, params: FormParams, schema: z.ZodType<T> | null, items = 1): Promise<T> {
    const { appId, secret, sign, baseUrl, timeoutMs, maxResponseBytes } = this.options;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let answered = false;
      try {
        const form = buildSignedForm(appId, secret, params, sign, this.now(), this.nonces);
        const envelope = await postForm({ baseUrl, timeoutMs, maxResponseBytes, fetch: this.fetchImpl }, api, form);
        answered = true;
        this.observed(api, envelope.code, started);
        if (envelope.code !== 0) throw gameCenterErrorFor(api, envelope.code, envelope.msg, envelope.data);
        const data = parseData(api, schema, envelope.data);
        this.log.ok(api, items, attempt);
        return data;
      } catch (e) {
        if (!answered && e instanceof GameCenterTransportError) this.observed(api, e.kind, started);
        if (attempt <= this.options.retries && mayRetry(RETRY_POLICY[api], e)) {
          await delay(this.backoffMs(attempt));
          continue;
        }
        this.log.failed(api, e, attempt, RETRY_POLICY[api] === 'never');
        throw e;
      }
    }
  }

  private observed(api: GameCenterApi, code: number | string, started: number): void {
    try {
      this.observe?.(api, code, (performance.now() - started) / 1000);
    } catch {
      // counting must never fail a call
    }
  }

  /** Exponential: base, 2×base, 4×base, …, each drawn from its upper half so parallel clients spread out. */
  private backoffMs(attempt: number): number {
    return backoffDelay(attempt, { baseMs: this.options.retryBackoffMs, jitter: 'upperHalf', random: this.random });
  }
}

function mayRetry(policy: RetryPolicy, e: unknown): boolean {
  switch (policy) {
    case 'never':
      return false;
    case 'unsent-only':
      return e instanceof GameCenterTransportError && e.reachedServer === false;
    case 'idempotent':
      return (e instanceof GameCenterTransportError && e.transient) || (e instanceof GameCenterError && e.code === GameCenterErrorCode.INTERNAL);
  }
}

function parseData<T>(api: GameCenterApi, schema: z.ZodType<T> | null, data: unknown): T {
  if (schema === null) return undefined as T;
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  throw new GameCenterTransportError(api, 'invalid-response', `unexpected data: ${parsed.error.message}`, {
    reachedServer: true,
    transient: false,
    cause: parsed.error,
  });
}

function requireText(api: GameCenterApi, name: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new GameCenterRequestError(api, `${name} must be a non-empty string`);
}

function requireZone(api: GameCenterApi, zone: number): void {
  if (!Number.isInteger(zone) || zone < 0 || zone > MAX_GAME_ZONE) {
    throw new GameCenterRequestError(api, `game zone ${zone} is outside 0..${MAX_GAME_ZONE}`);
  }
}

function isOneOf(value: unknown, allowed: readonly number[]): boolean {
  return typeof value === 'number' && allowed.includes(value);
}

/** Ids for a comma-joined list parameter: non-empty, comma-free, duplicates dropped. */
function idList(api: GameCenterApi, what: string, ids: readonly string[]): string[] {
  for (const id of ids) {
    if (typeof id !== 'string' || id === '' || id.includes(',')) throw new GameCenterRequestError(api, `${what} ${JSON.stringify(id)} is invalid`);
  }
  return [...new Set(ids)];
}

function amountText(api: GameCenterApi, amount: number | string): string {
  try {
    return formatAmount2(amount);
  } catch (e) {
    throw new GameCenterRequestError(api, (e as Error).message);
  }
}
