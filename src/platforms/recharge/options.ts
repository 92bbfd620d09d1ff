/**
 * Options of the recharge platform (HTTP callback, TCP socket, gift codes). The `.describe()` texts are
 * the user-facing reference: they say what a value means and when to change it.
 */
import { z } from 'zod';
import { idPattern, ipAllowList, routePath } from '../../optionHelpers.js';
import { SOCKET_FRAMINGS } from '../../socket/framing.js';
import type { GiftHandler, VerifyRechargeOrder } from './types.js';

/** Fields that can identify an order in the ledger; all three are carried by every recharge payload. */
/**
 * Fields an order may be keyed on: only fields the sign covers. `Id` (the platform's table row) is not
 * signed, so keying on it lets one captured request be replayed under any number of new ids.
 */
export const DEDUPE_FIELDS = ['cporder_no', 'order_no'] as const;
export type DedupeField = (typeof DEDUPE_FIELDS)[number];

const ZONE_ID = 'expected a zone id (a whole number)';
const zoneIdSchema = z.union([z.number().int(ZONE_ID).nonnegative(ZONE_ID), z.string().regex(/^\d+$/, ZONE_ID)], { error: ZONE_ID }).transform((v) => canonicalZone(String(v)));

/** `"04"`, `4` and `"4"` are one zone; comparing digit strings keeps ids beyond 2^53 exact. */
export function canonicalZone(digits: string): string {
  return digits.replace(/^0+(?=\d)/, '');
}

export const rechargeSocketOptionsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Listen for recharge orders and gift codes on a TCP socket (the platform reads the address from its server table).'),
    host: z.string().min(1).default('0.0.0.0').describe("Interface the socket binds: '0.0.0.0' for every IPv4 interface, '127.0.0.1' for local only."),
    port: z.number().int().min(0).max(65_535).default(7010).describe('TCP port of the recharge socket (0 = any free port, for tests).'),
    portOffsetFromEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name such as "NODE_APP_INSTANCE"')
      .optional()
      .describe(
        'Name of an environment variable whose integer value is added to `port`, so each process of a pm2 fork-mode app gets its own port (pm2 sets NODE_APP_INSTANCE to 0, 1, 2 …). Unset variable: offset 0. Not an integer: the socket is not started and an error is logged.',
      ),
    framing: z
      .enum(SOCKET_FRAMINGS)
      .default('auto')
      .describe(
        "How requests are delimited: 'auto' (a complete JSON object, a newline or EOF ends a request; replies end with a newline), 'line', 'raw', 'len32be', 'len32le' or 'tmsk6' (length-prefixed). The platform does not document it: confirm with a packet capture before going live.",
      ),
    maxMessageBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024)
      .describe('Largest request accepted; a larger one closes its connection without being buffered.'),
    idleTimeoutMs: z
      .number()
      .int()
      .positive()
      .max(0x7fffffff)
      .default(10_000)
      .describe('A connection that has not delivered a complete request this long after connecting (or after its last reply) is closed.'),
    maxConnections: z.number().int().positive().default(256).describe('Open connections beyond this are refused on accept.'),
    maxConnectionsPerIp: z
      .number()
      .int()
      .positive()
      .default(64)
      .describe(
        "Open connections one peer address may hold; more from it are refused on accept, so one address cannot take every `maxConnections` slot. A cap, not a defence: `ipAllowList` is the real guard (many addresses still add up to `maxConnections`). With `ipAllowList` holding only the platform's addresses, raise it to `maxConnections` if the platform opens that many at once.",
      ),
    keepAlive: z.boolean().default(false).describe('false: one request per connection, closed after the reply. true: further requests on the connection are read and answered in order.'),
  })
  .prefault({})
  .describe('The TCP socket the platform delivers recharge orders and gift codes on.');

const giftHandlerSchema = z.custom<GiftHandler>((v) => typeof v === 'function', {
  message: 'expected an async function (request) => ({ ok, desc?, code? })',
});

export const rechargeOptionsSchema = z
  .strictObject({
    key: z.string().min(1, 'expected the recharge sign key').describe('Recharge sign key (私钥) agreed with the platform; only used to verify signs, never logged.'),
    giftKey: z.string().min(1, 'expected the gift-code sign key').optional().describe('Gift-code sign key (strGameKey). Absent: gift codes are disabled and answered code "-3".'),
    giftHandler: giftHandlerSchema
      .optional()
      .describe(
        'Required with `giftKey`: redeems one verified gift code for a player and resolves `{ ok, desc?, code? }`. Runs once per (userId, codeNo) across all processes; its answer is recorded and repeated to duplicates. Throw to have a later retry run it again. Use `request.idempotencyKey` if the game can credit twice otherwise (after a crash mid-handler, the claim expires after `giftClaimLeaseMs`).',
      ),
    giftClaimLeaseMs: z
      .number()
      .int()
      .min(1000)
      .default(15 * 60_000)
      .describe(
        "How long a gift-code claim is held while its handler runs, renewed every third of it on Redis's clock. After a process dies mid-handler, a retry may run the handler again once it expires; a holder that cannot renew stops its handler (`request.signal`) a fifth of it before.",
      ),
    giftHandlerTimeoutMs: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .describe('Deadline of one gift handler run: past it, `request.signal` aborts, the claim is released and the platform is answered "retry later" (-7).'),
    giftRecordDays: z
      .number()
      .positive()
      .default(90)
      .describe(
        "Days a finished gift-code redemption's record (the game's answer with its desc, the gift and zone, when) is kept, counted from when the handler answered. Fractions of a day are allowed.",
      ),
    giftDedupeDays: z
      .number()
      .positive()
      .default(400)
      .describe(
        "Days a finished redemption's tombstone (its answer code) and its sign binding keep the duplicate answer (\"-5\", or the recorded refusal's code) without running the handler; at least `giftRecordDays`. After it the same user and code are new again: the game's own record (keyed by `request.idempotencyKey`) must refuse a code it already gave.",
      ),
    httpPath: routePath('/platform/recharge', 'Path of the POST route the platform sends recharge orders to (JSON body).'),
    dedupeField: z
      .enum(DEDUPE_FIELDS, {
        error: (issue) =>
          issue.input === 'Id'
            ? "'Id' is not covered by the recharge sign, so one captured request could be replayed under new ids: use 'cporder_no' or 'order_no'"
            : "expected 'cporder_no' or 'order_no' (a field the sign covers)",
      })
      .default('cporder_no')
      .describe(
        "Payload field that identifies an order; the ledger key is `recharge:<value>` on both the HTTP and the socket path, so one order delivered over both is granted once. 'cporder_no' (the platform's own order number, 天马订单号) or 'order_no' (the channel's): only signed fields may key an order ('Id' is refused). Every order is also deduplicated on its sign. Confirm with the platform which is unique; changing it later makes old orders unrecognisable.",
      ),
    verifyOrder: z
      .custom<VerifyRechargeOrder>((v) => typeof v === 'function', { message: 'expected a function (check) => boolean | reason' })
      .optional()
      .describe(
        "The game's check of a well-signed order before it is recorded: product (`unsigned.productId`) and amount against its catalogue, that `unsigned.roleId` belongs to the user. A refusal is answered -3 and nothing is recorded; a throw is answered -7 (retry).",
      ),
    idPattern: idPattern(
      "Regular expression every signed id must match: `cporder_no` and `order_no` of a recharge (both required), `codeNo` and `giftId` of a gift code. Anything else is refused (-2 / gift -2). The signs concatenate fields without separators, so a strict format narrows how a captured request can be re-cut; the sign dedupe is what stops a replay. The default takes the platform's documented ids (letters, digits, `_`, `.`, `-`, up to 64 characters); widen it only if your platform sends other characters.",
    ),
    ipAllowList: ipAllowList('Platform addresses (IPs or CIDR ranges) allowed to call the HTTP route and connect to the socket; absent or empty allows every address.'),
    zones: z.array(zoneIdSchema).optional().describe('Zone ids (ZoneID / zoneId) this server accepts orders and gift codes for; others are answered -3. Absent: every zone.'),
    duplicateCode: z
      .union([z.literal('auto'), z.literal(-1), z.literal(-5)])
      .default('auto')
      .describe(
        "Code answered for an order already recorded. 'auto': -1 when it is settled (granted, cancelled, declined, given up) and -5 while its grant is still pending or running. -1 or -5: always that code. Both tell the platform to stop resending.",
      ),
    maxClockSkewSec: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('Refuse (code -8) orders and gift codes whose signed Time / lTime is further than this from our clock. 0 = off: make-up orders (BudanFlag) may legitimately be old.'),
    timeUnit: z.enum(['auto', 's', 'ms']).default('auto').describe("Unit of Time / lTime for `maxClockSkewSec`: 'auto' reads up to 10 digits as seconds and longer values as milliseconds."),
    socket: rechargeSocketOptionsSchema,
  })
  .superRefine((o, ctx) => {
    if (o.giftKey !== undefined && o.giftHandler === undefined) {
      ctx.addIssue({ code: 'custom', path: ['giftHandler'], message: 'required when giftKey is set: the function that redeems a gift code' });
    }
    if (o.giftDedupeDays < o.giftRecordDays) {
      ctx.addIssue({ code: 'custom', path: ['giftDedupeDays'], message: 'must be at least giftRecordDays: a duplicate arriving after the record expired is recognised only by its tombstone' });
    }
  })
  .describe('The recharge platform: recharge orders over HTTP and a TCP socket, gift codes over the socket.');

/** What callers write (defaults optional). */
export type RechargeOptionsInput = z.input<typeof rechargeOptionsSchema>;
/** The parsed form {@link installRecharge} takes. */
export type RechargeOptions = z.output<typeof rechargeOptionsSchema>;
export type RechargeSocketOptions = z.output<typeof rechargeSocketOptionsSchema>;

/** Parses user options, throwing a zod error that names every bad field. */
export function parseRechargeOptions(input: RechargeOptionsInput): RechargeOptions {
  return rechargeOptionsSchema.parse(input);
}
