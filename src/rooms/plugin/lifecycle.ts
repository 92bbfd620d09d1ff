/**
 * Feeds the bridge from every room definition's `RegisteredHandler` events, for rooms that use the
 * {@link PlatformPlugin} and rooms that do not: online counts per zone, unique and new accounts, daily
 * activity and login times (through the report queue), and grant delivery to players of rooms without
 * the plugin.
 *
 * Definitions are hooked when installed (`matchMaker.getAllHandlers()`), when defined later through
 * `server.define`, at listen (`beforeListen`), and at each serverstate refresh, which catches handlers
 * added straight through the matchmaker. A room created before its definition was hooked is not counted.
 *
 * Colyseus runs these listeners synchronously and a throw fails the player's join, so each is wrapped;
 * anything slow goes to the report queue. Colyseus does not pass join options to the `join` event: for
 * rooms without the plugin, the room instance's `onJoin` is wrapped at `create` to keep them.
 */
import type { Client, RegisteredHandler, Room, Server } from '@colyseus/core';
import { afterRoomReconnect, beforeRoomJoin, chainBeforeListen, onDefine, roomDefinitions } from '../../colyseus/adapter.js';
import type { Clock } from '../../context.js';
import type { Deliveries } from '../../ledger/Ledger.js';
import type { Logger } from '../../logger.js';
import { GRANT_ACK_MESSAGE, type GrantAcks } from '../deliveries/grantAcks.js';
import { SessionGrants, type GrantSessions } from '../deliveries/grantSink.js';
import { hasPlatformPlugin } from './pluginBrand.js';
import type { ClientIdentity, ReportQueue } from '../services.js';
import type { Session, SessionBook } from './SessionBook.js';
import { errorText, throttledLog, type ThrottledLog } from '../../logging/throttle.js';

export interface LifecycleDeps {
  server: Server;
  identity: ClientIdentity;
  sessions: SessionBook;
  deliveries: Deliveries;
  grantAcks: GrantAcks;
  grantSessions: GrantSessions;
  reports: ReportQueue;
  clock: Clock;
  logger: Logger;
}

/** How long a disposed room's sessions wait for their `leave` before the sweep removes them. */
const DISPOSE_GRACE_MS = 1000;

export class RoomLifecycle {
  private readonly hooked = new WeakSet<RegisteredHandler>();
  private readonly removers: Array<() => void> = [];
  private readonly log: ThrottledLog;
  private closed = false;

  constructor(private readonly deps: LifecycleDeps) {
    this.log = throttledLog(deps.logger);
  }

  install(): void {
    this.scan();
    this.removers.push(onDefine(this.deps.server, (handler) => this.definedLater(handler)));
    // `beforeListen` runs at listen time: hook whatever was defined up to then (and by it)
    chainBeforeListen(this.deps.server, () => this.scan());
  }

  /** Hooks every definition the matchmaker knows that is not hooked yet. */
  scan(): void {
    if (this.closed) return;
    try {
      for (const handler of roomDefinitions()) this.hook(handler);
    } catch (err) {
      this.log('error', 'scan', 'room lifecycle: could not list room definitions', { error: errorText(err) });
    }
  }

  /** Removes sessions of rooms disposed a while ago whose last `leave` never came. */
  sweep(): void {
    for (const s of this.deps.sessions.sweep(this.deps.clock.now(), DISPOSE_GRACE_MS)) this.detach(s);
  }

  close(): void {
    this.closed = true;
    for (const remove of this.removers.splice(0)) remove();
    for (const s of this.deps.sessions.clear()) this.detach(s);
  }

  private hook(handler: RegisteredHandler): void {
    if (this.hooked.has(handler)) return;
    this.hooked.add(handler);
    const onCreate = (room: Room) => this.guard('create', room, () => this.created(room));
    const onJoin = (room: Room, client: Client) => this.guard('join', room, () => this.joined(room, client));
    const onLeave = (room: Room, client: Client) => this.guard('leave', room, () => this.left(room, client));
    const onDispose = (room: Room) => this.guard('dispose', room, () => this.deps.sessions.roomDisposed(room.roomId, this.deps.clock.now()));
    handler.on('create', onCreate);
    handler.on('join', onJoin);
    handler.on('leave', onLeave);
    handler.on('dispose', onDispose);
    this.removers.push(() => {
      handler.off('create', onCreate);
      handler.off('join', onJoin);
      handler.off('leave', onLeave);
      handler.off('dispose', onDispose);
      this.hooked.delete(handler);
    });
  }

  private guard(event: string, room: Room, fn: () => void): void {
    if (this.closed) return;
    try {
      fn();
    } catch (err) {
      this.log('error', `listener:${event}`, `room lifecycle: the ${event} listener failed (the room is unaffected)`, {
        room: room?.roomName,
        error: errorText(err),
      });
    }
  }

  private created(room: Room): void {
    this.watchReconnections(room);
    if (this.deps.grantAcks.enabled) room.onMessage(GRANT_ACK_MESSAGE, (client, message) => this.acknowledged(room, client, message));
    if (hasPlatformPlugin(room)) return; // the plugin's onJoin keeps the options itself
    const identity = this.deps.identity;
    beforeRoomJoin(room, (client, options) => identity.remember(client, options));
  }

  private joined(room: Room, client: Client): void {
    const { identity, sessions, deliveries, reports, clock } = this.deps;
    const options = identity.recall(client);
    const userId = identity.userIdOf(client, options, room);
    const session: Session = { userId, roleId: identity.roleIdOf(client, options, room), zoneId: identity.zoneIdOf(client, options, room) };
    if (userId !== undefined && !hasPlatformPlugin(room)) {
      const grants = new SessionGrants({ room, sessionId: client.sessionId, userId, deliveries, acks: this.deps.grantAcks, logger: this.deps.logger }, () => undefined);
      const forget = this.deps.grantSessions.set(room.roomId, client.sessionId, grants);
      const detach = grants.attach();
      session.detach = () => {
        forget();
        detach();
      };
    }
    const replaced = sessions.join(room.roomId, client.sessionId, session);
    if (replaced) this.detach(replaced);
    if (userId !== undefined) reports.enqueue({ kind: 'joined', userId, zoneId: session.zoneId, roleId: session.roleId, at: clock.now() });
  }

  /** Once the room has accepted a player back inside the reconnection window, what waited for them is delivered. */
  private watchReconnections(room: Room): void {
    afterRoomReconnect(room, (client) =>
      this.guard('reconnect', room, () => {
        const grants = this.deps.grantSessions.get(room.roomId, client.sessionId);
        if (grants) grants.resume();
        else this.deps.logger.debug('a player reconnected to a session without grant delivery', { room: room.roomName });
      }),
    );
  }

  private acknowledged(room: Room, client: Client, message: unknown): void {
    this.guard('grant:ack', room, () => {
      const key = typeof message === 'object' && message !== null ? (message as { key?: unknown }).key : undefined;
      const userId = this.deps.sessions.get(room.roomId, client.sessionId)?.userId;
      if (typeof key !== 'string' || key === '' || userId === undefined) {
        this.deps.logger.debug('ignored a grant acknowledgement without a key, or from a player without a user id', { room: room.roomName });
        return;
      }
      void this.deps.grantAcks.acknowledged(userId, key);
    });
  }

  private left(room: Room, client: Client): void {
    const session = this.deps.sessions.leave(room.roomId, client.sessionId);
    if (session) this.detach(session);
  }

  private detach(session: Session): void {
    try {
      session.detach?.();
    } catch (err) {
      this.log('error', 'detach', 'room lifecycle: detaching a grant sink failed', { error: errorText(err) });
    }
    session.detach = undefined;
  }

  /** Definitions added with `server.define` after install are hooked as they are defined. */
  private definedLater(handler: RegisteredHandler): void {
    try {
      if (!this.closed) this.hook(handler);
    } catch (err) {
      this.log('error', 'define', 'room lifecycle: could not hook a new room definition', { error: errorText(err) });
    }
  }
}
