/**
 * The one call a game server makes. It validates the options, opens the bridge's own store connection,
 * installs each enabled part into a shared {@link BridgeContext}, mounts their routes on the Colyseus
 * router and chains into the server's shutdown.
 */
import type { Endpoint, Server } from '@colyseus/core';
import { parseOptions, type PlatformBridgeOptions, type ResolvedOptions } from './config.js';
import type { BridgeContext, Clock, PlatformStatus } from './context.js';
import type { LeaseEventListener } from './workers/lease/Lease.js';
import { consoleLogger, guardLogger, type Logger } from './logger.js';
import { createStore } from './store/createStore.js';
import type { Store } from './store/Store.js';
import { PeerStamp } from './http/peer.js';
import { installHealth, healthReport, type HealthReport } from './http/health.js';
import { afterListen, httpServerOf, mountEndpoints, warnIfUntestedColyseus } from './colyseus/adapter.js';
import { chainShutdown } from './shutdown.js';
import { createLedger } from './ledger/createLedger.js';
import type { Deliveries, Ledger } from './ledger/Ledger.js';
import { installRecharge } from './platforms/recharge/install.js';
import { installGameCenter, type GameCenterServices } from './platforms/gamecenter/install.js';
import { installRooms, setCurrentBridgeServices, type RoomServices } from './rooms/index.js';
import { registeredPlatforms, setRegisteredPlatforms } from './platformAccess.js';
import { roomSettlementDelivery } from './rooms/settlements/roomDelivery.js';
import { installSud, sudSettlementSink, type SudService } from './platforms/sud/index.js';
import { installVngates, type VngatesService } from './platforms/vngates/index.js';
import { Desk } from './ops/desk.js';
import { setupOps } from './ops/install.js';
import { mountPanel, preparePanel } from './ops/panel/install.js';
import { Journal, SubjectJournal } from './ledger/journal.js';
import { errorText } from './errorText.js';

const REGISTERED = Symbol.for('colyseus-platform-bridge.registered');

export interface PlatformBridge {
  readonly options: ResolvedOptions;
  readonly store: Store;
  readonly logger: Logger;
  /** The routes the bridge added, to spread into a host's own `createRouter({...})` if it builds one later. */
  readonly endpoints: Readonly<Record<string, Endpoint>>;
  /** The order ledger every money path goes through (accept once, grant once, cancel, retry). */
  readonly ledger: Ledger;
  /** Grant delivery to connected players' rooms. */
  readonly deliveries: Deliveries;
  /** The operators' desk: find orders, read their timelines, retry, cancel, export a day. */
  readonly desk: Desk;
  /** Rooms: rank book, report queue, role registry, serverstate, activity. */
  readonly rooms: RoomServices;
  /** SUD settlements and events; undefined when not configured. */
  readonly sud?: SudService;
  /** VNGates client and onAuth; undefined when not configured. */
  readonly vngates?: VngatesService;
  /** GameCenter services (ranks, zones, registerOrder, transfers, onAuth); undefined when not configured. */
  readonly gamecenter?: GameCenterServices;
  /** The bridge's Prometheus registry when `metrics.enabled` (yours when you passed `metrics.registry`). */
  readonly metricsRegistry?: import('prom-client').Registry;
  /** The same report as the health route. */
  health(): Promise<HealthReport>;
  /**
   * Listens to the lease events of this process's grant and SUD workers: a lease `lost` (this holder stopped,
   * `reason` `expired` or `taken`), `taken-over` (claimed after another holder's lease ended), `timed-out`
   * (a handler ran past its deadline). For a journal or metrics; returns the function that stops listening.
   */
  onLeaseEvent(listener: LeaseEventListener): () => void;
  /** Stops intake, closes the bridge's servers, workers and store connection. Idempotent. */
  close(): Promise<void>;
}

/**
 * Registers the bridge on a Colyseus server. Call it once, after defining rooms and before `listen()`
 * (after `listen()` works too: routes are then added to the live router).
 *
 * @example
 * const server = defineServer({ rooms: { battle: defineRoom(BattleRoom) } });
 * const bridge = registerPlatformBridge(server, { redis: process.env.REDIS_URL, zoneId: 1 });
 * await server.listen(2567);
 */
export function registerPlatformBridge(server: Server, input: PlatformBridgeOptions = {}): PlatformBridge {
  const marked = server as unknown as Record<symbol, unknown>;
  if (marked[REGISTERED]) {
    throw new Error('colyseus-platform-bridge is already registered on this server: call registerPlatformBridge() once per Server.');
  }
  const options = parseOptions(input);
  const baseLogger = options.logger ? guardLogger(options.logger) : consoleLogger(options.logLevel);
  const clock: Clock = options.clock ?? { now: Date.now };
  // the panel listens to the log (refusals) and to the ops hooks, so it must wrap them before anything uses them
  const panel = options.panel.enabled ? preparePanel(clock, baseLogger, options.sud) : undefined;
  const logger = panel?.logger ?? baseLogger;
  warnIfUntestedColyseus(logger);
  const store = createStore({ redis: options.redis, keyPrefix: options.keyPrefix, commandTimeoutMs: options.redisCommandTimeoutMs, durability: options.ledger.durability, logger });
  const peer = new PeerStamp({ trustProxyHops: options.http.trustProxyHops, trustedProxies: options.http.trustedProxies });

  const endpoints: Record<string, Endpoint> = {};
  const platforms = new Map<string, PlatformStatus>();
  const stopFns: Array<() => void | Promise<void>> = [];
  const closeFns: Array<() => void | Promise<void>> = [];
  let stopping = false;
  const ops = setupOps({ store, logger, options }, options.metrics, options.admin);
  const subjects = new SubjectJournal(new Journal(store, options.journal), store.keys, clock);

  const leaseListeners = new Set<LeaseEventListener>();
  const ctx: BridgeContext = {
    leaseEvents: (e) => {
      for (const l of leaseListeners) {
        try {
          l(e);
        } catch (err) {
          logger.error('a lease event listener threw', { error: errorText(err) });
        }
      }
    },
    options,
    store,
    logger,
    server,
    peer,
    clock,
    addEndpoint(name, endpoint) {
      if (endpoints[name]) throw new Error(`route ${name} is defined twice`);
      endpoints[name] = endpoint;
    },
    setPlatformStatus(name, status) {
      platforms.set(name, status);
    },
    onStopIntake: (fn) => void stopFns.push(fn),
    onClose: (fn) => void closeFns.push(fn),
    get stopping() {
      return stopping;
    },
    ops: panel ? panel.activity.chain(ops.metrics) : ops.metrics,
    journal: subjects,
    operatorAuthorized: (headers) => ops.operator(headers, peer.peerOf(headers)),
  };

  const platformReport = () => Object.fromEntries([...platforms].map(([name, s]) => [name, { enabled: s.enabled, ...s.details, ...(s.problem ? { problem: s.problem } : {}) }]));
  installHealth(ctx, platformReport);
  const { ledger, deliveries } = createLedger(ctx, options.ledger, options.grant, options.journal, options.onRevoked);
  const desk = new Desk(store, ledger, clock, subjects);
  ops.install(ctx, desk);
  if (options.recharge) installRecharge(ctx, options.recharge, ledger);
  else ctx.setPlatformStatus('recharge', { enabled: false });
  const gamecenter = options.gamecenter ? installGameCenter(ctx, options.gamecenter, { ledger }) : undefined;
  if (!gamecenter) ctx.setPlatformStatus('gamecenter', { enabled: false });
  // SUD before rooms: settlements rooms report share SUD's per-match dedupe
  const sud = options.sud ? installSud(ctx, panel?.sud ?? options.sud, { rooms: roomSettlementDelivery(logger) }) : undefined;
  if (!sud) ctx.setPlatformStatus('sud', { enabled: false });
  const rooms = installRooms(ctx, options.rooms, { deliveries, ...(sud ? { settlements: sudSettlementSink(sud.settlements) } : {}) });
  // VNGates after rooms: /rolelist answers from the role registry
  const vngates = options.vngates ? installVngates(ctx, options.vngates, { ledger, roles: rooms.roles }) : undefined;
  if (!vngates) ctx.setPlatformStatus('vngates', { enabled: false });
  setCurrentBridgeServices(rooms);
  // room code (platformOnAuth, platformService) finds the platforms at call time
  const registered = { gamecenter, vngates, sud };
  setRegisteredPlatforms(registered);
  ctx.onClose(() => {
    if (registeredPlatforms() === registered) setRegisteredPlatforms(undefined);
  });
  if (panel)
    mountPanel(ctx, options.panel, options.admin, {
      desk,
      activity: panel.activity,
      health: () => healthReport(ctx, platformReport()),
      gamecenter: !!gamecenter,
      sud: !!sud,
      serverStateHash: options.rooms.serverState.hashName,
    });
  if (gamecenter) {
    // what rooms report feeds GameCenter: latest ranks, role creations (type 1) and activity (type 2)
    rooms.pipeRanks(gamecenter.ranks);
    rooms.roles.onCreated((e) => gamecenter.zones.roleCreated(e.userId, Number(e.zoneId), e.createdAt));
    rooms.activity.onActive((e) => gamecenter.zones.roleActive(e.userId, Number(e.zoneId), e.at));
  }

  mountEndpoints(server, endpoints);
  stampPeers(server, peer);

  let stopped: Promise<void> | undefined;
  const stopIntake = () =>
    (stopped ??= (async () => {
      stopping = true;
      for (const fn of stopFns) {
        try {
          await fn();
        } catch (err) {
          logger.error('stopping intake failed', { error: err });
        }
      }
    })());

  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await stopIntake();
      for (const fn of [...closeFns].reverse()) {
        try {
          await fn();
        } catch (err) {
          logger.error('closing a bridge component failed', { error: err });
        }
      }
      await store.close();
      logger.info('platform bridge closed');
    })());

  chainShutdown(server, logger, { stopIntake, close });
  marked[REGISTERED] = true;
  logger.info('platform bridge registered', {
    store: store.kind,
    zoneId: options.zoneId,
    platforms: [...platforms].filter(([, s]) => s.enabled).map(([n]) => n),
  });

  return {
    options,
    store,
    logger,
    endpoints,
    ledger,
    deliveries,
    desk,
    metricsRegistry: ops.metrics?.registry,
    gamecenter,
    sud,
    vngates,
    rooms,
    health: () => healthReport(ctx, platformReport()),
    onLeaseEvent: (listener) => {
      leaseListeners.add(listener);
      return () => void leaseListeners.delete(listener);
    },
    close,
  };
}

/**
 * Installs the peer-address stamp on the HTTP server once Colyseus has bound its routes: Colyseus
 * prepends its own request listener at that moment, and ours must run before it.
 */
function stampPeers(server: Server, peer: PeerStamp): void {
  afterListen(server, () => {
    const http = httpServerOf(server);
    if (http) peer.install(http);
  });
}
