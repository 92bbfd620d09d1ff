/**
 * Boots a real Colyseus 0.18 server (defineServer + WebSocketTransport on a loopback port) with a bridge
 * context assembled from the same parts `registerPlatformBridge` uses (options, store, peer stamp, ledger,
 * router mount), and lets a test install one platform into it. `bootBridge` cannot be used until
 * register.ts installs SUD and VNGates from its options; this is the same wiring, one platform at a time.
 */
import { defineServer, type Endpoint, type Room, type Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import type { Server as HttpServer } from 'node:http';
import { parseOptions, type PlatformBridgeOptions } from '../../src/config.js';
import type { BridgeContext, PlatformStatus } from '../../src/context.js';
import { PeerStamp } from '../../src/http/peer.js';
import { mountEndpoints } from '../../src/colyseus/adapter.js';
import { createLedger } from '../../src/ledger/createLedger.js';
import type { StoreLedger } from '../../src/ledger/StoreLedger.js';
import { createStore } from '../../src/store/createStore.js';
import type { Store } from '../../src/store/Store.js';
import { consoleLogger } from '../../src/logger.js';
import { CapturingLogger } from '../helpers/logs.js';
import { freePort } from '../helpers/ports.js';
import { listenColyseus, stopColyseus } from '../helpers/colyseusLifecycle.js';

export interface Harness<T> {
  server: Server;
  ctx: BridgeContext;
  store: Store;
  ledger: StoreLedger;
  logger: CapturingLogger;
  installed: T;
  platforms: Map<string, PlatformStatus>;
  baseUrl: string;
  close(): Promise<void>;
}

export async function bootHarness<T>(
  bridge: Omit<PlatformBridgeOptions, 'logger'>,
  install: (ctx: BridgeContext, services: { ledger: StoreLedger }) => T,
  opts: {
    rooms?: Record<string, new (...args: any[]) => Room>;
    /** Default: a free loopback port. */
    port?: number;
    /** Log errors to the console instead of keeping every line (benchmarks). */
    quiet?: boolean;
  } = {},
): Promise<Harness<T>> {
  const logger = new CapturingLogger();
  const options = parseOptions({ logger: opts.quiet ? consoleLogger('error') : logger, ...bridge });
  const store = createStore({ redis: options.redis, keyPrefix: options.keyPrefix, commandTimeoutMs: options.redisCommandTimeoutMs, durability: options.ledger.durability, logger: options.logger! });
  const peer = new PeerStamp({ trustProxyHops: options.http.trustProxyHops, trustedProxies: options.http.trustedProxies });
  const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} } as Parameters<typeof defineServer>[0]);
  for (const [name, klass] of Object.entries(opts.rooms ?? {})) server.define(name, klass);
  const endpoints: Record<string, Endpoint> = {};
  const platforms = new Map<string, PlatformStatus>();
  const stopFns: Array<() => void | Promise<void>> = [];
  const closeFns: Array<() => void | Promise<void>> = [];
  let stopping = false;
  const ctx: BridgeContext = {
    options,
    store,
    logger: options.logger!,
    server,
    peer,
    clock: options.clock ?? { now: Date.now },
    addEndpoint(name, endpoint) {
      if (endpoints[name]) throw new Error(`route ${name} is defined twice`);
      endpoints[name] = endpoint;
    },
    setPlatformStatus: (name, status) => void platforms.set(name, status),
    onStopIntake: (fn) => void stopFns.push(fn),
    onClose: (fn) => void closeFns.push(fn),
    get stopping() {
      return stopping;
    },
  };
  const { ledger } = createLedger(ctx, options.ledger, options.grant);
  const installed = install(ctx, { ledger });
  mountEndpoints(server, endpoints);
  const port = opts.port ?? (await freePort());
  await listenColyseus(server, port);
  peer.install((server.transport as unknown as { server: HttpServer }).server);

  let closed: Promise<void> | undefined;
  return {
    server,
    ctx,
    store,
    ledger,
    logger,
    installed,
    platforms,
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      (closed ??= (async () => {
        stopping = true;
        for (const fn of stopFns) await fn();
        for (const fn of [...closeFns].reverse()) await fn();
        await store.close();
        await stopColyseus(server);
      })()),
  };
}
