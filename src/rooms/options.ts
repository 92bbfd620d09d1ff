/**
 * Options of the rooms part of the bridge: room lifecycle bookkeeping, the `serverstate` and role-info
 * hashes the platform reads, the report queue and rank book, and settlements.
 */
import { z } from 'zod';
import type { JsonValue, Settlement } from './services.js';
import type { IdResolver } from './plugin/identity.js';
import type { GameStateProvider } from '../serverstate/ServerStateReporter.js';
import type { MachineSampler } from '../serverstate/machine.js';
import { isTimeZone } from '../timeZone.js';

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', { message: `expected a function ${what}` });

const isJson = (v: unknown): boolean => {
  try {
    return v !== undefined && JSON.stringify(v) !== undefined;
  } catch {
    return false;
  }
};

/** A name the platform reads as is: no Redis Cluster hash-tag braces (the bridge tags its own keys with it). */
const platformHashName = (fallback: string, what: string) =>
  z
    .string()
    .min(1)
    .regex(/^[^{}\s]+$/, 'expected a hash name without whitespace, "{" or "}"')
    .default(fallback)
    .describe(what);

const RESERVED_ROLE_KEYS = ['Item1', 'Item2', 'Item3', 'Item4'];

const extraFieldName = z
  .string()
  .min(1)
  .refine((n) => !RESERVED_ROLE_KEYS.includes(n), { message: 'Item1–Item4 are the role id, name, class and level' })
  // integer-like keys would be reordered by JavaScript objects, breaking the field order
  .refine((n) => !/^(0|[1-9]\d*)$/.test(n), { message: 'expected a field name that is not a plain integer' });

const wallClockText = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'expected "YYYY-MM-DD HH:mm:ss"');

export const serverStateOptionsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("Write this zone's entry in the serverstate hash."),
    hashName: platformHashName('serverstate', 'Name of the hash the recharge platform reads (not prefixed); field = zone id.'),
    intervalMs: z.number().int().min(50).default(5000).describe("How often each process refreshes its zones' entries. A process that stops writing drops out of the sums after two intervals."),
    serverBeginTime: z
      .union([wallClockText, z.number().int().nonnegative(), z.date().transform((d) => d.getTime())])
      .optional()
      .describe(
        'ServerBeginTime (zone opening time): "YYYY-MM-DD HH:mm:ss" written as is, or an instant (epoch ms or Date) written in `timeZone`. Default: when a process first served the zone, as kept in Redis.',
      ),
    roleCap: z.number().int().nonnegative().default(0).describe('Role creation cap per zone: forceup is 1 once RoleNum (accounts with a role) reaches it. 0 = no cap (forceup 0).'),
    gameState: fn<GameStateProvider>('(zoneId) => ({ queueNum?, onlineNum?, forceUp? })')
      .optional()
      .describe(
        "Figures only the game knows, asked per zone at each refresh (may return a promise; bounded by one interval): QueueNum, an OnlineNum override, forceUp. Each is summed over the zone's processes.",
      ),
    machine: z
      .custom<MachineSampler>((v) => !!v && typeof (v as { sample?: unknown }).sample === 'function', { message: 'expected an object with a sample() method' })
      .optional()
      .describe('Source of the CPU and memory figures (e.g. cgroup limits in a container). Default: process.cpuUsage / os.cpus / process RSS / os.totalmem.'),
  })
  .prefault({})
  .describe('The `serverstate` hash (spec 002 §5).');

export const roleInfoOptionsSchema = z
  .strictObject({
    hashName: platformHashName('idip_server_roleinfo', 'Name of the role-info hash (not prefixed; the spec lets each game pick it with the platform); field = user id.'),
    extraFields: z
      .array(z.union([extraFieldName, z.strictObject({ name: extraFieldName, default: z.custom<JsonValue>(isJson, { message: 'expected a JSON value' }).optional() })]))
      .default([])
      .transform((list) => list.map((f) => (typeof f === 'string' ? { name: f } : f)))
      .refine((list) => new Set(list.map((f) => f.name)).size === list.length, { message: 'each extra field may be listed once' })
      .describe(
        'Role fields written after Item1–Item4, in this order, e.g. ["Item5"] or [{ name: "vip", default: 0 }]. Rooms pass their values in `extra`; a field without a value (and without a default) is left out.',
      ),
    zoneNames: z.record(z.string(), z.string()).default({}).describe('Zone id → display name, for the VNGates /rolelist route (`server_name`). A zone without a name is listed by its id.'),
  })
  .prefault({})
  .describe('The role-info hash (spec 002, "创建角色信息").');

export const reportQueueOptionsSchema = z
  .strictObject({
    maxQueued: z.number().int().min(1).default(10_000).describe('Role, settlement and join reports kept in memory while Redis is away; beyond it the oldest is dropped (with a log line).'),
    retryMinMs: z.number().int().min(1).default(200).describe('First retry delay after a failed send; doubles per failure.'),
    retryMaxMs: z.number().int().min(1).default(5000).describe('Longest delay between retries (also the longest wait after Redis returns).'),
    maxAttempts: z.number().int().min(1).default(5).describe('Attempts for a report that fails for another reason than Redis being away (e.g. a throwing settlement sink) before it is dropped.'),
    closeTimeoutMs: z.number().int().nonnegative().default(3000).describe('At shutdown, how long to keep sending what is queued.'),
  })
  .prefault({})
  .describe('The in-memory queue between rooms and Redis.');

export const rankOptionsSchema = z
  .strictObject({
    maxUsersPerKind: z.number().int().min(1).default(200_000).describe('Users kept per rank kind between two submissions; reports for further users are dropped (with a log line).'),
  })
  .prefault({})
  .describe('The in-memory rank book behind `reportRank`.');

export const settlementOptionsSchema = z
  .strictObject({
    onSettlement: fn<(s: Settlement) => void | Promise<void>>('(settlement) => void')
      .optional()
      .describe('Called once per match id (across processes) after the settlement is recorded in Redis; a throw is logged, not retried.'),
    retentionSec: z
      .number()
      .int()
      .min(1)
      .default(7 * 86_400)
      .describe('How long a recorded settlement (and so its duplicate check) is kept.'),
  })
  .prefault({})
  .describe('Match settlements reported with `settle()`.');

export const grantAckOptionsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        "Keep each default `grant` message until the client answers `grant:ack` with its `key` (the `onGrant` helper of colyseus-platform-bridge/client does), and send it again at the player's next join or reconnect until then. Off: sent once. Rooms with their own `onGrant` handler are not affected.",
      ),
    keepDays: z.number().int().min(1).default(30).describe('How long a grant not acknowledged is kept for sending again (counted from the last grant sent to the player).'),
  })
  .prefault({})
  .describe('Grants the client acknowledges.');

export const roomsOptionsSchema = z
  .strictObject({
    timeZone: z
      .string()
      .refine(isTimeZone, { message: 'expected an IANA time zone such as "Asia/Shanghai"' })
      .default('Asia/Shanghai')
      .describe(
        'Time zone of the serverstate times (UpdateTime, ServerBeginTime) and of the day boundary of daily activity. Default Asia/Shanghai: the recharge platform (spec 002) writes its own times in UTC+8.',
      ),
    resolveUserId: fn<IdResolver>('(client, joinOptions, room) => userId')
      .optional()
      .describe(
        "Finds a client's user id. Default: client.auth.userId, else client.auth.id (an @colyseus/auth token), else the join option `userId` (client-supplied: authenticate for real payments).",
      ),
    resolveRoleId: fn<IdResolver>('(client, joinOptions, room) => roleId')
      .optional()
      .describe('Finds the role a client plays, for login times. Default: client.auth.roleId, else the join option `roleId`.'),
    resolveZoneId: fn<IdResolver>('(client, joinOptions, room) => zoneId').optional().describe("Finds the zone a client plays in, for rooms serving several zones. Default: the bridge's `zoneId`."),
    activityRetentionDays: z.number().int().min(1).default(3).describe('How long the per-day active-user hashes (GameCenter "active" batch) are kept.'),
    serverState: serverStateOptionsSchema,
    roleInfo: roleInfoOptionsSchema,
    reports: reportQueueOptionsSchema,
    ranks: rankOptionsSchema,
    settlement: settlementOptionsSchema,
    grantAcks: grantAckOptionsSchema,
  })
  .prefault({})
  .describe('Rooms: lifecycle bookkeeping, the serverstate and role-info hashes, rank and settlement reports.');

export type RoomsOptionsInput = z.input<typeof roomsOptionsSchema>;
export type RoomsOptions = z.output<typeof roomsOptionsSchema>;
