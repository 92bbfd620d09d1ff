/**
 * Options of the SUD notify route and of the worker that runs the game's handlers. The `.describe()`
 * texts are the user-facing reference.
 */
import { z } from 'zod';
import { ipAllowList, routePath } from '../../optionHelpers.js';
import type { SettlementHandler, SudEventHandler } from './types.js';

const idText = z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String);

const settlementHandlerSchema = z.custom<SettlementHandler>((v) => typeof v === 'function', {
  message: 'expected a function (settlement, ctx) => void | Promise<void>',
});

const eventHandlerSchema = z.custom<SudEventHandler>((v) => typeof v === 'function', {
  message: 'expected a function (event, ctx) => void | Promise<void>',
});

export const sudWorkerOptionsSchema = z
  .strictObject({
    leaseMs: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .describe(
        "How long one process holds a settlement or event while its handler runs; renewed every third of it, on Redis's clock. A holder whose last confirmed renewal is older than `leaseMs` minus a fifth stops by itself (`ctx.signal` aborts, nothing recorded) before another process may take it over.",
      ),
    pollIntervalMs: z.number().int().min(10).default(500).describe('How often each process looks for due work (work recorded on this process starts at once).'),
    batchSize: z.number().int().min(1).max(1000).default(50).describe('Jobs claimed per look.'),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(256)
      .default(8)
      .describe('Handlers running at once on one process. As many new jobs again may wait there for a slot (leased to it); beyond that they are left for any process to claim.'),
    maxAttempts: z.number().int().min(1).default(30).describe('Failed attempts before a job is marked `given_up` and logged as an error (retry it with `settlements.retry`).'),
    backoffBaseMs: z.number().int().min(1).default(1000).describe('Delay before the second attempt; doubles per failure.'),
    backoffMaxMs: z.number().int().min(1).default(600_000).describe('Longest delay between attempts.'),
    handlerTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(60_000)
      .describe(
        'Deadline of one settlement or event handler run: past it, `ctx.signal` aborts and the attempt counts as failed (retried with backoff). Showing a settled match in its room comes after, outside this deadline, and never fails an attempt.',
      ),
  })
  .prefault({})
  .describe('How recorded SUD notifications are processed: leases, concurrency and retry backoff.');

export const sudOptionsSchema = z
  .strictObject({
    appId: idText.describe("Your SUD app id; `Sud-AppId` and the body's `app_id` must equal it."),
    appSecret: z.string().min(1, 'expected the SUD app secret').describe('SUD app secret: the HMAC-SHA1 key of `Sud-Signature`. Never logged.'),
    previousAppSecret: z.string().min(1).optional().describe('The secret being rotated out: signatures made with it are accepted too until you remove it.'),
    path: routePath('/platform/sud/notify', 'Path of the POST route SUD sends notifications to (its `notify_url`).'),
    maxSkewSec: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe(
        'Refuse notifications whose `Sud-Timestamp` is further than this from our clock (ret_code 1003). 0 = off (default): SUD does not document whether a redelivery is re-stamped. Up to 10 digits are read as seconds, longer as milliseconds.',
      ),
    ipAllowList: ipAllowList('SUD addresses (IPs or CIDR ranges) allowed to call the route; absent or empty allows every address (the signature is the gate).'),
    onSettlement: settlementHandlerSchema
      .optional()
      .describe(
        "The game's settlement handler: runs once per match (`ctx.idempotencyKey` = match_id) across all processes, for SUD `match.settle` notifications and room reports alike. Retried with backoff when it throws. Absent: settlements are recorded and delivered to their room only.",
      ),
    onEvent: eventHandlerSchema.optional().describe('Receives every other SUD notification once (`ctx.idempotencyKey` = notify_id). Absent: other notifications are recorded and acknowledged only.'),
    recordDays: z
      .number()
      .positive()
      .default(30)
      .describe(
        'Days a finished job (its settlement or event, raw body included), a recorded notification and their journal are kept in full, counted from when the job finished (a notification: from when it arrived). Fractions of a day are allowed. A job that is `given_up` is kept until it is retried.',
      ),
    dedupeDays: z
      .number()
      .positive()
      .default(90)
      .describe(
        "Days a finished job's tombstone (one short key per match or event) keeps answering its duplicates with SUCCESS without running anything, counted from when it finished; at least `recordDays`. After it, the same match or notify_id is new again, so a signed notification older than this (less an hour for clock differences) is refused as a replay. SUD's documented redelivery schedule ends after about 16 hours.",
      ),
    worker: sudWorkerOptionsSchema,
  })
  .refine((o) => o.dedupeDays >= o.recordDays, {
    path: ['dedupeDays'],
    message: 'must be at least recordDays: a duplicate arriving after the record expired is recognised only by its tombstone',
  })
  .describe('SUD (sud.tech) notifications: signed match settlements and other game events.');

export type SudOptionsInput = z.input<typeof sudOptionsSchema>;
export type SudOptions = z.output<typeof sudOptionsSchema>;
export type SudWorkerOptions = z.output<typeof sudWorkerOptionsSchema>;

export function parseSudOptions(input: SudOptionsInput): SudOptions {
  return sudOptionsSchema.parse(input);
}
