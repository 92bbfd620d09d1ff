import { Room, definePlugins, type Client } from '@colyseus/core';
import { schema, t, type SchemaType } from '@colyseus/schema';
import { PlatformPlugin } from '../src/index.js';

export const Player = schema({ userId: t.string(), score: t.number(), gems: t.number() }, 'Player');
export type Player = SchemaType<typeof Player>;
export const BattleState = schema({ players: t.map(Player) }, 'BattleState');
export type BattleState = SchemaType<typeof BattleState>;

/** What the room needs from the game around it; the defaults keep the room usable on its own (tests). */
export interface BattleDeps {
  /** The player's score so far across joins: ranks report it, so a rejoin never lowers the rank. */
  addPoints(userId: string, points: number): number;
  totalPoints(userId: string): number;
  /** A client says it paid an order (GameCenter order id): start checking it. Resolves what to tell the client. */
  orderPaid?(userId: string, orderId: string): Promise<{ ok: boolean; status?: string; error?: string }>;
}

function memoryPoints(): BattleDeps {
  const totals = new Map<string, number>();
  return {
    addPoints: (u, p) => {
      const v = (totals.get(u) ?? 0) + p;
      totals.set(u, v);
      return v;
    },
    totalPoints: (u) => totals.get(u) ?? 0,
  };
}

/**
 * A small match room. Players join with a `userId` option (or, with GameCenter on, as the user their token
 * was confirmed for), score points with a `score` message, and `end` closes the match: scores become ranks
 * and a settlement. A player's first join creates their role. The score rank is the player's cumulative
 * points across all their joins (it never goes down on a rejoin). A `paid` message `{ orderId }` reports a
 * GameCenter payment; grants reach the player as a `grant` message (the plugin's default) and add to gems.
 */
export class BattleRoom extends Room<{ state: BattleState }> {
  /** Set by the server that defines the room (example-server/app.ts). */
  static deps: BattleDeps = memoryPoints();
  override maxClients = 16;
  override state = new BattleState();
  override plugins = definePlugins([new PlatformPlugin()]);
  private ended = false;
  /** This match's points per session: what the settlement reports (the rank reports the cumulative total). */
  private readonly matchPoints = new Map<string, number>();

  protected get deps(): BattleDeps {
    return (this.constructor as typeof BattleRoom).deps;
  }

  override messages = {
    score: (client: Client, points: unknown) => {
      const p = this.state.players.get(client.sessionId);
      if (!p || typeof points !== 'number' || !Number.isFinite(points) || points <= 0) return;
      this.matchPoints.set(client.sessionId, (this.matchPoints.get(client.sessionId) ?? 0) + points);
      p.score = this.deps.addPoints(p.userId, points);
      this.plugins.platform.reportRank(p.userId, 'score', p.score);
    },
    paid: async (client: Client, msg: unknown) => {
      const p = this.state.players.get(client.sessionId);
      const orderId = (msg as { orderId?: unknown } | null)?.orderId;
      if (!p) return;
      if (typeof orderId !== 'string' || orderId === '') return void client.send('paid', { ok: false, error: 'expected { orderId }' });
      if (!this.deps.orderPaid) return void client.send('paid', { ok: false, orderId, error: 'GameCenter is off (GAMECENTER_URL unset)' });
      client.send('paid', { orderId, ...(await this.deps.orderPaid(p.userId, orderId)) });
    },
    end: () => this.endMatch(),
  };

  override onCreate() {
    this.plugins.platform.onGrant((client, grant) => {
      const p = this.state.players.get(client.sessionId);
      const gems = (grant.items as Array<{ id: string; n: number }> | undefined)?.find((i) => i.id === 'gem')?.n ?? 0;
      if (p) p.gems += gems;
      client.send('grant', { orderId: grant.orderId, source: grant.source, amount: grant.amount, currency: grant.currency, items: grant.items });
    });
  }

  override onJoin(client: Client, options: { userId?: string }) {
    const confirmed = (client.auth as { userId?: unknown } | undefined)?.userId;
    const userId = typeof confirmed === 'string' ? confirmed : typeof options?.userId === 'string' && options.userId ? options.userId : client.sessionId;
    this.state.players.set(client.sessionId, new Player({ userId, score: this.deps.totalPoints(userId), gems: 0 }));
    // the role registry keeps one entry per role id, so repeating this on every join is harmless
    this.plugins.platform.roleCreated({ userId, roleId: userId, name: `hero-${userId}`, class: 1, level: 1 });
  }

  override onLeave(client: Client) {
    this.state.players.delete(client.sessionId);
  }

  private endMatch() {
    if (this.ended) return;
    this.ended = true;
    const results = [...this.state.players.entries()].map(([sessionId, p]) => ({ userId: p.userId, score: this.matchPoints.get(sessionId) ?? 0 }));
    this.plugins.platform.settle({ matchId: this.roomId, results });
    this.broadcast('ended', { matchId: this.roomId, results });
  }
}
