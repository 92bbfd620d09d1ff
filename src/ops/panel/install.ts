/**
 * Puts the panel into a bridge: its activity recorder sits between the money paths and the metrics (so
 * it sees every callback and GameCenter call), taps the log for refusals, wraps the SUD settlement handler
 * to list recent settlements, and mounts the routes once every part it shows exists.
 */
import type { BridgeContext, Clock } from '../../context.js';
import type { Logger } from '../../logger.js';
import type { SudOptions } from '../../platforms/sud/options.js';
import type { AdminOptions } from '../options.js';
import { PanelActivity } from './activity.js';
import type { PanelOptions } from './options.js';
import { panelEndpoints, type PanelDeps } from './routes.js';
import { errorText } from '../../errorText.js';

export interface PanelSetup {
  activity: PanelActivity;
  logger: Logger;
  sud?: SudOptions;
}

/** Before the bridge's parts are built: the hooks and logger they should use. */
export function preparePanel(clock: Clock, logger: Logger, sud: SudOptions | undefined): PanelSetup {
  const activity = new PanelActivity(clock);
  const handler = sud?.onSettlement;
  const wrapped: SudOptions | undefined =
    sud && handler
      ? {
          ...sud,
          onSettlement: async (settlement, hctx) => {
            try {
              await handler(settlement, hctx);
              activity.settlement(settlement.matchId, true);
            } catch (err) {
              activity.settlement(settlement.matchId, false, errorText(err));
              throw err;
            }
          },
        }
      : sud;
  return { activity, logger: activity.tap(logger), sud: wrapped };
}

export function mountPanel(ctx: BridgeContext, options: PanelOptions, admin: AdminOptions, deps: PanelDeps): void {
  for (const [name, endpoint] of Object.entries(panelEndpoints(ctx, options, admin, deps))) ctx.addEndpoint(name, endpoint);
  ctx.logger.info('monitor panel enabled', { path: options.path, ipAllowList: admin.ipAllowList ?? 'any address (token only)' });
}
