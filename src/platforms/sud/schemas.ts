/**
 * SUD's wire shapes, parsed leniently: SUD says fields may be added at any time, and its own examples mix
 * numbers and numeric strings, so unknown keys are kept and numeric strings are read as numbers. What a
 * settlement cannot do without (match, room, each player's uid and scores) is still required.
 */
import { z } from 'zod';
import type { PlayerResult, Settlement, SudEvent } from './types.js';

export const MATCH_SETTLE_EVENT = 'sud.mg.merchant.match.settle';

// The field types below are single checks rather than unions of zod types: a union tries each member and
// builds an issue for every member that fails, which made parsing the most expensive step of a notification.

const NUMBER_TEXT = /^-?\d+(\.\d+)?$/;

/** An id SUD may send as a string or a number; kept as text so long ids stay exact. */
const idText = z.unknown().transform((v, ctx) => {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  ctx.addIssue({ code: 'custom', message: v === '' ? 'must not be empty' : 'expected a string or a number' });
  return z.NEVER;
});

function readNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') {
    const t = v.trim();
    if (NUMBER_TEXT.test(t)) return Number(t);
  }
  return undefined;
}

/** A number, or a string holding one (`"272"`). Empty strings and null are not numbers. */
const numeric = z.unknown().transform((v, ctx) => {
  const n = readNumber(v);
  if (n !== undefined) return n;
  ctx.addIssue({ code: 'custom', message: 'expected a number' });
  return z.NEVER;
});

/** A boolean, or a number (as number or text) where non-zero is true. */
const flag = z.unknown().transform((v, ctx) => {
  if (typeof v === 'boolean') return v;
  const n = readNumber(v);
  if (n !== undefined) return n !== 0;
  ctx.addIssue({ code: 'custom', message: 'expected a boolean or a number' });
  return z.NEVER;
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const envelopeSchema = z.looseObject({
  notify_id: idText,
  notify_time: z.union([z.string(), z.number()]).optional(),
  app_id: idText,
  notify_event: z.string().min(1, 'must not be empty'),
  // checked, not copied: the settlement schema reads it next
  data: z.custom<Record<string, unknown>>(isObject, 'expected an object'),
});

export type SudEnvelope = z.output<typeof envelopeSchema>;

const playerSchema = z.looseObject({
  // a robot's uid is "" (some senders use null)
  uid: z.union([z.string(), z.number(), z.null()]).transform((v) => (v === null ? '' : String(v))),
  is_ai: flag,
  score: numeric,
  remain_score: numeric,
  commission_score: numeric.optional(),
});

export const matchSettleSchema = z.looseObject({
  mg_id: idText.optional(),
  room_id: idText,
  game_mode: numeric.optional(),
  match_id: idText,
  battle_start_at: numeric.optional(),
  battle_end_at: numeric.optional(),
  battle_duration: numeric.optional(),
  results: z.array(playerSchema),
  report_game_info_key: z.string().optional(),
  report_game_info_extras: z.string().optional(),
});

const KNOWN_PLAYER = new Set(['uid', 'is_ai', 'score', 'remain_score', 'commission_score']);

export function settlementFromSud(data: Record<string, unknown>, notifyId: string): { ok: true; settlement: Settlement } | { ok: false; reason: string } {
  const parsed = matchSettleSchema.safeParse(data);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error, 'data', data) };
  const d = parsed.data;
  const results: PlayerResult[] = d.results.map((p) => {
    const player: PlayerResult = { uid: p.uid, isAi: p.is_ai, score: p.score, remainScore: p.remain_score };
    if (p.commission_score !== undefined) player.commissionScore = p.commission_score;
    for (const key in p) if (!KNOWN_PLAYER.has(key)) player[key] = (p as Record<string, unknown>)[key];
    return player;
  });
  // built field by field in a fixed order (the stored JSON reads the same for every match)
  const settlement = { matchId: d.match_id, roomId: d.room_id, source: 'sud' } as Settlement;
  if (d.mg_id !== undefined) settlement.mgId = d.mg_id;
  if (d.game_mode !== undefined) settlement.gameMode = d.game_mode;
  if (d.battle_start_at !== undefined) settlement.battleStartAt = d.battle_start_at;
  if (d.battle_end_at !== undefined) settlement.battleEndAt = d.battle_end_at;
  if (d.battle_duration !== undefined) settlement.battleDurationSec = d.battle_duration;
  settlement.results = results;
  if (d.report_game_info_key !== undefined) settlement.reportGameInfoKey = d.report_game_info_key;
  if (d.report_game_info_extras !== undefined) settlement.reportGameInfoExtras = d.report_game_info_extras;
  settlement.notifyId = notifyId;
  settlement.raw = data;
  return { ok: true, settlement };
}

export function eventFromEnvelope(env: SudEnvelope): SudEvent {
  const time = env.notify_time === undefined ? NaN : Number(env.notify_time);
  return dropUndefined({
    notifyId: env.notify_id,
    event: env.notify_event,
    notifyTime: Number.isFinite(time) ? time : undefined,
    appId: env.app_id,
    data: env.data,
    raw: env as Record<string, unknown>,
  });
}

/**
 * The settlement or event a recorded notification body carries, read exactly as the route read it when
 * it answered SUD (the same parse of the same text), so a job run from the store sees what the first run
 * saw. Undefined when the body no longer reads as one (it did when it was recorded).
 */
export function workFromBody(kind: 'settle' | 'event', body: string): Settlement | SudEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const env = envelopeSchema.safeParse(json);
  if (!env.success) return undefined;
  if (kind === 'event') return eventFromEnvelope(env.data);
  const s = settlementFromSud(env.data.data, env.data.notify_id);
  return s.ok ? s.settlement : undefined;
}

const reportPlayerSchema = z
  .looseObject({
    // rooms name the player `userId`; SUD's word is `uid`: either is read
    uid: z.union([z.string(), z.number()]).transform(String).optional(),
    userId: z.union([z.string(), z.number()]).transform(String).optional(),
    isAi: z.boolean().default(false),
    score: numeric,
    remainScore: numeric.optional(),
    commissionScore: numeric.optional(),
  })
  .refine((p) => p.uid !== undefined || p.userId !== undefined, { message: 'expected uid or userId', path: ['uid'] })
  .transform(({ userId, ...p }) => ({ ...p, uid: p.uid ?? userId! }));

/** What a room passes to `settlements.report`: the settlement in the game's own words. */
export const settlementReportSchema = z.looseObject({
  matchId: idText,
  roomId: idText,
  results: z.array(reportPlayerSchema),
  mgId: idText.optional(),
  gameMode: numeric.optional(),
  battleStartAt: numeric.optional(),
  battleEndAt: numeric.optional(),
  battleDurationSec: numeric.optional(),
  reportGameInfoKey: z.string().optional(),
  reportGameInfoExtras: z.string().optional(),
});

export type SettlementReport = z.input<typeof settlementReportSchema>;

export function settlementFromReport(input: unknown): { ok: true; settlement: Settlement } | { ok: false; reason: string } {
  const parsed = settlementReportSchema.safeParse(input);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error, 'settlement', input) };
  const { source: _ignored, notifyId: _none, raw: _raw, ...fields } = parsed.data as Record<string, unknown>;
  return {
    ok: true,
    settlement: { ...(fields as Omit<Settlement, 'source' | 'raw'>), source: 'room', raw: input as Record<string, unknown> },
  };
}

/** "data.results[0].score: expected a number; data.match_id: missing": what the log line and the ret_msg say. */
export function describeIssues(error: z.ZodError, base: string, input: unknown): string {
  return error.issues
    .slice(0, 5)
    .map((i) => {
      const where = [base, ...i.path].map((p, n) => (typeof p === 'number' ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`)).join('');
      return `${where}: ${valueAt(input, i.path) === undefined ? 'missing' : i.message}`;
    })
    .join('; ');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function dropUndefined<T extends object>(o: T): T {
  const out = {} as Record<string, unknown>;
  for (const key in o) if ((o as Record<string, unknown>)[key] !== undefined) out[key] = (o as Record<string, unknown>)[key];
  return out as T;
}
