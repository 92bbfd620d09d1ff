import type { RankType } from '../client.js';

/** One user's latest value of one rank type, as a room last reported it. */
export interface RankEntry {
  /** GameCenter platform user id (from the SDK's auth callback). */
  userId: string;
  /** 0 game level, 1 game score, 2 game checkpoint. */
  type: RankType;
  value: number;
}

/**
 * Where the rooms layer hands its per-process latest-value map, periodically. Only the latest value per
 * user and type matters: GameCenter takes one submission per user per day, so the sink keeps values, not
 * events, and resolves once they are shared (in Redis) and safe from this process dying.
 * @remarks Extension point: `bridge.rooms.pipeRanks(sink)` hands the rank book to your own store too.
 */
export interface RankSink {
  record(entries: ReadonlyArray<RankEntry>): Promise<void>;
}
