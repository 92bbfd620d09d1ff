/**
 * Builds the example game server: one `battle` room and the platform bridge, configured from the
 * environment. Kept apart from index.ts so tests can build it without starting a process.
 */
import { defineRoom, defineServer, type Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge, type PlatformBridge } from '../src/index.js';
import { BattleRoom } from './BattleRoom.js';
import type { ExampleEnv } from './env.js';

export interface ExampleApp {
  server: Server;
  bridge: PlatformBridge;
}

export function buildExampleServer(env: ExampleEnv, opts: { gracefullyShutdown?: boolean } = {}): ExampleApp {
  const server = defineServer({
    transport: new WebSocketTransport(),
    greet: false,
    gracefullyShutdown: opts.gracefullyShutdown ?? true,
    rooms: { battle: defineRoom(BattleRoom) },
  });
  const bridge = registerPlatformBridge(server, {
    redis: env.redisUrl,
    zoneId: env.zoneId,
  });
  return { server, bridge };
}
