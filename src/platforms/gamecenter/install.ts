/**
 * Puts GameCenter into a bridge: the API client, the rank pipeline, zone sync, order and transfer polling,
 * and the onAuth verifier. Each worker is one unref'd loop per process whose work is claimed through the
 * store, so any number of processes can run them side by side. Intake stops (and runs in progress finish)
 * when the bridge begins to shut down.
 */
import type { BridgeContext } from '../../context.js';
import type { Ledger } from '../../ledger/Ledger.js';
import { IntervalWorker } from '../../workers/IntervalWorker.js';
import type { WorkerRun } from '../../workers/IntervalWorker.js';
import { gameCenterOnAuth } from './auth.js';
import type { GameCenterOnAuth } from './auth.js';
import { GameCenterClient, MAX_GAME_ZONE } from './client.js';
import type { GameCenterClientDeps } from './client.js';
import { ZonedDays } from './day.js';
import { GAMECENTER_BASE_URLS } from './options.js';
import { OrderPoller } from './orders/OrderPoller.js';
import type { RegisterOrderInput, RegisterOrderOutcome } from './orders/types.js';
import { retentionOf, transferHandlerTimeoutOf, type GameCenterPlatformOptions } from './platformOptions.js';
import { RankFlusher } from './ranks/RankFlusher.js';
import type { FlushResult } from './ranks/RankFlusher.js';
import { RankStore } from './ranks/RankStore.js';
import { TransferService } from './transfers/TransferService.js';
import { ZoneSync } from './zones/ZoneSync.js';
import { errorText } from '../../errorText.js';

export type GameCenterContext = Pick<BridgeContext, 'store' | 'clock' | 'logger' | 'setPlatformStatus' | 'onStopIntake' | 'onClose' | 'ops' | 'journal'>;

export interface GameCenterInstallDeps {
  /** The bridge's ledger: paid orders go through it. */
  ledger: Pick<Ledger, 'accept' | 'revoke'>;
  /** HTTP seam for the API client (tests, proxies). */
  clientDeps?: GameCenterClientDeps;
}

export interface GameCenterServices {
  readonly client: GameCenterClient;
  /** Where rooms hand their latest rank values. */
  readonly ranks: RankStore;
  readonly zones: ZoneSync;
  readonly orders: OrderPoller;
  readonly transfers: TransferService;
  /** `static onAuth` for rooms: the token is the GameCenter access token, the join option `userId` the user id. */
  readonly onAuth: GameCenterOnAuth;
  /**
   * A client says it paid: poll the order until it is final (idempotent), and submit its zone once.
   * A zone outside 0..32767 is logged and left out; the order is polled all the same.
   */
  registerOrder(input: RegisterOrderInput): Promise<RegisterOrderOutcome>;
  /** Submits due ranks now instead of at the next interval. */
  flushRanks(): Promise<FlushResult>;
  /** Stops the workers, letting runs in progress finish. */
  stop(): Promise<void>;
}

type WorkerHealth = { ok: boolean; at: number; error?: string };

export function installGameCenter(ctx: GameCenterContext, options: GameCenterPlatformOptions, deps: GameCenterInstallDeps): GameCenterServices {
  const { store, clock, logger } = ctx;
  const client = new GameCenterClient(options, logger, {
    now: () => clock.now(),
    ...(ctx.ops ? { observe: (api, code, seconds) => ctx.ops!.gamecenter(api, code, seconds) } : {}),
    ...deps.clientDeps,
  });
  const days = new ZonedDays(options.rankTimeZone);
  const ranks = new RankStore({ store, clock, days, logger });
  const flusher = new RankFlusher({
    store,
    client,
    clock,
    days,
    logger,
    options: { batchSize: options.rankBatchSize, leaseMs: options.leaseMs, retryMs: options.rankRetryMs },
  });
  const zones = new ZoneSync({
    store,
    client,
    clock,
    logger,
    options: { leaseMs: options.leaseMs, retryMs: options.zoneRetryMs, maxAttempts: options.zoneMaxAttempts, activeBatchSize: options.zoneActiveBatchSize },
  });
  const orders = new OrderPoller({
    store,
    client,
    ledger: deps.ledger,
    clock,
    logger,
    journal: ctx.journal,
    options: {
      claimLimit: options.pollClaimLimit,
      checkChunkSize: options.checkChunkSize,
      concurrency: options.pollConcurrency,
      leaseMs: options.leaseMs,
      acceptRetryMs: options.acceptRetryMs,
      sandboxOrders: options.sandboxOrders ?? (options.baseUrl === GAMECENTER_BASE_URLS.production ? 'refuse' : 'grant'),
      retention: retentionOf(options),
    },
  });
  const transfers = new TransferService({
    store,
    client,
    clock,
    logger,
    handler: options.onTransfer,
    journal: ctx.journal,
    options: {
      pollMs: options.transferPollMs,
      slowPollMs: options.transferSlowPollMs,
      leaseMs: options.leaseMs,
      claimLimit: options.pollClaimLimit,
      checkChunkSize: options.checkChunkSize,
      handlerRetryMs: options.transferHandlerRetryMs,
      handlerTimeoutMs: transferHandlerTimeoutOf(options),
      retention: retentionOf(options),
    },
  });

  const health: Record<string, WorkerHealth> = {};
  let parkedZoneEvents = 0;
  const report = () =>
    ctx.setPlatformStatus('gamecenter', {
      enabled: true,
      details: { baseUrl: options.baseUrl, appId: options.appId, rankTimeZone: options.rankTimeZone, parkedZoneEvents, workers: { ...health } },
    });
  const retryZones = async (): Promise<WorkerRun> => {
    const attempted = await zones.retryDue();
    const parked = await zones.parkedCount();
    if (parked !== parkedZoneEvents) {
      parkedZoneEvents = parked;
      report();
    }
    return { more: attempted >= 100 };
  };
  const worker = (name: string, intervalMs: number, run: () => Promise<WorkerRun>) =>
    new IntervalWorker({
      name: `gamecenter ${name}`,
      intervalMs,
      logger,
      run,
      onRun: (o) => {
        const was = health[name];
        health[name] = o.ok ? { ok: true, at: o.at } : { ok: false, at: o.at, error: o.error };
        // the health route needs a change of state, not a write per tick
        if (!was || was.ok !== o.ok) report();
      },
    });
  const workers = [
    worker('rank flush', options.rankFlushIntervalMs, async () => (await flusher.flush(), { more: false })),
    worker('zone activity', options.zoneActiveFlushMs, async () => (await zones.flushActive(), { more: false })),
    worker('zone retries', options.zoneRetryMs, retryZones),
    worker('order polling', options.pollTickMs, async () => ({ more: (await orders.tick()).more })),
    worker('transfer polling', options.pollTickMs, async () => ({ more: (await transfers.tick()).more })),
  ];
  for (const w of workers) w.start();
  report();

  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= Promise.all(workers.map((w) => w.stop())).then(() => undefined));
  ctx.onStopIntake(stop);
  ctx.onClose(stop);

  return {
    client,
    ranks,
    zones,
    orders,
    transfers,
    onAuth: gameCenterOnAuth(client, { cacheMs: options.authCacheMs, maxEntries: options.authCacheEntries, logger }),
    async registerOrder(input) {
      let zone = input.zone;
      if (zone !== undefined && !(Number.isInteger(zone) && zone >= 0 && zone <= MAX_GAME_ZONE)) {
        logger.warn(`GameCenter order registered with zone outside [0, ${MAX_GAME_ZONE}]: polled without a zone`, { orderId: input.orderId, zone });
        zone = undefined;
      }
      const outcome = await orders.register({ ...input, zone });
      // also for a known order: its first registration may have failed to queue the zone (sent once either way)
      const orderZone = outcome.order.zone;
      if (orderZone !== undefined) {
        // the order is safely on the schedule; a zone sync failure is retried by the outbox, never thrown here
        await zones.orderZone(input.orderId, orderZone).catch((err: unknown) => {
          logger.warn('GameCenter order zone not queued', { orderId: input.orderId, error: errorText(err) });
        });
      }
      return outcome;
    },
    flushRanks: () => flusher.flush(),
    stop,
  };
}
