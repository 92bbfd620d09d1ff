import { createEndpoint } from '@colyseus/core';
import type { BridgeContext } from '../context.js';
import { errorText } from '../errorText.js';
import { EVICTION_PROBLEM } from '../store/evictionRisk.js';

export interface HealthReport {
  status: 'ok' | 'degraded' | 'stopping';
  store: {
    kind: 'redis' | 'memory';
    reachable: boolean;
    latencyMs?: number;
    error?: string;
    /** With `ledger.durability.replicas` > 0: replicas wanted and online (fewer online: money paths answer "retry later"). */
    replicas?: { wanted: number; online: number };
    /**
     * Set when Redis may evict keys (a maxmemory with a policy other than `noeviction`): a problem to fix, but
     * not `degraded`, since every process shares the Redis and routing callbacks away from all would not help.
     */
    eviction?: { policy: string; maxmemory: number; node?: string; problem: string };
  };
  zoneId: number;
  platforms: Record<string, { enabled: boolean; problem?: string; [k: string]: unknown }>;
}

/**
 * GET health: 200 when the store answers (with the replicas `ledger.durability` asks for) and every enabled platform can take its traffic, 503 otherwise
 * (so a load balancer stops routing callbacks to a process that could not record them, and alerting sees a
 * recharge socket that failed to listen). Bounded by `healthTimeoutMs`, so it never hangs. The route is
 * public, so by default it says only `{"status": ...}`: the detail (app ids, paths, ports, the store's error
 * text) is for `http.healthDetail: true` or a request carrying the admin token.
 */
export function installHealth(ctx: BridgeContext, platforms: () => HealthReport['platforms']): void {
  ctx.addEndpoint(
    'platformHealth',
    createEndpoint(ctx.options.http.healthPath, { method: 'GET' }, async (ectx) => {
      const report = await healthReport(ctx, platforms());
      const headers = ectx.request?.headers;
      const detail = ctx.options.http.healthDetail || (headers !== undefined && ctx.operatorAuthorized?.(headers) === true);
      return Response.json(detail ? report : { status: report.status }, { status: report.status === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' } });
    }),
  );
}

export async function healthReport(ctx: BridgeContext, platforms: HealthReport['platforms']): Promise<HealthReport> {
  const started = performance.now();
  let store: HealthReport['store'];
  try {
    await ctx.store.ping(ctx.options.http.healthTimeoutMs);
    store = { kind: ctx.store.kind, reachable: true, latencyMs: Math.round((performance.now() - started) * 100) / 100 };
  } catch (err) {
    store = { kind: ctx.store.kind, reachable: false, error: errorText(err) };
  }
  if (store.reachable) {
    try {
      const replicas = await ctx.store.replication();
      if (replicas) store.replicas = replicas;
      const risk = await ctx.store.evictionRisk().catch(() => undefined);
      if (risk) store.eviction = { ...risk, problem: EVICTION_PROBLEM };
    } catch (err) {
      store = { kind: ctx.store.kind, reachable: false, error: errorText(err) };
    }
  }
  const underReplicated = store.replicas !== undefined && store.replicas.online < store.replicas.wanted;
  const platformProblem = Object.values(platforms).some((p) => p.enabled && typeof p.problem === 'string');
  const status = ctx.stopping ? 'stopping' : store.reachable && !underReplicated && !platformProblem ? 'ok' : 'degraded';
  return { status, store, zoneId: ctx.options.zoneId, platforms };
}
