/**
 * The room side of the bridge: one line of room code per report.
 *
 * @example
 * class BattleRoom extends Room {
 *   plugins = definePlugins([new PlatformPlugin()]);
 *   onCreate() {
 *     this.plugins.platform.onGrant((client, grant) => this.credit(client, grant.items));
 *   }
 *   onScore(client: Client, userId: string, score: number) {
 *     this.plugins.platform.reportRank(userId, 'score', score);
 *   }
 *   onMatchEnd() {
 *     this.plugins.platform.settle({ matchId: this.roomId, results: this.results() });
 *   }
 * }
 *
 * Reports never block the room and never throw into it: ranks are one in-memory write, roles and
 * settlements are validated, copied and queued for a background loop that sends them to Redis (and
 * keeps them while Redis is away). A bad report is dropped with a log line naming what was wrong.
 *
 * Grants: when a player joins (after the room's own `onJoin`, so the room has set the player up) the
 * plugin attaches a sink for their user id, which receives grants already waiting and those granted
 * while they stay, on whichever process grants them. The room's `onGrant` handler gets each one; without
 * a handler the client is sent a `grant` message `{ key, orderId, amount, items, currency?, productId?,
 * source, grantedAt }`, kept until the client acknowledges it (`grant:ack`), and sent again at the next join
 * or reconnect until it does. The sink is detached when the player leaves.
 *
 * The plugin reports to the bridge it is given, else to the one registered in this process.
 */
import { RoomPlugin, type Client, type RoomPluginOrder } from '@colyseus/core';
import type { GrantDelivery } from '../../ledger/types.js';
import { idText } from '../../roles/ids.js';
import { normalizeRole } from '../../roles/normalize.js';
import { defineRoomMethod } from '../../colyseus/adapter.js';
import { currentBridgeServices } from './current.js';
import { SessionGrants, type RoomGrantHandler } from '../deliveries/grantSink.js';
import { PLATFORM_PLUGIN_BRAND } from './pluginBrand.js';
import type { BridgeServices, RankKind, RoleChangedInput, RoleCreatedInput, SettlementInput } from '../services.js';
import { normalizeSettlement } from '../settlements/normalize.js';
import { errorText } from '../../logging/throttle.js';
import { SETTLEMENT_ROOM_METHOD, type RoomSettlement, type RoomSettlementHandler } from '../settlements/roomDelivery.js';

/** The bridge to report to: its room services, or the registered bridge object that carries them. */
export type BridgeRef = BridgeServices | { readonly rooms: BridgeServices };

export interface PlatformPluginOptions {
  /** Default: the bridge registered in this process. */
  bridge?: BridgeRef;
}

export class PlatformPlugin extends RoomPlugin {
  override readonly pluginName = 'platform' as const;
  protected override order: RoomPluginOrder = { onJoin: 'after' };

  private services: BridgeServices | undefined;
  private readonly explicit: BridgeServices | undefined;
  private grantHandler: RoomGrantHandler | undefined;
  private settlementHandler: RoomSettlementHandler | undefined;
  private readonly detachers = new Map<string, () => void>();
  /** Each player's zone from their join, the default zone of their role reports. */
  private readonly zones = new Map<string, string>();

  constructor(options: PlatformPluginOptions = {}) {
    super();
    (this as unknown as Record<symbol, boolean>)[PLATFORM_PLUGIN_BRAND] = true;
    const ref = options.bridge;
    this.explicit = ref && 'rooms' in ref ? ref.rooms : ref;
  }

  /** Records a player's latest rank value ('level' | 'score' | 'checkpoint'); submitted later by the bridge. */
  reportRank(userId: string, kind: RankKind, value: number): void {
    const s = this.services ?? this.resolve();
    if (s !== undefined) s.ranks.report(userId, kind, value);
  }

  /** Records a new role in the role-info hash and the zone's account figures. */
  roleCreated(role: RoleCreatedInput): void {
    this.queueRole(role, 'create');
  }

  /** Updates a role's name, class, level or extra fields; absent fields keep their value. */
  roleChanged(role: RoleChangedInput): void {
    this.queueRole(role, 'change');
  }

  /** Reports a match result once; repeats for the same match id are ignored. */
  settle(settlement: SettlementInput): void {
    const s = this.services ?? this.resolve();
    if (s === undefined || !this.accepting(s, 'settle')) return;
    try {
      const room = this.room;
      const r = normalizeSettlement(settlement, { zoneId: s.zoneId, roomId: room.roomId, roomName: room.roomName, reportedAt: s.clock.now() });
      if (!r.ok) {
        s.logger.warn(`settle() ignored: ${r.reason}`, { room: room.roomName });
        return;
      }
      s.reports.enqueue({ kind: 'settlement', settlement: r.value });
    } catch (err) {
      s.logger.error('settle() failed (the room is unaffected)', { error: errorText(err) });
    }
  }

  /** Receives this room's players' grants instead of the default `grant` message. */
  onGrant(handler: (client: Client, delivery: GrantDelivery) => void | Promise<void>): void {
    this.grantHandler = handler;
  }

  /**
   * Receives platform settlements (a SUD `match.settle` naming this room's id as `room_id`), on whichever
   * process received the notification. Settlements this room reported itself are not sent back.
   */
  onSettlement(handler: RoomSettlementHandler): void {
    this.settlementHandler = handler;
  }

  protected override onCreate(): void {
    // reached by remoteRoomCall from the process that handled the platform's notification
    defineRoomMethod(this.room, SETTLEMENT_ROOM_METHOD, async (settlement: RoomSettlement) => {
      if (!this.settlementHandler) {
        this.services?.logger.info('a settlement reached a room without an onSettlement handler', { room: this.room.roomId, matchId: settlement?.matchId });
        return false;
      }
      try {
        await this.settlementHandler(settlement);
      } catch (err) {
        this.services?.logger.error("a room's onSettlement handler threw (the room is unaffected)", { room: this.room.roomId, error: errorText(err) });
      }
      return true;
    });
  }

  protected override onJoin(client: Client, options?: unknown): void {
    const s = this.services ?? this.resolve();
    if (s === undefined) return;
    try {
      s.identity.remember(client, options);
      const userId = s.identity.userIdOf(client, options, this.room);
      if (userId === undefined) {
        s.logger.debug('a player joined without a user id: no grant delivery for this session', { room: this.room.roomName });
        return;
      }
      this.zones.set(userId, s.identity.zoneIdOf(client, options, this.room));
      this.detachers.get(client.sessionId)?.();
      const grants = new SessionGrants({ room: this.room, sessionId: client.sessionId, userId, deliveries: s.deliveries, acks: s.grantAcks, logger: s.logger }, () => this.grantHandler);
      const forget = s.grantSessions.set(this.room.roomId, client.sessionId, grants);
      const detach = grants.attach();
      this.detachers.set(client.sessionId, () => {
        forget();
        detach();
      });
    } catch (err) {
      s.logger.error('platform plugin: setting up grant delivery failed (the join goes on)', { room: this.room.roomName, error: errorText(err) });
    }
  }

  protected override onLeave(client: Client): void {
    const detach = this.detachers.get(client.sessionId);
    this.detachers.delete(client.sessionId);
    try {
      detach?.();
    } catch (err) {
      this.services?.logger.error('platform plugin: detaching grant delivery failed', { error: errorText(err) });
    }
  }

  protected override onDispose(): void {
    for (const detach of this.detachers.values()) {
      try {
        detach();
      } catch {
        // the room is going away; its sinks refuse deliveries anyway
      }
    }
    this.detachers.clear();
    this.zones.clear();
  }

  private queueRole(input: RoleCreatedInput | RoleChangedInput, mode: 'create' | 'change'): void {
    const s = this.services ?? this.resolve();
    if (s === undefined || !this.accepting(s, mode === 'create' ? 'roleCreated' : 'roleChanged')) return;
    try {
      const r = normalizeRole(input, mode, {
        defaultZoneId: (userId) => this.zones.get(userId) ?? s.zoneId,
        extraFields: s.roleExtraFields,
        at: s.clock.now(),
      });
      if (!r.ok) {
        s.logger.warn(`${mode === 'create' ? 'roleCreated' : 'roleChanged'}() ignored: ${r.reason}`, {
          room: this.room?.roomName,
          userId: idText((input as { userId?: unknown })?.userId),
        });
        return;
      }
      s.reports.enqueue({ kind: 'role', update: r.value });
    } catch (err) {
      s.logger.error('a role report failed (the room is unaffected)', { error: errorText(err) });
    }
  }

  private accepting(s: BridgeServices, what: string): boolean {
    if (s.open) return true;
    s.logger.warn(`${what}() after the platform bridge closed is dropped`, { room: this.room?.roomName });
    return false;
  }

  private resolve(): BridgeServices | undefined {
    const s = this.explicit ?? currentBridgeServices();
    if (s !== undefined) this.services = s;
    else PlatformPlugin.warnUnbound();
    return s;
  }

  private static warned = false;
  private static warnUnbound(): void {
    if (PlatformPlugin.warned) return;
    PlatformPlugin.warned = true;
    console.warn(
      '[platform-bridge] PlatformPlugin used before registerPlatformBridge() was called in this process (or after it closed): reports are dropped. Register the bridge at startup, or pass { bridge } to the plugin.',
    );
  }
}
