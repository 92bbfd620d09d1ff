/**
 * A grant sink bound to one session in one room. It looks the client up at delivery time (a reconnected
 * player has a new Client with the same session id) and refuses when the player has left, so the ledger
 * keeps the grant in the inbox for their next join instead of counting it delivered.
 */
import { ClientState, type Client, type Room } from '@colyseus/core';
import type { GrantDelivery, GrantSink } from '../ledger/types.js';

export type RoomGrantHandler = (client: Client, delivery: GrantDelivery) => void | Promise<void>;

/** The `grant` message a client receives when the room has no handler of its own. */
export interface GrantMessage {
  orderId: string;
  amount: number;
  items?: unknown;
  currency?: string;
  productId?: string;
  source: string;
  grantedAt: number;
}

export function grantMessage(d: GrantDelivery): GrantMessage {
  const msg: GrantMessage = { orderId: d.orderId, amount: d.amount, source: d.source, grantedAt: d.grantedAt };
  if (d.items !== undefined) msg.items = d.items;
  if (d.currency !== undefined) msg.currency = d.currency;
  if (d.productId !== undefined) msg.productId = d.productId;
  return msg;
}

export const sendGrantMessage: RoomGrantHandler = (client, delivery) => {
  client.send('grant', grantMessage(delivery));
};

export function sessionGrantSink(room: Room, sessionId: string, deliver: () => RoomGrantHandler): GrantSink {
  return async (delivery) => {
    const client = room.clients.getById(sessionId);
    if (!client || client.state === ClientState.LEAVING || client.state === ClientState.CLOSED) {
      throw new Error(`player ${delivery.userId} is no longer in room ${room.roomId}`);
    }
    await deliver()(client, delivery);
  };
}
