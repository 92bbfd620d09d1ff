/**
 * Puts the operators' side into a bridge: the metrics (their hooks before anything that counts is built,
 * their route once the desk exists) and the admin API. Both are opt-in; without them the hooks are no-ops.
 */
import type { BridgeContext } from '../context.js';
import { mountAdmin } from './adminMount.js';
import type { Desk } from './desk.js';
import { BridgeMetrics } from './metrics.js';
import { installMetricsRoute } from './metricsRoute.js';
import type { AdminOptions, MetricsOptions } from './options.js';
import { bearerCheck } from './bearer.js';
import { createIpMatcher } from '../http/ipAllowList.js';

export interface OpsSetup {
  metrics?: BridgeMetrics;
  /** Call once the desk exists: mounts the metrics route and the admin API. */
  install(ctx: BridgeContext, desk: Desk): void;
  /** Whether a request carries the admin token from an allowed address (for the health route's detail). */
  operator(headers: Headers, peer: string | undefined): boolean;
}

export function setupOps(base: Pick<BridgeContext, 'store' | 'logger' | 'options'>, metricsOptions: MetricsOptions, adminOptions: AdminOptions): OpsSetup {
  let desk: Desk | undefined;
  const metrics = metricsOptions.enabled
    ? new BridgeMetrics({
        registry: metricsOptions.registry,
        store: base.store,
        logger: base.logger,
        pingTimeoutMs: base.options.http.healthTimeoutMs,
        counts: () => (desk ? desk.counts(metricsOptions.storeScanLimit) : Promise.reject(new Error('not ready'))),
      })
    : undefined;
  const tokenOk = adminOptions.enabled && adminOptions.token ? bearerCheck(adminOptions.token) : () => false;
  const allowed = createIpMatcher(adminOptions.ipAllowList);
  return {
    metrics,
    install(ctx, d) {
      desk = d;
      if (metrics) installMetricsRoute(ctx, metricsOptions, metrics);
      if (adminOptions.enabled) mountAdmin(ctx, adminOptions, d);
    },
    operator: (headers, peer) => allowed(peer) && tokenOk(headers),
  };
}
