/**
 * Installs the rooms part of the bridge into a {@link BridgeContext}: the services the room plugin
 * reports through, the lifecycle listeners on every room definition, and the serverstate reporter.
 * Everything stops at the bridge's close, after the report queue has sent what it holds (bounded by
 * `reports.closeTimeoutMs`) and this process has withdrawn from the serverstate entries.
 */
import type { BridgeContext } from '../context.js';
import type { Deliveries } from '../ledger/Ledger.js';
import { ActivityLog } from '../roles/ActivityLog.js';
import { idText } from '../roles/ids.js';
import { StoreRoleRegistry } from '../roles/RoleRegistry.js';
import { ZoneKeys } from '../serverstate/keys.js';
import { OsMachineSampler } from '../serverstate/machine.js';
import { ServerStateReporter } from '../serverstate/ServerStateReporter.js';
import { wallClock } from '../serverstate/wallClock.js';
import { ZoneAccounts } from '../serverstate/ZoneAccounts.js';
import { currentBridgeServices, setCurrentBridgeServices } from './plugin/current.js';
import { GrantAcks } from './deliveries/grantAcks.js';
import { GrantSessions } from './deliveries/grantSink.js';
import { Identity } from './plugin/identity.js';
import { RoomLifecycle } from './plugin/lifecycle.js';
import type { RoomsOptions } from './options.js';
import { reportHandler } from './reports/processReport.js';
import { RankBook } from './reports/RankBook.js';
import { ReportQueue } from './reports/ReportQueue.js';
import type { BridgeServices, SettlementSink } from './services.js';
import { SessionBook } from './plugin/SessionBook.js';
import { StoreSettlementSink } from './settlements/StoreSettlementSink.js';
import { RankPump, type RankSink } from './reports/RankPump.js';
import { errorText } from '../logging/throttle.js';

export interface RoomsDeps {
  /** Grant delivery (the ledger's). */
  deliveries: Deliveries;
  /** Replaces the default settlement sink (record once in Redis + `settlement.onSettlement`). */
  settlements?: SettlementSink;
}

export interface RoomServices extends BridgeServices {
  /** Per-day active users, for the GameCenter "active" batch. */
  readonly activity: ActivityLog;
  readonly serverState: ServerStateReporter;
  /** This process's online count in a zone (default: the bridge's zone). */
  online(zoneId?: string | number): number;
  /** Hooks room definitions added since (also done at each serverstate refresh). */
  scanRooms(): void;
  /**
   * Hands the rank book to a shared rank store every `everyMs` (and once more at close), e.g.
   * GameCenter's `ranks`. Returns the function that stops it.
   */
  pipeRanks(sink: RankSink, everyMs?: number): () => Promise<void>;
}

export function installRooms(ctx: BridgeContext, options: RoomsOptions, deps: RoomsDeps): RoomServices {
  const { store, logger, clock } = ctx;
  const zoneId = String(ctx.options.zoneId);
  const wall = wallClock(options.timeZone);
  const zoneKeys = new ZoneKeys(store.keys, options.serverState.hashName);

  const identity = new Identity({ resolveUserId: options.resolveUserId, resolveRoleId: options.resolveRoleId, resolveZoneId: options.resolveZoneId, defaultZoneId: zoneId }, logger);
  if (!options.resolveUserId) {
    // join options are whatever the client sent: claiming a victim's id would deliver (and remove) their grants
    logger.warn(
      "rooms.resolveUserId is not set: a player's user id comes from client.auth (set by your room's onAuth) or else from the join option `userId`, which any client can set to anyone's id and so receive their grants. Authenticate players in onAuth (e.g. bridge.vngates.onAuth()) or set rooms.resolveUserId.",
    );
  }
  const ranks = new RankBook(options.ranks, logger);
  const roles = new StoreRoleRegistry(store, store.keys, options.roleInfo, logger);
  const accounts = new ZoneAccounts(store, zoneKeys);
  const activity = new ActivityLog(store, store.keys, wall, options.activityRetentionDays * 86_400_000, (err) => logger.error('an activity listener failed', { error: errorText(err) }));
  const settlements = deps.settlements ?? new StoreSettlementSink(store, store.keys, { retentionMs: options.settlement.retentionSec * 1000, onSettlement: options.settlement.onSettlement }, logger);
  const reports = new ReportQueue(options.reports, reportHandler({ roles, accounts, activity, settlements }), logger);
  const sessions = new SessionBook();
  const grantAcks = new GrantAcks(store, store.keys, options.grantAcks, logger);
  const grantSessions = new GrantSessions();
  const lifecycle = new RoomLifecycle({ server: ctx.server, identity, sessions, deliveries: deps.deliveries, grantAcks, grantSessions, reports, clock, logger });
  const serverState = new ServerStateReporter(options.serverState, {
    store,
    keys: zoneKeys,
    clock,
    wall,
    logger,
    machine: options.serverState.machine ?? new OsMachineSampler(),
    defaultZoneId: zoneId,
    online: (z) => sessions.online(z),
    zones: () => sessions.zoneIds(),
    beforeWrite: () => {
      lifecycle.scan();
      lifecycle.sweep();
    },
  });

  const pumps = new Set<RankPump>();
  let open = true;
  const services: RoomServices = {
    zoneId,
    logger,
    clock,
    identity,
    ranks,
    reports,
    roles,
    deliveries: deps.deliveries,
    grantAcks,
    grantSessions,
    settlements,
    roleExtraFields: options.roleInfo.extraFields.map((f) => f.name),
    get open() {
      return open;
    },
    activity,
    serverState,
    online: (z) => sessions.online(z === undefined ? zoneId : (idText(z) ?? zoneId)),
    scanRooms: () => lifecycle.scan(),
    pipeRanks(sink, everyMs = 1000) {
      const pump = new RankPump(ranks, sink, everyMs, logger);
      pumps.add(pump);
      pump.start();
      return async () => {
        if (pumps.delete(pump)) await pump.stop();
      };
    },
  };

  lifecycle.install();
  serverState.start();
  // with serverstate off, nothing else would run the lifecycle's upkeep
  const upkeep = options.serverState.enabled
    ? undefined
    : setInterval(() => {
        lifecycle.scan();
        lifecycle.sweep();
      }, 5000).unref();
  ctx.onClose(async () => {
    open = false;
    clearInterval(upkeep);
    lifecycle.close();
    await reports.close(options.reports.closeTimeoutMs);
    await Promise.all([...pumps].map((p) => p.stop()));
    pumps.clear();
    await serverState.stop();
    if (currentBridgeServices() === services) setCurrentBridgeServices(undefined);
  });
  return services;
}
