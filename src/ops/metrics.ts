/**
 * The bridge's Prometheus metrics (prom-client). Counters and histograms are bumped in process through the
 * {@link OpsHooks} the money paths call (the counters as plain numbers, handed to prom-client at a scrape:
 * see {@link CellCounter}); the two gauges that describe shared state (the ledger's queue by
 * state, whether the store answers) are read from Redis once per scrape, in one bounded script call and
 * one ping, so a scrape costs the same however many orders there are.
 */
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../logger.js';
import type { Store } from '../store/Store.js';
import type { StateCounts } from './desk.js';
import type { OpsHooks } from './hooks.js';
import { errorText } from '../errorText.js';
import { CellCounter } from './counterCells.js';

export interface BridgeMetricsDeps {
  registry?: Registry;
  store: Store;
  /** The ledger queue by state (the desk's bounded count). */
  counts: () => Promise<StateCounts>;
  logger: Logger;
  /** How long a scrape waits for the store before reporting it down. */
  pingTimeoutMs: number;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DELIVERY_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 86_400];

export class BridgeMetrics implements OpsHooks {
  readonly registry: Registry;
  private readonly callbacks: CellCounter<'platform' | 'path' | 'code'>;
  private readonly orders: CellCounter<'source' | 'state'>;
  private readonly grantSeconds: Histogram;
  private readonly deliverySeconds: Histogram;
  private readonly gcRequests: CellCounter<'api' | 'code'>;
  private readonly gcSeconds: Histogram<'api'>;

  constructor(d: BridgeMetricsDeps) {
    const own = d.registry === undefined;
    this.registry = d.registry ?? new Registry();
    const registers = [this.registry];
    if (own) collectDefaultMetrics({ register: this.registry });
    this.callbacks = new CellCounter({
      name: 'platform_bridge_callbacks_total',
      help: 'Inbound platform callbacks answered, by platform, path and the answer code sent (refusals included).',
      labelNames: ['platform', 'path', 'code'],
      registers,
    });
    this.orders = new CellCounter({
      name: 'platform_bridge_orders_total',
      help: 'Orders reaching a state on this process: pending (accepted), declined, duplicate, granted, given_up, cancelled, retried.',
      labelNames: ['source', 'state'],
      registers,
    });
    this.grantSeconds = new Histogram({ name: 'platform_bridge_grant_duration_seconds', help: "Time the game's grant handler took for orders then recorded granted.", buckets: SECONDS, registers });
    this.deliverySeconds = new Histogram({
      name: 'platform_bridge_delivery_seconds',
      help: "From an order's accept to its grant reaching the player's room.",
      buckets: DELIVERY_SECONDS,
      registers,
    });
    this.gcRequests = new CellCounter({
      name: 'platform_bridge_gamecenter_requests_total',
      help: 'GameCenter API attempts by API and answer code (0 ok, the platform code, or the transport failure kind).',
      labelNames: ['api', 'code'],
      registers,
    });
    this.gcSeconds = new Histogram({ name: 'platform_bridge_gamecenter_request_seconds', help: 'GameCenter API attempt duration.', labelNames: ['api'], buckets: SECONDS, registers });

    // one reading per scrape, shared by both gauges
    let reading: Promise<{ up: boolean; counts?: StateCounts }> | undefined;
    const read = () =>
      (reading ??= (async () => {
        try {
          await d.store.ping(d.pingTimeoutMs);
          return { up: true, counts: await d.counts() };
        } catch (err) {
          d.logger.warn('metrics: the store did not answer this scrape', { error: errorText(err) });
          return { up: false };
        } finally {
          setImmediate(() => (reading = undefined));
        }
      })());
    new Gauge({
      name: 'platform_bridge_store_up',
      help: 'Whether the store (Redis) answered the scrape: 1 up, 0 down.',
      registers,
      async collect() {
        this.set((await read()).up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'platform_bridge_ledger_orders',
      help: 'Orders in the ledger queue by state (pending incl. waiting for a backoff, granting, given_up), read from Redis per scrape.',
      labelNames: ['state'],
      registers,
      async collect() {
        const { counts } = await read();
        this.reset();
        if (!counts) return;
        for (const state of ['pending', 'granting', 'given_up'] as const) this.set({ state }, counts[state]);
      },
    });
  }

  callback(platform: string, path: string, code: string | number): void {
    this.callbacks.inc(platform, path, code);
  }

  order(source: string, state: string): void {
    this.orders.inc(source, state);
  }

  grantDuration(seconds: number): void {
    this.grantSeconds.observe(seconds);
  }

  delivery(seconds: number): void {
    this.deliverySeconds.observe(seconds);
  }

  gamecenter(api: string, code: string | number, seconds: number): void {
    this.gcRequests.inc(api, code);
    this.gcSeconds.observe({ api }, seconds);
  }
}
