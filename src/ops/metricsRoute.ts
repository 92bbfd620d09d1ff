/**
 * GET /platform/metrics: the Prometheus text format, for scrapers on the allow-list and/or holding the
 * bearer token. A refusal is logged (at most once a minute per reason and address, so a misconfigured
 * scraper does not flood the log) and answered without a body worth reading.
 */
import { createEndpoint } from '@colyseus/core';
import type { BridgeContext } from '../context.js';
import { createIpMatcher } from '../http/ipAllowList.js';
import { bearerCheck } from './bearer.js';
import type { BridgeMetrics } from './metrics.js';
import type { MetricsOptions } from './options.js';
import { RefusalNotes } from './refusals.js';

export function installMetricsRoute(ctx: BridgeContext, options: MetricsOptions, metrics: BridgeMetrics): void {
  const allowed = createIpMatcher(options.ipAllowList);
  const tokenOk = options.bearerToken ? bearerCheck(options.bearerToken) : () => true;
  const refusals = new RefusalNotes(ctx.logger, 'metrics scrape refused', ctx.clock);
  ctx.addEndpoint(
    'platformMetrics',
    createEndpoint(options.path, { method: 'GET' }, async (ectx) => {
      const headers = ectx.request?.headers ?? new Headers();
      const peer = ctx.peer.peerOf(headers);
      if (!allowed(peer)) {
        refusals.note('caller address not allowed', peer);
        return new Response('forbidden\n', { status: 403, headers: { 'content-type': 'text/plain' } });
      }
      if (!tokenOk(headers)) {
        refusals.note('missing or wrong bearer token', peer);
        return new Response('unauthorized\n', { status: 401, headers: { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' } });
      }
      const body = await metrics.registry.metrics();
      return new Response(body, { status: 200, headers: { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' } });
    }),
  );
}
