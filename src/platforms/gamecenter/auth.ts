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
import type { GameCenterClient } from './client.js';
import { GameCenterError, GameCenterRequestError } from './errors.js';

export interface GameCenterOnAuthOptions {
  /** How long a confirmed token is trusted without asking GameCenter again (0: always ask). */
  cacheMs?: number;
  /** Confirmed tokens kept at most; the least recently used goes first. */
  maxEntries?: number;
  /** Clock for the cache (tests). */
  now?: () => number;
}

/** What `client.auth` holds after a successful join. */
export interface GameCenterAuth {
  userId: string;
}

export type GameCenterOnAuth = (token: string, options: unknown, context?: unknown) => Promise<GameCenterAuth>;

/** Why a join was refused; Colyseus turns a thrown error into a failed join. */
export class GameCenterAuthError extends Error {
  override name = 'GameCenterAuthError';
  constructor(
    message: string,
    /** The GameCenter code (920–924) when GameCenter refused the token. */
    readonly code?: number,
  ) {
    super(message);
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
    if (typeof token !== 'string' || token === '') throw new GameCenterAuthError('a GameCenter access token is required as the auth token');
    if (typeof userId !== 'string' || userId === '') throw new GameCenterAuthError('the join option `userId` (the GameCenter user id) is required');
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
      if (err instanceof GameCenterError) throw new GameCenterAuthError(`GameCenter refused the token (${err.code})`, err.code);
      if (err instanceof GameCenterRequestError) throw new GameCenterAuthError(err.message);
      // GameCenter unreachable: refusing is the only safe answer; the client may retry the join
      throw new GameCenterAuthError('GameCenter could not check the token right now');
    }
    if (cacheMs > 0) {
      confirmed.set(key, now() + cacheMs);
      while (confirmed.size > maxEntries) confirmed.delete(confirmed.keys().next().value!);
    }
    return { userId };
  };
}
