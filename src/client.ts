/**
 * `colyseus-platform-bridge/client`: the few lines a game client needs to show grants, for `@colyseus/sdk`
 * rooms. It imports nothing (no server code reaches a browser bundle): it registers the `grant` handler
 * and acknowledges each grant once the handler has finished, so a grant the client never showed (a handler
 * registered too late, a crash, a lost connection) is sent again at the next join or reconnect.
 *
 * @example
 * import { onGrant } from 'colyseus-platform-bridge/client';
 * const room = await client.joinOrCreate('battle', { userId });
 * onGrant(room, (grant) => showReward(grant.items)); // right after the join, before any await
 */

/** What the bridge sends a player for each granted order (its default `grant` message). */
export interface Grant {
  /** The order's ledger key; unique per order, the same when a grant is sent again. */
  key: string;
  orderId: string;
  amount: number;
  items?: unknown;
  currency?: string;
  productId?: string;
  source: string;
  grantedAt: number;
}

/** The part of an `@colyseus/sdk` Room the helper uses. */
export interface GrantRoom {
  onMessage(type: 'grant', callback: (message: Grant) => void): unknown;
  send(type: string, message?: unknown): void;
}

/** The message type a grant is acknowledged with (the server's `rooms.grantAcks`). */
export const GRANT_ACK_MESSAGE = 'grant:ack';

/**
 * Calls `handler` once per grant (a grant sent again after this room already showed it is only acknowledged
 * again), then acknowledges it. A handler that throws or rejects leaves the grant unacknowledged, so it comes
 * back at the next join. Returns a function that stops handling.
 */
export function onGrant(room: GrantRoom, handler: (grant: Grant) => void | Promise<void>): () => void {
  const shown = new Set<string>();
  let active = true;
  room.onMessage('grant', (grant) => {
    if (!active || typeof grant?.key !== 'string') return;
    if (shown.has(grant.key)) {
      room.send(GRANT_ACK_MESSAGE, { key: grant.key });
      return;
    }
    shown.add(grant.key);
    Promise.resolve()
      .then(() => handler(grant))
      .then(
        () => room.send(GRANT_ACK_MESSAGE, { key: grant.key }),
        (err: unknown) => {
          shown.delete(grant.key);
          console.error('[platform-bridge] a grant handler failed; the grant comes back at the next join', err);
        },
      );
  });
  return () => {
    active = false;
  };
}
