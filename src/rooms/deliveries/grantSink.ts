/**
 * Grant delivery to one session in one room. The sink looks the client up at delivery time (a reconnected
 * player has a new Client with the same session id) and, while the player is not there (left, or inside
 * the reconnection window), throws {@link PlayerAwayError}: the ledger keeps the grant in the inbox, and
 * {@link SessionGrants.resume} delivers it when they reconnect. The default `grant` message is kept until
 * the client acknowledges it (see grantAcks.ts) and sent again at the next join or reconnect.
 */
import { ClientState, type Client, type Room } from '@colyseus/core';
import { PlayerAwayError } from '../../ledger/away.js';
import type { Deliveries } from '../../ledger/Ledger.js';
import type { GrantDelivery, GrantSink, HandOver } from '../../ledger/types.js';
import type { Logger } from '../../logger.js';
import type { GrantAcks } from './grantAcks.js';
import { errorText } from '../../logging/throttle.js';
import type { Grant } from '../../client.js';

export type RoomGrantHandler = (client: Client, delivery: GrantDelivery) => void | Promise<void>;

/**
 * The `grant` message a client receives when the room has no handler of its own. It is the client helper's
 * `Grant` (src/client.ts imports nothing, so the browser side keeps no server code; the server takes the type
 * from there, so the two can never drift apart).
 */
export type GrantMessage = Grant;

export function grantMessage(d: GrantDelivery): GrantMessage {
  const msg: GrantMessage = { key: d.dedupeKey, orderId: d.orderId, amount: d.amount, source: d.source, grantedAt: d.grantedAt };
  if (d.items !== undefined) msg.items = d.items;
  if (d.currency !== undefined) msg.currency = d.currency;
  if (d.productId !== undefined) msg.productId = d.productId;
  return msg;
}

export const sendGrantMessage: RoomGrantHandler = (client, delivery) => {
  client.send('grant', grantMessage(delivery));
};

/** The default: keep the grant until acknowledged (when acknowledgements are on), then send the message. */
export function defaultGrantSender(acks: GrantAcks): RoomGrantHandler {
  if (!acks.enabled) return sendGrantMessage;
  return async (client, delivery) => {
    await acks.sending(delivery);
    client.send('grant', grantMessage(delivery));
  };
}

export interface SessionGrantDeps {
  room: Room;
  sessionId: string;
  userId: string;
  deliveries: Deliveries;
  acks: GrantAcks;
  logger: Logger;
}

export class SessionGrants {
  private readonly sendDefault: RoomGrantHandler;

  /** `handler` returns the room's own grant handler, or undefined for the default `grant` message. */
  constructor(
    private readonly deps: SessionGrantDeps,
    private readonly handler: () => RoomGrantHandler | undefined,
  ) {
    this.sendDefault = defaultGrantSender(deps.acks);
  }

  readonly sink: GrantSink = Object.assign(
    async (delivery: GrantDelivery) => {
      const client = this.client();
      if (!client) throw new PlayerAwayError(`player ${delivery.userId} is not in room ${this.deps.room.roomId} right now (left, or inside the reconnection window)`);
      await (this.handler() ?? this.sendDefault)(client, delivery);
    },
    { handOver: () => this.handOver() },
  );

  /**
   * The default message with acknowledgements on is sent at once and kept until acknowledged, so the ledger
   * can hand the grant over in one step instead of claiming it (see `HandOver`). Not for a room's own
   * handler, nor while the player is away (the claim path then waits for them).
   */
  private handOver(): HandOver | undefined {
    const { acks, userId } = this.deps;
    if (!acks.enabled || this.handler() !== undefined || !this.client()) return undefined;
    return {
      keepKey: acks.keyOf(userId),
      keepMs: acks.keepMs,
      send: (delivery) => {
        const client = this.client();
        if (!client) return false;
        void sendGrantMessage(client, delivery);
        return true;
      },
    };
  }

  /** Attaches the sink (which delivers what waits in the inbox) and sends again what was not acknowledged. */
  attach(): () => void {
    const detach = this.deps.deliveries.attach(this.deps.userId, this.sink, { roomId: this.deps.room.roomId });
    void this.resendUnacknowledged();
    return detach;
  }

  /** The player is back (a reconnection): deliver what waited while they were away, and what they never acknowledged. */
  resume(): void {
    this.deps.deliveries.flush(this.deps.userId).catch(() => 0);
    void this.resendUnacknowledged();
  }

  private client(): Client | undefined {
    const client = this.deps.room.clients.getById(this.deps.sessionId);
    if (!client || client.state === ClientState.LEAVING || client.state === ClientState.CLOSED) return undefined;
    return client;
  }

  private async resendUnacknowledged(): Promise<void> {
    const { acks, userId, logger, room } = this.deps;
    if (!acks.enabled || this.handler() !== undefined) return;
    try {
      const waiting = await acks.waiting(userId);
      const client = this.client();
      if (!client) return;
      for (const d of waiting) client.send('grant', grantMessage(d));
      logger.debug('grants not acknowledged yet were sent again', { userId, room: room.roomId, count: waiting.length });
    } catch (err) {
      logger.warn('could not read the grants a player has not acknowledged; they are sent at the next join', { userId, error: errorText(err) });
    }
  }
}

/** This process's sessions with grant delivery, so a reconnection (seen by the lifecycle) can resume them. */
export class GrantSessions {
  private readonly byKey = new Map<string, SessionGrants>();

  set(roomId: string, sessionId: string, grants: SessionGrants): () => void {
    const key = `${roomId}\n${sessionId}`;
    this.byKey.set(key, grants);
    return () => {
      if (this.byKey.get(key) === grants) this.byKey.delete(key);
    };
  }

  get(roomId: string, sessionId: string): SessionGrants | undefined {
    return this.byKey.get(`${roomId}\n${sessionId}`);
  }
}
