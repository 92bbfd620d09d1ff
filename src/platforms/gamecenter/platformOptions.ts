/**
 * Options of the GameCenter platform as a whole: the API client's options plus the workers' (rank
 * flushing, zone sync, order and transfer polling) and the transfer outcome handler.
 */
import { z } from 'zod';
import { isTimeZone } from '../../timeZone.js';
import { MAX_RANK_PAIRS, MAX_ZONE_ROWS } from './client.js';
import { gameCenterOptionsSchema, refuseInsecureBaseUrl } from './options.js';
import type { TransferHandler } from './transfers/types.js';
import { backoffDelay } from '../../backoff.js';

const ms = (fallback: number, min: number, what: string) => z.number().int().min(min).default(fallback).describe(what);

const transferHandlerSchema = z.custom<TransferHandler>((v) => typeof v === 'function', { message: 'expected a function (outcome) => void' });
const TRANSFER_HANDLER_TEXT =
  "Told each transfer's final outcome ({ transferId, reference, outcome: 'success' | 'failed', amount in cents, … }) once it is known. One process at a time calls it for a transfer; it is called again if it throws or its process dies, so treat a repeated transferId as done.";

export const gameCenterPlatformOptionsSchema = gameCenterOptionsSchema
  .extend({
    rankTimeZone: z
      .string()
      .refine(isTimeZone, { message: 'expected an IANA time zone such as "UTC" or "Asia/Dubai"' })
      .default('UTC')
      .describe('IANA time zone in which a rank "day" turns: GameCenter keeps one rank submission per user per day, and the document does not say whose day. Ask GameCenter and set it to match.'),
    rankFlushIntervalMs: ms(60_000, 100, 'How often each process submits changed ranks (each user at most once a day, in batches of at most 999).'),
    rankBatchSize: z.number().int().min(1).max(MAX_RANK_PAIRS).default(MAX_RANK_PAIRS).describe('Users per sync.rank_data request (the platform accepts fewer than 1000).'),
    rankRetryMs: ms(60_000, 100, 'When the users of a failed rank request are tried again.'),
    leaseMs: ms(
      60_000,
      1000,
      'How long a process owns work it claimed (a rank batch, a zone event, orders being checked, a transfer) before another process may take it over. Must exceed the longest API call including the client retries.',
    ),
    zoneActiveFlushMs: ms(60_000, 100, 'How often role activity (sync.user_game_zone_data type 2) is sent, one row per user and zone.'),
    zoneActiveBatchSize: z.number().int().min(1).max(MAX_ZONE_ROWS).default(MAX_ZONE_ROWS).describe('Activity rows per request (at most 1000).'),
    zoneRetryMs: ms(5_000, 50, 'Delay before retrying a create-role or order-zone event that failed; doubles per attempt up to 32×. Also how often the retry queue is looked at.'),
    zoneMaxAttempts: z
      .number()
      .int()
      .min(1)
      .default(20)
      .describe(
        'Failed sends (no usable answer) of one create-role or order-zone event before it is parked: logged as an error, listed by `zones.parked()` and in health, and still retried at the longest backoff. Refusals (999, 923) are parked at once.',
      ),
    pollTickMs: ms(1_000, 50, 'How often each process looks for orders and transfers due for a check (orders are checked every 3 s in their first 30 s).'),
    pollClaimLimit: z.number().int().min(1).max(10_000).default(1000).describe('Orders (and transfers) one process claims per tick at most.'),
    checkChunkSize: z.number().int().min(1).max(500).default(100).describe('Order or transfer ids per order.check_status / transfer.check_status request.'),
    pollConcurrency: z.number().int().min(1).max(32).default(4).describe('order.check_status requests in flight at once per tick.'),
    sandboxOrders: z
      .enum(['grant', 'refuse'])
      .optional()
      .describe(
        "What a paid order GameCenter marks sandbox (`env: 0`) or test user (`test: true`) gets. 'grant': granted, reaching the grant handler with `order.sandbox` / `order.testUser` set; 'refuse': recorded in the ledger as `declined` (for audit) and never granted. Default: 'refuse' when baseUrl is production (https://api.amusgame.net: no real money was paid), 'grant' otherwise (the test host, a local double).",
      ),
    acceptRetryMs: ms(3_000, 50, 'When a paid order that the ledger could not record (Redis away) is tried again.'),
    transferPollMs: ms(10_000, 50, 'Check interval of a transfer in its first hour.'),
    transferSlowPollMs: ms(300_000, 50, 'Check interval of a transfer after its first hour.'),
    transferHandlerRetryMs: ms(5_000, 50, 'Delay before calling a failed onTransfer handler again; doubles per attempt up to 32×.'),
    transferHandlerTimeoutMs: z
      .number()
      .int()
      .min(100)
      .optional()
      .describe(
        'Deadline of one onTransfer call: past it, `ctx.signal` aborts and the call counts as failed (called again after transferHandlerRetryMs). Must be below leaseMs, so a call ends before another process may take the transfer over. Default: 30 s, or half of leaseMs if that is shorter.',
      ),
    onTransfer: transferHandlerSchema.optional().describe(TRANSFER_HANDLER_TEXT),
    recordDays: z
      .number()
      .positive()
      .default(90)
      .describe(
        'Days a final GameCenter order (paid, cancelled, mismatch, expired, revoked, declined) or a reported transfer keeps its full record in Redis, counted from when it became final. Then only a tombstone is left.',
      ),
    dedupeDays: z
      .number()
      .positive()
      .default(400)
      .describe(
        "Days, from when it became final, that a GameCenter order stays known by its tombstone (registering it again changes nothing and polls nothing) and a transfer reference stays used (a second transfer.new with it is refused). Then nothing is kept: a paid order registered again is polled again, and the ledger's own dedupe (ledger.dedupeDays) is what keeps it from being granted twice.",
      ),
    authCacheMs: ms(30_000, 0, 'How long the onAuth verifier trusts a confirmed token without asking auth.check_status again (0: always ask).'),
    authCacheEntries: z.number().int().min(1).default(10_000).describe('Confirmed tokens the onAuth verifier keeps at most (least recently used dropped first).'),
  })
  .superRefine(refuseInsecureBaseUrl)
  .refine((o) => o.leaseMs > worstCallMs(o), {
    message: 'leaseMs must exceed the longest API call: timeoutMs × (retries + 1) plus the retry back-off',
    path: ['leaseMs'],
  })
  .refine((o) => o.dedupeDays >= o.recordDays, { message: 'dedupeDays must be at least recordDays: the tombstone outlives the record', path: ['dedupeDays'] })
  .refine((o) => o.transferHandlerTimeoutMs === undefined || o.transferHandlerTimeoutMs < o.leaseMs, {
    message: 'transferHandlerTimeoutMs must be below leaseMs: a transfer is leased to one process while its handler runs',
    path: ['transferHandlerTimeoutMs'],
  })
  .describe('GameCenter (ToTok) server API: client, rank and zone sync, order and transfer polling.');

/** The onTransfer deadline in force: as configured, else 30 s or half the lease if shorter. */
export function transferHandlerTimeoutOf(o: { transferHandlerTimeoutMs?: number; leaseMs: number }): number {
  return o.transferHandlerTimeoutMs ?? Math.min(30_000, Math.floor(o.leaseMs / 2));
}

/** Longest one client call can take: every attempt timing out, plus the largest back-off before each retry. */
function worstCallMs(o: { timeoutMs: number; retries: number; retryBackoffMs: number }): number {
  let backoff = 0;
  for (let i = 1; i <= o.retries; i++) backoff += backoffDelay(i, { baseMs: o.retryBackoffMs });
  return o.timeoutMs * (o.retries + 1) + backoff;
}

/** `recordDays` / `dedupeDays` in milliseconds. */
export function retentionOf(o: { recordDays: number; dedupeDays: number }): { recordMs: number; dedupeMs: number } {
  return { recordMs: Math.round(o.recordDays * 86_400_000), dedupeMs: Math.round(o.dedupeDays * 86_400_000) };
}

export type GameCenterPlatformOptionsInput = z.input<typeof gameCenterPlatformOptionsSchema>;
export type GameCenterPlatformOptions = z.output<typeof gameCenterPlatformOptionsSchema>;
