/**
 * Every option of the register call, as one zod schema. A bad option fails the register call at start with
 * a message that names the field and what was expected, instead of surfacing as a refused payment later.
 * Each field carries a `.describe()` text: README's option reference is checked against these.
 */
import { z } from 'zod';
import type { Redis, Cluster } from 'ioredis';
import { isIoredisInstance } from './store/ioredisShape.js';
import type { Logger } from './logger.js';
import { grantHandlerSchema, ledgerOptionsSchema, revokeHandlerSchema } from './ledger/options.js';
import { rechargeOptionsSchema } from './platforms/recharge/options.js';
import { gameCenterPlatformOptionsSchema } from './platforms/gamecenter/platformOptions.js';
import { roomsOptionsSchema } from './rooms/options.js';
import { sudOptionsSchema } from './platforms/sud/options.js';
import { vngatesOptionsSchema } from './platforms/vngates/options.js';
import { journalOptionsSchema } from './ledger/journal.js';
import { adminOptionsSchema, metricsOptionsSchema } from './ops/options.js';
import { panelOptionsSchema } from './ops/panel/options.js';
import { httpOptionsSchema } from './http/options.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

import { isAnyAddressEntry } from './http/ipAllowList.js';

const redisOptionsSchema = z.looseObject({
  host: z.string().optional(),
  port: z.number().int().positive().optional(),
  password: z.string().optional(),
  username: z.string().optional(),
  db: z.number().int().nonnegative().optional(),
  // a `cluster` key means the cluster form was meant; let that alternative report what is wrong with it
  cluster: z.never().optional(),
});

const clusterSchema = z.object({
  cluster: z.array(z.union([z.string(), z.number(), z.object({ host: z.string().optional(), port: z.number().optional() })])).min(1, 'expected at least one cluster node'),
  options: z.record(z.string(), z.unknown()).optional(),
});

// by shape: an instance from another ioredis copy or major is not `instanceof` the class imported here
const redisInstance = z.custom<Redis | Cluster>((v) => isIoredisInstance(v), { message: 'expected an ioredis Redis or Cluster instance' });

export const redisConnectionSchema = z
  .union([z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL'), redisInstance, clusterSchema, redisOptionsSchema])
  .describe(
    'Redis for shared state: a redis:// URL, ioredis options, `{ cluster: [nodes], options }`, or an ioredis 5 or 6 instance, Redis or Cluster (the bridge uses its own duplicate of it, with its own fail-fast settings and `redisCommandTimeoutMs`). Unset: the in-process store (one process, nothing kept across restarts).',
  );

const loggerSchema = z.custom<Logger>((v) => !!v && typeof v === 'object' && ['debug', 'info', 'warn', 'error'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'), {
  message: 'expected an object with debug, info, warn and error methods',
});

const clockSchema = z.custom<{ now(): number }>((v) => !!v && typeof (v as { now?: unknown }).now === 'function', {
  message: 'expected an object with a now() method returning epoch milliseconds',
});

export const coreOptionsSchema = z.strictObject({
  redis: redisConnectionSchema.optional(),
  keyPrefix: z
    .string()
    .regex(/^[^{}]*$/, 'expected a prefix without "{" or "}" (they are Redis Cluster hash-tag characters)')
    .default('platform:')
    .describe('Prefix of every Redis key and channel the bridge owns (the platform-named hashes `serverstate` and role info are not prefixed).'),
  zoneId: z.coerce.number().int().nonnegative().default(1).describe('The zone / server id this process serves (serverstate field, GameCenter game zone, role registry server id).'),
  logger: loggerSchema.optional().describe('Where the bridge logs; default: console with the `[platform-bridge]` prefix.'),
  logLevel: z.enum(LOG_LEVELS).default('info').describe('Lowest level written by the default console logger.'),
  redisCommandTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(2000)
    .describe('Upper bound of one Redis command; a callback that cannot be recorded within it is answered with a failure so the platform retries.'),
  http: httpOptionsSchema,
  clock: clockSchema.optional().describe('Time source (epoch ms) for schedules and day boundaries; for tests. Default: Date.now.'),
  grant: grantHandlerSchema.optional(),
  onRevoked: revokeHandlerSchema.optional(),
  ledger: ledgerOptionsSchema,
  journal: journalOptionsSchema,
  metrics: metricsOptionsSchema,
  admin: adminOptionsSchema,
  panel: panelOptionsSchema,
  rooms: roomsOptionsSchema,
  recharge: rechargeOptionsSchema.optional(),
  sud: sudOptionsSchema.optional(),
  vngates: vngatesOptionsSchema.optional(),
  gamecenter: gameCenterPlatformOptionsSchema.optional().describe('GameCenter (ToTok) server API: client, ranks, zone sync, order and transfer polling. Unset: GameCenter off.'),
});

export const optionsSchema = coreOptionsSchema.refine((o) => !o.panel.enabled || o.admin.token !== undefined, {
  message: 'panel.enabled needs admin.token (the panel signs in with it)',
  path: ['admin', 'token'],
});

export type PlatformBridgeOptions = z.input<typeof optionsSchema>;
export type ResolvedOptions = z.output<typeof optionsSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: ReadonlyArray<{ path: string; message: string }>) {
    super('colyseus-platform-bridge: invalid options:\n' + issues.map((i) => `  - ${i.path || '(options)'}: ${i.message}`).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Validates and fills defaults; throws {@link ConfigError} naming every bad field. */
export function parseOptions(input: unknown): ResolvedOptions {
  const result = optionsSchema.safeParse(input ?? {});
  if (!result.success) throw new ConfigError(flattenIssues(result.error.issues));
  if (!result.data.http.allowZeroPrefix) {
    const wide = anyAddressEntries(result.data);
    if (wide.length) throw new ConfigError(wide);
  }
  return result.data;
}

const ADDRESS_LISTS = new Set(['ipAllowList', 'trustedProxies']);

/**
 * `/0` entries in any allow-list or trustedProxies, found after parsing because whether they are allowed is
 * a global switch the per-list schemas cannot see.
 */
function anyAddressEntries(options: ResolvedOptions): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  const walk = (value: unknown, path: PropertyKey[]) => {
    if (!value || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return;
    for (const [key, v] of Object.entries(value)) {
      if (ADDRESS_LISTS.has(key) && Array.isArray(v)) {
        v.forEach((entry, i) => {
          if (typeof entry === 'string' && isAnyAddressEntry(entry)) {
            out.push({
              path: formatPath([...path, key, i]),
              message: `${JSON.stringify(entry)} covers every address; leave the list out to allow everyone, or set http.allowZeroPrefix: true`,
            });
          }
        });
      } else walk(v, [...path, key]);
    }
  };
  walk(options, []);
  return out;
}

type Issue = z.core.$ZodIssue;

function flattenIssues(issues: readonly Issue[], base: PropertyKey[] = []): Array<{ path: string; message: string }> {
  const out: Array<{ path: string; message: string }> = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatPath([...path, key]), message: 'unknown option (check the spelling)' });
    } else if (issue.code === 'invalid_union' && issue.errors.length) {
      // report the alternative that got furthest, rather than zod's bare "Invalid input"
      const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0]!;
      out.push(...flattenIssues(best, path));
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
  return out;
}

function depth(issues: readonly Issue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length + (i.code === 'invalid_type' && i.path.length === 0 ? -1 : 0)));
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}
