/**
 * Boots a real Colyseus 0.18 server with the bridge registered, on a free loopback port, the way a game
 * would (defineServer + WebSocketTransport), and tears it down again. Shutdown handlers that would
 * call process.exit are turned off: one test process boots several servers in turn.
 */
import { defineServer, type Room, type Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { ColyseusTestServer } from '@colyseus/testing';
import { registerPlatformBridge, type PlatformBridge, type PlatformBridgeOptions } from '../../src/index.js';
import { freePort } from './ports.js';
import { CapturingLogger } from './logs.js';
import { listenColyseus, stopColyseus } from './colyseusLifecycle.js';

export interface BootedBridge {
  server: Server;
  bridge: PlatformBridge;
  colyseus: ColyseusTestServer;
  logger: CapturingLogger;
  port: number;
  baseUrl: string;
  shutdown(): Promise<void>;
}

export interface BootOptions {
  rooms?: Record<string, new (...args: any[]) => Room>;
  bridge?: PlatformBridgeOptions;
  /** Register after listen() instead of before. */
  registerAfterListen?: boolean;
}

export async function bootBridge(opts: BootOptions = {}): Promise<BootedBridge> {
  const port = await freePort();
  const logger = new CapturingLogger();

  const server = defineServer({
    transport: new WebSocketTransport(),
    greet: false,
    gracefullyShutdown: false,
    rooms: {},
  } as Parameters<typeof defineServer>[0]);
  for (const [name, klass] of Object.entries(opts.rooms ?? {})) server.define(name, klass);
  let bridge: PlatformBridge | undefined;
  const register = () => registerPlatformBridge(server, { logger, ...opts.bridge });
  if (!opts.registerAfterListen) bridge = register();
  await listenColyseus(server, port);
  if (opts.registerAfterListen) bridge = register();
  const colyseus = new ColyseusTestServer(server);
  let down = false;
  return {
    server,
    bridge: bridge!,
    colyseus,
    logger,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    async shutdown() {
      if (down) return;
      down = true;
      await stopColyseus(server);
    },
  };
}
