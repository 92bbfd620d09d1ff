/**
 * A room's `static onAuth` for GameCenter players. The client joins with its GameCenter SDK access token as
 * the auth token (`client.auth.token = accessToken` in the Colyseus SDK) and its GameCenter user id as the
 * join option `userId`; auth.check_status confirms the token belongs to that user.
 *
 * @example
 * const onAuth = gameCenterOnAuth(bridge.gamecenter.client, { cacheMs: 30_000 });
 * class BattleRoom extends Room {
 *   static onAuth = onAuth; // client.auth becomes { userId }
 * }
 */
import { createHash } from 'node:crypto';
import { ErrorCode, ServerError } from '@colyseus/core';
import type { Logger } from '../../logger.js';
import type { GameCenterClient } from './client.js';
import { GameCenterError, GameCenterRequestError } from './errors.js';
import { errorText } from '../../errorText.js';

export interface GameCenterOnAuthOptions {
  /** How long a confirmed token is trusted without asking GameCenter again (0: always ask). */
  cacheMs?: number;
  /** Confirmed tokens kept at most; the least recently used goes first. */
  maxEntries?: number;
  /** Clock for the cache (tests). */
  now?: () => number;
  /** Where refusals are logged (one line each, never the token). */
  logger?: Logger;
}

/** What `client.auth` holds after a successful join. */
export interface GameCenterAuth {
  userId: string;
}

export type GameCenterOnAuth = (token: string, options: unknown, context?: unknown) => Promise<GameCenterAuth>;

/**
 * Why a join was refused. It is a Colyseus `ServerError`, so the matchmaker answers the client with its
 * `code`: `ErrorCode.AUTH_FAILED` (525) for a refusal, `ErrorCode.APPLICATION_ERROR` (526) when GameCenter
 * could not be asked; the SDK rejects the join with that code and this message. GameCenter's own answer is
 * kept apart in `gameCenterCode` / `gameCenterMsg`: its codes (920–924, 999, 900) are not HTTP statuses,
 * and the matchmaker uses `code` as one.
 */
export class GameCenterAuthError extends ServerError {
  /** GameCenter's code (920–924, 999, 900) when GameCenter answered the check; undefined otherwise. */
  readonly gameCenterCode: number | undefined;
  /** GameCenter's `msg` when it answered the check. */
  readonly gameCenterMsg: string | undefined;

  constructor(message: string, details: { code?: number; gameCenterCode?: number; gameCenterMsg?: string; cause?: unknown } = {}) {
    super(details.code ?? ErrorCode.AUTH_FAILED, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'GameCenterAuthError';
    this.gameCenterCode = details.gameCenterCode;
    this.gameCenterMsg = details.gameCenterMsg;
  }
}

export function gameCenterOnAuth(client: Pick<GameCenterClient, 'checkAuth'>, options: GameCenterOnAuthOptions = {}): GameCenterOnAuth {
  const cacheMs = options.cacheMs ?? 30_000;
  const maxEntries = Math.max(1, options.maxEntries ?? 10_000);
  const now = options.now ?? Date.now;
  // insertion order is recency order: a hit is re-inserted, the first key is the least recently used
  const confirmed = new Map<string, number>();

  return async (token, joinOptions) => {
    const userId = (joinOptions as { userId?: unknown } | null | undefined)?.userId;
    if (typeof token !== 'string' || token === '') throw refused(options.logger, new GameCenterAuthError('a GameCenter access token is required as the auth token'), userId);
    if (typeof userId !== 'string' || userId === '') throw refused(options.logger, new GameCenterAuthError('the join option `userId` (the GameCenter user id) is required'), userId);
    // keyed by a digest so the cache never holds tokens themselves
    const key = createHash('sha256').update(userId).update('\u0000').update(token).digest('base64');
    const until = confirmed.get(key);
    if (until !== undefined) {
      confirmed.delete(key);
      if (until > now()) {
        confirmed.set(key, until);
        return { userId };
      }
    }
    try {
      await client.checkAuth(userId, token);
    } catch (err) {
      throw refusal(err, userId, options.logger);
    }
    if (cacheMs > 0) {
      confirmed.set(key, now() + cacheMs);
      while (confirmed.size > maxEntries) confirmed.delete(confirmed.keys().next().value!);
    }
    return { userId };
  };
}

/** The refusal a failed auth.check_status becomes, logged once. */
function refusal(err: unknown, userId: string, logger: Logger | undefined): GameCenterAuthError {
  if (err instanceof GameCenterError) {
    const e = new GameCenterAuthError(`GameCenter refused the token (${err.code}${err.msg ? `: ${err.msg}` : ''})`, { gameCenterCode: err.code, gameCenterMsg: err.msg, cause: err });
    return refused(logger, e, userId);
  }
  if (err instanceof GameCenterRequestError) return refused(logger, new GameCenterAuthError(err.message, { cause: err }), userId);
  // GameCenter unreachable: refusing is the only safe answer; the client may retry the join
  const e = new GameCenterAuthError('GameCenter could not check the token right now; try again', { code: ErrorCode.APPLICATION_ERROR, cause: err });
  logger?.warn('GameCenter onAuth: join refused, the token could not be checked', { userId, error: errorText(err) });
  return e;
}

function refused(logger: Logger | undefined, e: GameCenterAuthError, userId: unknown): GameCenterAuthError {
  logger?.info('GameCenter onAuth: join refused', {
    userId: typeof userId === 'string' ? userId : undefined,
    code: e.code,
    gameCenterCode: e.gameCenterCode,
    gameCenterMsg: e.gameCenterMsg,
    reason: e.message,
  });
  return e;
}
