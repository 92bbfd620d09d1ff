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
export const ipAllowList = (what: string) => z.array(ipEntry).optional().describe(what);

/** The ids a platform documents (letters, digits, `_`, `.`, `-`, up to 64): what a signed id must look like by default. */
export const DEFAULT_ID_PATTERN = '^[0-9A-Za-z_.-]{1,64}$';

/** A regular expression given as text, checked to compile at register. */
export const idPattern = (what: string) =>
  z
    .string()
    .default(DEFAULT_ID_PATTERN)
    .refine((s) => {
      try {
        new RegExp(s);
        return true;
      } catch {
        return false;
      }
    }, 'expected a valid regular expression')
    .describe(what);
