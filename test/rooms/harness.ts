/**
 * Boots a real Colyseus server with the bridge registered and the rooms part installed, on a free
 * loopback port. Until register.ts installs the rooms part itself, this installs it into a context built
 * from the registered bridge (same store, logger, clock) and closes it from the server's onShutdown,
 * which the bridge runs before closing its store; once register.ts does, the harness uses that instead.
 */
import { defineServer, type Room, type Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { ColyseusTestServer } from '@colyseus/testing';
import { optionsSchema, registerPlatformBridge, type PlatformBridge, type PlatformBridgeOptions } from '../../src/index.js';
import type { BridgeContext } from '../../src/context.js';
import { PeerStamp } from '../../src/http/peer.js';
import { installRooms, roomsOptionsSchema, setCurrentBridgeServices, type RoomServices, type RoomsOptionsInput } from '../../src/rooms/index.js';
import { freePort } from '../helpers/ports.js';
import { CapturingLogger } from '../helpers/logs.js';
import { listenColyseus, stopColyseus } from '../helpers/colyseusLifecycle.js';

type RoomClass = new (...args: any[]) => Room;

export interface RoomsAppOptions {
  redis?: string;
  zoneId?: number;
  /** Defined before the bridge is registered. */
  rooms?: Record<string, RoomClass>;
  /** Defined after the bridge is registered (and before listen). */
  later?: Record<string, RoomClass>;
  roomsOptions?: RoomsOptionsInput;
  bridge?: Omit<PlatformBridgeOptions, 'redis' | 'zoneId' | 'logger'>;
  logger?: CapturingLogger;
}

export interface RoomsApp {
  server: Server;
  bridge: PlatformBridge;
  rooms: RoomServices;
  colyseus: ColyseusTestServer;
  logger: CapturingLogger;
  port: number;
  url: string;
  shutdown(): Promise<void>;
}

const registerInstallsRooms = 'rooms' in optionsSchema.shape;

export async function bootRooms(opts: RoomsAppOptions = {}): Promise<RoomsApp> {
  const port = await freePort();
  const logger = opts.logger ?? new CapturingLogger();
  const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
  for (const [name, klass] of Object.entries(opts.rooms ?? {})) server.define(name, klass);

  const core = { ...opts.bridge, redis: opts.redis, zoneId: opts.zoneId, logger } as PlatformBridgeOptions;
  let bridge: PlatformBridge;
  let rooms: RoomServices;
  if (registerInstallsRooms) {
    bridge = registerPlatformBridge(server, { ...core, rooms: opts.roomsOptions } as PlatformBridgeOptions);
    rooms = (bridge as unknown as { rooms: RoomServices }).rooms;
  } else {
    bridge = registerPlatformBridge(server, core);
    const closers: Array<() => void | Promise<void>> = [];
    const ctx: BridgeContext = {
      options: bridge.options,
      store: bridge.store,
      logger: bridge.logger,
      server,
      peer: new PeerStamp({ trustProxyHops: 0 }),
      clock: bridge.options.clock ?? { now: Date.now },
      addEndpoint: () => undefined,
      setPlatformStatus: () => undefined,
      onStopIntake: () => undefined,
      onClose: (fn) => void closers.push(fn),
      stopping: false,
    };
    rooms = installRooms(ctx, roomsOptionsSchema.parse(opts.roomsOptions ?? {}), { deliveries: bridge.deliveries });
    setCurrentBridgeServices(rooms);
    // runs before the bridge closes its store (see shutdown.ts)
    server.onShutdown(async () => {
      for (const fn of closers.reverse()) await fn();
    });
  }
  for (const [name, klass] of Object.entries(opts.later ?? {})) server.define(name, klass);

  await listenColyseus(server, port);
  const colyseus = new ColyseusTestServer(server);
  let down: Promise<void> | undefined;
  return {
    server,
    bridge,
    rooms,
    colyseus,
    logger,
    port,
    url: `ws://127.0.0.1:${port}`,
    shutdown: () => (down ??= stopColyseus(server)),
  };
}

/** A clock the test moves by hand. */
export class ManualClock {
  constructor(public t: number) {}
  now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}
