/**
 * Validates and copies what a room passes to `settle()`. The copy is taken in the room's call, since the
 * report is sent later and the room may reuse its objects; anything that is not JSON is refused with a
 * reason rather than sent half.
 */
import { idText } from '../../roles/ids.js';
import { jsonCopy, type Normalized } from '../../roles/normalize.js';
import type { JsonValue, Settlement, SettlementInput } from '../services.js';

export function normalizeSettlement(input: SettlementInput, stamp: { zoneId: string; roomId: string; roomName: string; reportedAt: number }): Normalized<Settlement> {
  if (input === null || typeof input !== 'object') return { ok: false, reason: 'expected an object' };
  const matchId = idText(input.matchId);
  if (!matchId) return { ok: false, reason: 'matchId must be a non-empty string or a safe integer' };
  if (!Array.isArray(input.results)) return { ok: false, reason: 'results must be an array' };
  const { matchId: _m, results: _r, ...rest } = input;
  const extra = jsonCopy(rest);
  if (extra === undefined || extra === null || typeof extra !== 'object' || Array.isArray(extra)) {
    return { ok: false, reason: 'the extra fields are not JSON' };
  }
  const results: Settlement['results'] = [];
  for (const [i, r] of input.results.entries()) {
    const copy = jsonCopy(r);
    if (copy === undefined || copy === null || typeof copy !== 'object' || Array.isArray(copy)) return { ok: false, reason: `results[${i}] is not a JSON object` };
    const userId = idText(r.userId);
    if (!userId) return { ok: false, reason: `results[${i}].userId must be a non-empty string or a safe integer` };
    if (typeof r.score !== 'number' || !Number.isFinite(r.score)) return { ok: false, reason: `results[${i}].score must be a finite number` };
    results.push({ ...(copy as Record<string, JsonValue>), userId, score: r.score });
  }
  return { ok: true, value: { matchId, results, extra: extra as Record<string, JsonValue>, ...stamp } };
}
