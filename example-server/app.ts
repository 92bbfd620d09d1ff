/**
 * Builds the example game server: one `battle` room and the platform bridge, configured from the
 * environment. Kept apart from index.ts so tests can build it without starting a process.
 */
import { defineRoom, defineServer, type Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge, type PlatformBridge, type PlatformBridgeOptions } from '../src/index.js';
import { BattleRoom, type BattleDeps } from './BattleRoom.js';
import { gemsFor } from './pricing.js';
import type { ExampleEnv } from './env.js';
import { TrialWallet } from './wallet.js';
import { TRIAL_VNGATES_SIGN_FIELDS } from '../src/testing/trialDefaults.js';

export interface ExampleApp {
  server: Server;
  bridge: PlatformBridge;
  wallet: TrialWallet;
}

export function exampleBridgeOptions(env: ExampleEnv, wallet: TrialWallet): PlatformBridgeOptions {
  return {
    redis: env.redisUrl,
    zoneId: env.zoneId,
    // on this machine only (the trial), the health route's detail tells the simulator what runs here
    http: { healthDetail: env.loopback },
    // credited by the order's unit (GameCenter cents, recharge currencyType, VNGates float): see pricing.ts
    grant: async (order, { idempotencyKey }) => wallet.credit(order.userId, gemsFor(order), idempotencyKey),
    onRevoked: async (order, { idempotencyKey }) => wallet.debit(order.userId, gemsFor(order), idempotencyKey),
    recharge: {
      key: env.rechargeKey,
      giftKey: env.giftKey,
      giftHandler: async (req) => (wallet.redeemGift(req.userId, req.codeNo) ? { ok: true } : { ok: false, desc: 'code already used' }),
      socket: { port: env.rechargeSocketPort, host: env.host },
    },
    sud: {
      appId: env.sudAppId,
      appSecret: env.sudAppSecret,
      onSettlement: async (settlement) => {
        for (const r of settlement.results) if (r.uid) wallet.recordScore(r.uid, settlement.matchId, r.score);
      },
    },
    vngates: {
      appId: env.vngatesAppId,
      secret: env.vngatesSecret,
      // VNGates has not published its /addgold sign formula: this is the trial guess documented in README.md;
      // confirm the real one with VNGates before going live
      signTemplate: { fields: [...TRIAL_VNGATES_SIGN_FIELDS] },
      // /rolelist's sign has no secret: it is served to VNGATES_IP_ALLOW, or to this machine in the trial
      ...(env.vngatesIpAllowList ? { ipAllowList: env.vngatesIpAllowList } : env.loopback ? { ipAllowList: ['127.0.0.0/8', '::1'] } : {}),
    },
    // the operators' side: the admin API and the browser panel at /platform/panel, both behind ADMIN_TOKEN
    ...(env.adminToken ? { admin: { enabled: true, token: env.adminToken }, panel: { enabled: true } } : {}),
    ...(env.gameCenterUrl
      ? {
          gamecenter: {
            baseUrl: env.gameCenterUrl,
            appId: env.gameCenterAppId,
            secret: env.gameCenterSecret,
            // short intervals for a trial: rank and activity traffic shows within seconds, not after a minute
            rankFlushIntervalMs: env.gameCenterRankFlushMs,
            zoneActiveFlushMs: env.gameCenterZoneActiveMs,
          },
        }
      : {}),
  };
}

export function buildExampleServer(env: ExampleEnv, opts: { gracefullyShutdown?: boolean } = {}): ExampleApp {
  const wallet = new TrialWallet();
  const deps: BattleDeps = {
    addPoints: (userId, points) => wallet.addPoints(userId, points),
    totalPoints: (userId) => wallet.points(userId),
  };
  let battle: typeof BattleRoom = class Battle extends BattleRoom {
    static override deps = deps;
  };
  if (env.gameCenterUrl) {
    deps.orderPaid = async (userId, orderId) => {
      try {
        const r = await bridge.gamecenter!.registerOrder({ orderId, userId, zone: env.zoneId });
        return { ok: true, status: r.status };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    };
    battle = class GameCenterBattle extends BattleRoom {
      static override deps = deps;
      /**
       * GameCenter's token check: the access token as the SDK's auth token (`client.auth.token`) or the join
       * option `token`, the GameCenter user id as the join option `userId`; `client.auth` becomes `{ userId }`.
       */
      static override async onAuth(token: string | undefined, options: { token?: unknown; userId?: unknown } | undefined, ctx: unknown) {
        const given = token || (typeof options?.token === 'string' ? options.token : '');
        return bridge.gamecenter!.onAuth(given, options, ctx);
      }
    };
  }
  const server = defineServer({
    transport: new WebSocketTransport(),
    greet: false,
    gracefullyShutdown: opts.gracefullyShutdown ?? true,
    rooms: { battle: defineRoom(battle) },
  });
  // the room hooks above read it only once players arrive, after this line has run
  const bridge = registerPlatformBridge(server, exampleBridgeOptions(env, wallet));
  return { server, bridge, wallet };
}
