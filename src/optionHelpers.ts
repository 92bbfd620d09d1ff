/**
 * Option building blocks shared by the core schema and the platforms' schemas. Kept apart from config.ts,
 * which imports every platform's schema: a platform importing config.ts back would be an import cycle.
 */
import { z } from 'zod';
import { isValidIpEntry } from './http/ipAllowList.js';

/** A route path: absolute, no query, no whitespace. */
export const routePath = (fallback: string, what: string) =>
  z
    .string()
    .regex(/^\/[^\s?#]*$/, 'expected an absolute path such as "/platform/x"')
    .default(fallback)
    .describe(what);

/** An optional IP allow-list: exact addresses or CIDR ranges, IPv4 or IPv6. Empty or absent = allow all. */
export const ipAllowList = (what: string) =>
  z
    .array(z.string().refine(isValidIpEntry, { message: 'expected an IP address or CIDR range such as "10.0.0.0/8"' }))
    .optional()
    .describe(what);
