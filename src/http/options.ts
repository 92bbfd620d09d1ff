/**
 * Options of the bridge's HTTP routes, apart from config.ts so that what every feature reads from its
 * context (`http` and `zoneId`, see context.ts) does not depend on the schema of every other feature.
 */
import { z } from 'zod';
import { ipEntry, routePath } from '../optionHelpers.js';

export const httpOptionsSchema = z
  .strictObject({
    healthPath: routePath('/platform/health', 'Path of the GET health route.'),
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024)
      .describe('Largest request body accepted on the bridge routes; larger bodies get 413 and are not read.'),
    trustProxyHops: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe(
        'Proxies in front of the server whose X-Forwarded-For is trusted for IP allow-lists (nginx in front: 1). 0 uses the socket address. Needs `trustedProxies`: the header is read only from those peers.',
      ),
    trustedProxies: z
      .array(ipEntry)
      .default([])
      .describe(
        'Addresses or CIDR ranges of the proxies in front of the server. X-Forwarded-For is read only when the connecting peer (and each further hop counted by `trustProxyHops`) is in this list; anyone else is judged by its socket address.',
      ),
    allowZeroPrefix: z
      .boolean()
      .default(false)
      .describe(
        'Accept `/0` ranges (every address) in allow-lists and `trustedProxies`. Off: such an entry is refused at register, since it turns an allow-list off; leave a list out to allow everyone.',
      ),
    bodyTimeoutMs: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe("Deadline for reading a request body on the bridge's routes; a client still sending at the deadline gets the route's error answer (or a closed connection) and a log line."),
    healthDetail: z
      .boolean()
      .default(false)
      .describe('The health route shows its detail (store, platforms, ports) to everyone. Off: only `{"status": ...}`, with the detail for a request carrying the admin token.'),
    healthTimeoutMs: z.number().int().positive().default(1000).describe('How long the health route waits for the store before reporting it unreachable.'),
  })
  .superRefine((http, ctx) => {
    if (http.trustProxyHops > 0 && http.trustedProxies.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['trustProxyHops'],
        message: "trustProxyHops needs http.trustedProxies (the proxies' addresses or ranges): without it X-Forwarded-For would be believed from any client",
      });
    }
  })
  .prefault({})
  .describe('HTTP routes the bridge adds to the Colyseus router.');

export type HttpOptions = z.output<typeof httpOptionsSchema>;
