/**
 * Lets the rooms layer's `settle()` reports share SUD's dedupe: an object with the rooms layer's
 * `SettlementSink` shape (described structurally here, so this folder does not depend on src/rooms) that
 * records each report through `settlements.report`, keyed by match id like SUD's `match.settle`.
 */
import type { SudSettlements } from './install.js';

/** The part of a rooms-layer settlement this needs. */
export interface RoomSettlementLike {
  matchId: string;
  roomId: string;
  results: Array<{ userId: string; score: number; [key: string]: unknown }>;
  extra?: Record<string, unknown>;
}

export function sudSettlementSink(settlements: SudSettlements): { report(s: RoomSettlementLike): Promise<void> } {
  return {
    async report(s) {
      // rejects when Redis is down, so the rooms layer's queue keeps the report and sends it again
      await settlements.report({ ...(s.extra ?? {}), ...s, results: s.results });
    },
  };
}
