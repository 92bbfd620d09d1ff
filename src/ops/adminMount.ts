import type { BridgeContext } from '../context.js';
import { adminEndpoints } from './adminRoutes.js';
import type { Desk } from './desk.js';
import type { AdminOptions } from './options.js';

/** Adds the admin routes to the bridge's router and says where they are (never the token). */
export function mountAdmin(ctx: BridgeContext, options: AdminOptions, desk: Desk): void {
  for (const [name, endpoint] of Object.entries(adminEndpoints(ctx, options, desk))) ctx.addEndpoint(name, endpoint);
  ctx.logger.info('admin API enabled', { pathPrefix: options.pathPrefix, ipAllowList: options.ipAllowList ?? 'any address (token only)' });
}
