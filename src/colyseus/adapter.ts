/**
 * The only module that touches Colyseus's internals: protected fields, instance methods it replaces, the
 * router it reassigns, the matchmaker singleton. Everything else in the bridge uses Colyseus's public API
 * (`RoomPlugin`, `createEndpoint`, `ServerError`, `room.clients`) or calls this file, so a Colyseus upgrade
 * reviews this file, and runs the tests, before widening {@link TESTED_COLYSEUS_CORE}.
 *
 * Each function says which internal it relies on and why the bridge cannot do without it: one shutdown
 * callback slot per server, `extend` returning a new router, no join options on the `join` event, no
 * reconnect event, no event for a new room definition. `registerPlatformBridge` warns once when the running
 * `@colyseus/core` is outside the tested range.
 */
import { createRequire } from 'node:module';
import type { Server as HttpServer } from 'node:http';
import { createRouter, matchMaker, type Client, type Endpoint, type RegisteredHandler, type Room, type Server } from '@colyseus/core';
import type { Logger } from '../logger.js';

/** The `@colyseus/core` versions this adapter is tested with (the devDependency, 0.18.17 when written). */
export const TESTED_COLYSEUS_CORE = '>=0.18.0 <0.19.0';
const LOWEST = [0, 18, 0] as const;
const BELOW = [0, 19, 0] as const;

/** The running `@colyseus/core` version (the copy this package resolves), or undefined if it cannot be read. */
export function colyseusCoreVersion(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url)('@colyseus/core/package.json') as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

/** Why `version` is outside {@link TESTED_COLYSEUS_CORE}, or undefined when it is inside. */
export function untestedColyseusVersion(version: string | undefined): string | undefined {
  const parts = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  if (!parts) return `could not read the @colyseus/core version (${version === undefined ? 'not found' : JSON.stringify(version)})`;
  const v = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  // a pre-release of the lowest version (0.18.0-beta) counts as below it
  const atLeast = compare(v, LOWEST) > 0 || (compare(v, LOWEST) === 0 && !version!.replace(/^v/, '').includes('-'));
  if (atLeast && compare(v, BELOW) < 0) return undefined;
  return `@colyseus/core ${version} is outside the versions this bridge is tested with (${TESTED_COLYSEUS_CORE})`;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * Logs one warning when the running Colyseus is outside the tested range: the bridge relies on internals
 * listed in this file, which a minor version may change. Returns whether it warned.
 */
export function warnIfUntestedColyseus(logger: Logger, version: string | undefined = colyseusCoreVersion()): boolean {
  const problem = untestedColyseusVersion(version);
  if (!problem) return false;
  logger.warn(`${problem}: room lifecycle, routes or shutdown chaining may not work; check the bridge's Colyseus adapter (src/colyseus/adapter.ts) against this version`, {
    colyseusCore: version,
    tested: TESTED_COLYSEUS_CORE,
  });
  return true;
}

// ---- the HTTP server and listen ---------------------------------------------------------------------------

/** The node HTTP server under the transport (ws-transport's `transport.server`); undefined under uWebSockets. */
export function httpServerOf(server: Server): HttpServer | undefined {
  return (server.transport as { server?: HttpServer } | undefined)?.server;
}

export function isListening(server: Server): boolean {
  return !!httpServerOf(server)?.listening;
}

/**
 * Runs `fn` once the server listens (now, if it already does). Colyseus binds its own request listener
 * inside `listen`, and has no event for it, so `listen` is wrapped on the instance.
 */
export function afterListen(server: Server, fn: () => void): void {
  if (isListening(server)) {
    fn();
    return;
  }
  const instance = server as unknown as { listen: (...args: unknown[]) => Promise<unknown> };
  const original = instance.listen;
  instance.listen = async function (this: unknown, ...args: unknown[]) {
    const result = await original.apply(server, args);
    fn();
    return result;
  };
}

/** Chains `fn` before the host's `beforeListen`; Colyseus reads `server.options.beforeListen` at listen time. */
export function chainBeforeListen(server: Server, fn: () => void): void {
  const options = server.options;
  if (!options) return;
  const previous = options.beforeListen;
  options.beforeListen = async () => {
    fn();
    if (previous) await previous();
    fn();
  };
}

// ---- routes -----------------------------------------------------------------------------------------------

/**
 * Puts endpoints on the server's router. Before listen, `server.router` is replaced by `extend` (or a new
 * router), which Colyseus picks up when it binds routes; after listen only mutating the live router works,
 * because `extend` returns a new router that nothing serves.
 */
export function mountEndpoints(server: Server, endpoints: Record<string, Endpoint>): void {
  const router = server.router as ReturnType<typeof createRouter> | undefined;
  if (isListening(server) && router) {
    for (const ep of Object.values(endpoints)) router.addEndpoint(ep);
    return;
  }
  (server as { router: unknown }).router = router ? router.extend(endpoints) : createRouter(endpoints);
}

// ---- shutdown ---------------------------------------------------------------------------------------------

export type ShutdownCallback = () => void | Promise<unknown>;

/**
 * Colyseus keeps one `onBeforeShutdown` and one `onShutdown` callback per server (the protected
 * `onBeforeShutdownCallback` / `onShutdownCallback`), and a second call replaces the first. This puts
 * `ours` in both slots, each handed the host's callback at the time it runs: the one set before, or one set
 * later, because the instance's setters are replaced to keep it instead of dropping ours.
 */
export function takeShutdownSlots(server: Server, ours: { before: (host: ShutdownCallback | undefined) => Promise<void>; after: (host: ShutdownCallback | undefined) => Promise<void> }): void {
  type Slots = { onShutdownCallback?: ShutdownCallback; onBeforeShutdownCallback?: ShutdownCallback };
  const slots = server as unknown as Slots & { onShutdown(cb: ShutdownCallback): void; onBeforeShutdown(cb: ShutdownCallback): void };
  let hostBefore = slots.onBeforeShutdownCallback;
  let hostAfter = slots.onShutdownCallback;
  slots.onBeforeShutdownCallback = () => ours.before(hostBefore);
  slots.onShutdownCallback = () => ours.after(hostAfter);
  slots.onBeforeShutdown = (cb) => {
    hostBefore = cb;
  };
  slots.onShutdown = (cb) => {
    hostAfter = cb;
  };
}

// ---- room definitions -------------------------------------------------------------------------------------

/** Every room definition the matchmaker knows now (Colyseus has no event for a new one). */
export function roomDefinitions(): RegisteredHandler[] {
  return Object.values(matchMaker.getAllHandlers());
}

/**
 * Calls `fn` with each definition added through `server.define` from now on (wrapped on the instance).
 * Returns the remover, which restores `define` unless someone wrapped it since.
 */
export function onDefine(server: Server, fn: (handler: RegisteredHandler) => void): () => void {
  const target = server as unknown as { define: (...args: unknown[]) => RegisteredHandler };
  const hadOwn = Object.hasOwn(target, 'define');
  const original = target.define;
  const wrapped = (...args: unknown[]) => {
    const handler = original.apply(server, args);
    fn(handler);
    return handler;
  };
  target.define = wrapped;
  return () => {
    if (target.define !== wrapped) return;
    if (hadOwn) target.define = original;
    else delete (target as { define?: unknown }).define;
  };
}

// ---- room instances ---------------------------------------------------------------------------------------

/**
 * Calls `fn` with each client's join options before the room's own `onJoin`: the `join` event of a
 * definition does not carry them, so the instance's `onJoin` is wrapped (for rooms without the plugin).
 */
export function beforeRoomJoin(room: Room, fn: (client: Client, options: unknown) => void): void {
  type JoinFn = (client: Client, options?: unknown, auth?: unknown) => unknown;
  const target = room as unknown as { onJoin?: JoinFn };
  const original = target.onJoin;
  target.onJoin = function (this: Room, client, options, auth) {
    fn(client, options);
    return original?.call(this, client, options, auth);
  };
}

/**
 * Calls `fn` once the room's own `onReconnect` has accepted a client back: Colyseus emits no event when a
 * player returns inside the reconnection window, so the instance's `onReconnect` is wrapped.
 */
export function afterRoomReconnect(room: Room, fn: (client: Client) => void): void {
  const target = room as unknown as { onReconnect?: (client: Client) => unknown };
  const original = target.onReconnect;
  target.onReconnect = async function (this: Room, client: Client) {
    if (original) await original.call(this, client);
    fn(client);
  };
}

/** Puts a method on a room instance (not enumerable, not part of the room's own API) for {@link callRoomMethod}. */
export function defineRoomMethod(room: Room, name: string, fn: (...args: never[]) => unknown): void {
  Object.defineProperty(room, name, { value: fn, configurable: true });
}

/**
 * Whether a room hosted by this process has the method: undefined when the room is not hosted here.
 * The live instance comes from the matchmaker's local registry.
 */
export function localRoomHasMethod(roomId: string, name: string): boolean | undefined {
  const local = matchMaker.getLocalRoomById(roomId) as unknown as Record<string, unknown> | undefined;
  return local ? typeof local[name] === 'function' : undefined;
}

/** Whether any process lists the room (the driver's cross-process cache). */
export async function roomListed(roomId: string): Promise<boolean> {
  return !!(await matchMaker.getRoomById(roomId));
}

/** Calls a room's method where the room lives: locally, or over presence IPC on its process. */
export function callRoomMethod(roomId: string, name: string, args: unknown[], timeoutMs: number): Promise<unknown> {
  return matchMaker.remoteRoomCall(roomId, name as keyof Room, args, timeoutMs);
}
