import { Room, type Client } from '@colyseus/core';
import { schema, t, type SchemaType } from '@colyseus/schema';

export const Player = schema({ userId: t.string(), score: t.number() }, 'Player');
export type Player = SchemaType<typeof Player>;
export const BattleState = schema({ players: t.map(Player) }, 'BattleState');
export type BattleState = SchemaType<typeof BattleState>;

/** A small match room: players join with a `userId` option and score points with a `score` message. */
export class BattleRoom extends Room<{ state: BattleState }> {
  override maxClients = 16;
  override state = new BattleState();

  override messages = {
    score: (client: Client, points: unknown) => {
      const p = this.state.players.get(client.sessionId);
      if (p && typeof points === 'number' && Number.isFinite(points)) p.score += points;
    },
  };

  override onJoin(client: Client, options: { userId?: string }) {
    const userId = typeof options?.userId === 'string' && options.userId ? options.userId : client.sessionId;
    this.state.players.set(client.sessionId, new Player({ userId, score: 0 }));
  }

  override onLeave(client: Client) {
    this.state.players.delete(client.sessionId);
  }
}
