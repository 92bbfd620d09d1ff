/**
 * Options of the operators' side: the Prometheus route and the admin API. Both are off unless enabled, and
 * both refuse to start unprotected: a metrics route needs an allow-list or a token, the admin API a token.
 */
import { Registry } from 'prom-client';
import { z } from 'zod';
import { ipAllowList, routePath } from '../optionHelpers.js';

const token = (what: string) => z.string().min(16, 'expected a token of at least 16 characters').optional().describe(what);

export const metricsOptionsSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Serve Prometheus metrics (names start with `platform_bridge_`) at `metrics.path`.'),
    path: routePath('/platform/metrics', 'Path of the GET metrics route.'),
    ipAllowList: ipAllowList('Addresses or CIDR ranges allowed to scrape (e.g. the Prometheus host). With `bearerToken`, a scrape needs both.'),
    bearerToken: token('Bearer token a scrape must send (`Authorization: Bearer …`); compared in constant time, never logged.'),
    registry: z
      .custom<Registry>((v) => v instanceof Registry, { message: 'expected a prom-client Registry' })
      .optional()
      .describe("A prom-client Registry to register the bridge's metrics in (e.g. your app's). Default: the bridge's own, with Node's default process metrics."),
    storeScanLimit: z
      .number()
      .int()
      .min(100)
      .max(100_000)
      .default(5000)
      .describe('Leases read at most per scrape to count `granting` orders in `platform_bridge_ledger_orders` (bounds the cost of a scrape).'),
  })
  .prefault({})
  .refine((m) => !m.enabled || (m.ipAllowList?.length ?? 0) > 0 || m.bearerToken !== undefined, {
    message: 'metrics.enabled needs metrics.ipAllowList or metrics.bearerToken (e.g. ipAllowList: ["127.0.0.1"])',
  })
  .describe('Prometheus metrics.');

export const adminOptionsSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Serve the admin API (order lookup, timeline, retry, cancel, export) under `admin.pathPrefix`.'),
    pathPrefix: routePath('/platform/admin', 'Prefix of the admin routes.'),
    token: token('Bearer token every admin request must send (`Authorization: Bearer …`); required when enabled. Compared in constant time, never logged. Also unlocks the health route’s detail.'),
    ipAllowList: ipAllowList('Addresses or CIDR ranges the admin API answers; others get 403 (checked before the token).'),
    maxExportDays: z.number().int().min(1).max(3660).default(400).describe('How far back (days) an export may reach.'),
  })
  .prefault({})
  .refine((a) => !a.enabled || a.token !== undefined, { message: 'admin.enabled needs admin.token', path: ['token'] })
  .describe('The HTTP admin API (for operators, scripts and the panel).');

export type MetricsOptions = z.output<typeof metricsOptionsSchema>;
export type AdminOptions = z.output<typeof adminOptionsSchema>;
