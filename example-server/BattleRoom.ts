import { Room, definePlugins, type Client } from '@colyseus/core';
import { schema, t, type SchemaType } from '@colyseus/schema';
import { PlatformPlugin } from '../src/index.js';

export const Player = schema({ userId: t.string(), score: t.number(), gems: t.number() }, 'Player');
export type Player = SchemaType<typeof Player>;
export const BattleState = schema({ players: t.map(Player) }, 'BattleState');
export type BattleState = SchemaType<typeof BattleState>;

/**
 * A small match room. Players join with a `userId` option, score points with a `score` message, and
 * `end` closes the match: scores become ranks and a settlement. A player's first join creates their role.
 * Grants reach the player as a `grant` message (the plugin's default) and add to their gems.
 */
export class BattleRoom extends Room<{ state: BattleState }> {
  override maxClients = 16;
  override state = new BattleState();
  override plugins = definePlugins([new PlatformPlugin()]);
  private ended = false;

  override messages = {
    score: (client: Client, points: unknown) => {
      const p = this.state.players.get(client.sessionId);
      if (!p || typeof points !== 'number' || !Number.isFinite(points)) return;
      p.score += points;
      this.plugins.platform.reportRank(p.userId, 'score', p.score);
    },
    end: () => this.endMatch(),
  };

  override onCreate() {
    this.plugins.platform.onGrant((client, grant) => {
      const p = this.state.players.get(client.sessionId);
      if (p) p.gems += grant.amount;
      client.send('grant', { orderId: grant.orderId, amount: grant.amount, items: grant.items });
    });
  }

  override onJoin(client: Client, options: { userId?: string }) {
    const userId = typeof options?.userId === 'string' && options.userId ? options.userId : client.sessionId;
    this.state.players.set(client.sessionId, new Player({ userId, score: 0, gems: 0 }));
    // the role registry keeps one entry per role id, so repeating this on every join is harmless
    this.plugins.platform.roleCreated({ userId, roleId: userId, name: `hero-${userId}`, class: 1, level: 1 });
  }

  override onLeave(client: Client) {
    this.state.players.delete(client.sessionId);
  }

  private endMatch() {
    if (this.ended) return;
    this.ended = true;
    const results = [...this.state.players.values()].map((p) => ({ userId: p.userId, score: p.score }));
    this.plugins.platform.settle({ matchId: this.roomId, results });
    this.broadcast('ended', { matchId: this.roomId, results });
  }
}
