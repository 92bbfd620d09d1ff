/**
 * Options of the browser panel. Off unless enabled; it signs in with the admin token (`admin.token`) and
 * answers only the admin allow-list (`admin.ipAllowList`), so it adds no credential of its own.
 */
import { z } from 'zod';
import { routePath } from '../../optionHelpers.js';

export const panelOptionsSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Serve the monitor panel at `panel.path` (sign-in with `admin.token`, which is then required; `admin.ipAllowList` applies).'),
    path: routePath('/platform/panel', 'Path of the panel page; its JSON and actions live under it.'),
    sessionTtlMs: z
      .number()
      .int()
      .min(60_000)
      .max(7 * 86_400_000)
      .default(8 * 3_600_000)
      .describe('How long a panel sign-in lasts (the session cookie expires then).'),
    refreshMs: z.number().int().min(1000).max(600_000).default(3000).describe('How often the open page refreshes its figures.'),
    stuckGrantingMs: z
      .number()
      .int()
      .positive()
      .default(5 * 60_000)
      .describe('An order granting for longer than this counts as stuck (the panel shows a banner).'),
    secureCookie: z.boolean().default(false).describe('Mark the session cookie `Secure` (set it when the panel is served over HTTPS, e.g. behind a TLS proxy).'),
  })
  .prefault({})
  .describe('The browser monitor panel.');

export type PanelOptions = z.output<typeof panelOptionsSchema>;
