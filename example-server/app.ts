/**
 * Builds the example game server: one `battle` room and the platform bridge, configured from the
 * environment. Kept apart from index.ts so tests can build it without starting a process.
 */
import { defineRoom, defineServer, type Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge, type PlatformBridge, type PlatformBridgeOptions } from '../src/index.js';
import { BattleRoom } from './BattleRoom.js';
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
    grant: async (order, { idempotencyKey }) => wallet.credit(order.userId, order.amount, idempotencyKey),
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
    ...(env.gameCenterUrl
      ? { gamecenter: { baseUrl: env.gameCenterUrl, appId: env.gameCenterAppId, secret: env.gameCenterSecret } }
      : {}),
  };
}

export function buildExampleServer(env: ExampleEnv, opts: { gracefullyShutdown?: boolean } = {}): ExampleApp {
  const server = defineServer({
    transport: new WebSocketTransport(),
    greet: false,
    gracefullyShutdown: opts.gracefullyShutdown ?? true,
    rooms: { battle: defineRoom(BattleRoom) },
  });
  const wallet = new TrialWallet();
  const bridge = registerPlatformBridge(server, exampleBridgeOptions(env, wallet));
  return { server, bridge, wallet };
}
