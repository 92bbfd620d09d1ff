import { z } from 'zod';
import type { GrantHandler, RevokeHandler } from './types.js';

export const grantHandlerSchema = z
  .custom<GrantHandler>((v) => typeof v === 'function', { message: 'expected a function (order, ctx) => result' })
  .describe(
    "The game's grant handler: credits the player for a paid order. Receives the order and `ctx.idempotencyKey`; called at most once at a time per order, retried with backoff when it throws, and again after a crash, so it must treat a repeated key as already done. What it returns (e.g. `{ items }`) is delivered to the player's room.",
  );

export const ledgerOptionsSchema = z
  .strictObject({
    leaseMs: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .describe(
        "How long a process holds an order while its grant handler runs; renewed every third of it, on Redis's clock. A holder whose last confirmed renewal is older than `leaseMs` minus a fifth stops by itself (`ctx.signal` aborts, nothing recorded) before another process may take the order over.",
      ),
    pollIntervalMs: z.number().int().min(10).default(500).describe('How often each process looks for due orders (new orders are also started at once on the process that accepted them).'),
    batchSize: z.number().int().min(1).max(1000).default(50).describe('Orders claimed per look.'),
    concurrency: z.number().int().min(1).max(256).default(8).describe('Grant handlers running at once on one process.'),
    maxAttempts: z.number().int().min(1).default(30).describe('Failed grant attempts before an order is marked `given_up` (an operator can retry it).'),
    backoffBaseMs: z.number().int().min(1).default(1000).describe('Delay before the second attempt; doubles per failure.'),
    backoffMaxMs: z.number().int().min(1).default(600_000).describe('Longest delay between attempts.'),
    handlerTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(60_000)
      .describe('Deadline of one grant handler run: past it, `ctx.signal` aborts and the attempt counts as failed (retried with backoff). The lease is renewed meanwhile.'),
    deliveryClaimMs: z
      .number()
      .int()
      .min(100)
      .default(3000)
      .describe(
        'How long a claim on delivering one grant to a player lasts. The process delivering renews it while it does, so it only runs out when that process died: then another process where the player is connected delivers the grant within about this long.',
      ),
    durability: z
      .strictObject({
        replicas: z
          .number()
          .int()
          .min(0)
          .max(16)
          .default(0)
          .describe(
            'Replicas that must hold a money write (an accepted order, a grant, a gift redemption, a SUD notification) before the platform is answered success. 0: the primary alone (its AOF policy decides what a crash can lose). Needs a single Redis primary; refused with the in-process store and with a Redis Cluster.',
          ),
        timeoutMs: z
          .number()
          .int()
          .min(1)
          .default(1000)
          .describe(
            "How long one confirmation waits for the replicas (Redis `WAIT`). Not confirmed in time: the write stays recorded, the platform gets its retry answer, and its retry is answered success once the replicas have it. Keep it well below the platform's own request timeout.",
          ),
      })
      .prefault({})
      .describe('Replicated durability of money writes (Redis `WAIT` after each).'),
    ordersPerUser: z.number().int().min(1).max(100_000).default(1000).describe("Orders kept in each player's order index (newest kept), which the desk's find-by-player reads."),
    recordDays: z
      .number()
      .positive()
      .default(90)
      .describe(
        "Days a finished order (granted, cancelled, declined, given up, revoked) keeps its full record, journal included, counted from when it finished; then only its tombstone is left. Fractions allowed. The game's own wallet credit (with `ctx.idempotencyKey`) is the accounting record, not this.",
      ),
    dedupeDays: z
      .number()
      .positive()
      .default(400)
      .describe(
        "Days a finished order's tombstone (its ledger key, final state and time: about 60 bytes, a field of a shard hash) keeps answering a repeat of the order as a duplicate, counted from when it finished; at least `recordDays`. After it the same order id is accepted as a new order, so keep it longer than any platform may resend or replay an order.",
      ),
    aliasDays: z
      .number()
      .positive()
      .optional()
      .describe(
        "Days an order's alias (a second identity, such as the recharge sign) keeps recognising repeats, counted from when the order arrived; default `dedupeDays`. It may be shorter where the platform's requests carry a checked timestamp (recharge `maxClockSkewSec`): a replay older than the skew window is refused anyway.",
      ),
    deliverySweepMs: z
      .number()
      .int()
      .min(50)
      .default(5000)
      .describe(
        'How often each process looks for grants whose pub/sub notice it missed: one read of the players whose grants arrived since its last look, then delivery to those connected to it. One command per interval per process, whatever the number of players.',
      ),
  })
  .refine((o) => o.dedupeDays >= o.recordDays, {
    path: ['dedupeDays'],
    message: 'must be at least recordDays: a repeat arriving after the record expired is recognised only by its tombstone',
  })
  .prefault({})
  .describe('Tuning of the order ledger and grant worker.');

/** The retention of ledger keys in ms, as the scripts take it. */
export interface LedgerRetention {
  recordMs: number;
  dedupeMs: number;
  aliasMs: number;
}

export function retentionOf(o: Partial<Pick<LedgerOptions, 'recordDays' | 'dedupeDays' | 'aliasDays'>>): LedgerRetention {
  const ms = (days: number) => Math.max(1, Math.round(days * 86_400_000));
  const dedupeDays = o.dedupeDays ?? 400;
  return { recordMs: ms(o.recordDays ?? 90), dedupeMs: ms(dedupeDays), aliasMs: ms(o.aliasDays ?? dedupeDays) };
}

export const DEFAULT_RETENTION: LedgerRetention = retentionOf({ recordDays: 90, dedupeDays: 400 });

export type LedgerOptions = z.output<typeof ledgerOptionsSchema>;

export const revokeHandlerSchema = z
  .custom<RevokeHandler>((v) => typeof v === 'function', { message: 'expected a function (order, ctx) => void' })
  .describe(
    'Told once (across processes) that a granted order was taken back by its platform (a GameCenter order reset after payment; the order is then `revoked`), so the game can claw back what it credited. Receives the order and `ctx.idempotencyKey` (`revoke:<ledger key>`); retried with backoff when it throws and after a crash, so it must treat a repeated key as done.',
  );
