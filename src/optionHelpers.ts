/**
 * Option building blocks shared by the core schema and the platforms' schemas. Kept apart from config.ts,
 * which imports every platform's schema: a platform importing config.ts back would be an import cycle.
 */
import { z } from 'zod';
import { ipEntryProblem } from './http/ipAllowList.js';

/** A route path: absolute, no query, no whitespace. */
export const routePath = (fallback: string, what: string) =>
  z
    .string()
    .regex(/^\/[^\s?#]*$/, 'expected an absolute path such as "/platform/x"')
    .default(fallback)
    .describe(what);

/** One allow-list entry, refused with the entry and why (a misread entry would fail open). */
export const ipEntry = z.string().superRefine((entry, ctx) => {
  const problem = ipEntryProblem(entry);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** An optional IP allow-list: exact addresses or CIDR ranges, IPv4 or IPv6. Empty or absent = allow all. */
export const ipAllowList = (what: string) =>
  z
    .array(ipEntry)
    .optional()
    .describe(what);
