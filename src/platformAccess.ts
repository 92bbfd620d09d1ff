/**
 * Room code reaches the registered bridge's platforms at call time, not at class definition: a room class
 * must exist before `defineServer({ rooms })`, and the bridge only after, so `static onAuth =
 * bridge.gamecenter.onAuth` cannot be written (and `bridge.gamecenter` is undefined when not configured).
 * `platformOnAuth('gamecenter')` and `platformService('gamecenter')` look the bridge up when a player joins
 * or a message arrives, through a `Symbol.for` slot on globalThis (shared by the ESM and CJS builds).
 *
 * @example
 * class BattleRoom extends Room {
 *   static onAuth = platformOnAuth('gamecenter'); // client.auth becomes { userId }
 *   onCreate() {
 *     this.onMessage('paid', (client, m: { orderId: string }) =>
 *       platformService('gamecenter').registerOrder({ orderId: m.orderId, userId: client.auth.userId }));
 *   }
 * }
 */
import { ErrorCode, ServerError } from '@colyseus/core';
import type { GameCenterAuth, GameCenterServices } from './platforms/gamecenter/index.js';
import type { SudService } from './platforms/sud/index.js';
import type { OnAuthOptions, VngatesAuth, VngatesService } from './platforms/vngates/index.js';

export interface PlatformServices {
  gamecenter: GameCenterServices;
  vngates: VngatesService;
  sud: SudService;
}
export type PlatformName = keyof PlatformServices;

type Registered = { readonly [P in PlatformName]?: PlatformServices[P] };

const SLOT = Symbol.for('colyseus-platform-bridge.platforms');
type Slotted = { [SLOT]?: Registered };

const OPTION: Record<PlatformName, string> = { gamecenter: 'gamecenter', vngates: 'vngates', sud: 'sud' };

/** @internal Called by registerPlatformBridge (and with undefined at its close). */
export function setRegisteredPlatforms(platforms: Registered | undefined): void {
  (globalThis as Slotted)[SLOT] = platforms;
}

/** @internal */
export function registeredPlatforms(): Registered | undefined {
  return (globalThis as Slotted)[SLOT];
}

/** The registered bridge's service for a platform; throws, naming the option, when it is not configured. */
export function platformService<P extends PlatformName>(name: P): PlatformServices[P] {
  const platforms = registeredPlatforms();
  if (!platforms) throw new Error(`platformService('${name}'): no platform bridge is registered in this process (call registerPlatformBridge at startup)`);
  const service = platforms[name];
  if (!service) throw new Error(`platformService('${name}'): ${name} is not configured (set the \`${OPTION[name]}\` option of registerPlatformBridge)`);
  return service as PlatformServices[P];
}

export type PlatformOnAuth<A> = (token: string, options: unknown, context?: unknown) => Promise<A>;

/** A room's `static onAuth` checking a GameCenter access token (`client.auth` becomes `{ userId }`). */
export function platformOnAuth(name: 'gamecenter'): PlatformOnAuth<GameCenterAuth>;
/** A room's `static onAuth` checking a VNGates access token (`client.auth` becomes `{ userId, username }`). */
export function platformOnAuth(name: 'vngates', options?: OnAuthOptions): PlatformOnAuth<VngatesAuth>;
export function platformOnAuth(name: 'gamecenter' | 'vngates', options?: OnAuthOptions): PlatformOnAuth<GameCenterAuth | VngatesAuth> {
  // one VNGates verifier (and so one token cache) per registered bridge
  const vngatesVerifiers = new WeakMap<VngatesService, PlatformOnAuth<VngatesAuth>>();
  return async (token, joinOptions, context) => {
    let service: GameCenterServices | VngatesService;
    try {
      service = platformService(name);
    } catch (err) {
      // a server set-up problem, not the player's: refuse the join and say what to configure
      throw new ServerError(ErrorCode.APPLICATION_ERROR, (err as Error).message);
    }
    if (name === 'gamecenter') return (service as GameCenterServices).onAuth(token, joinOptions, context);
    const vngates = service as VngatesService;
    let verify = vngatesVerifiers.get(vngates);
    if (!verify) vngatesVerifiers.set(vngates, (verify = vngates.onAuth(options)));
    return verify(token, joinOptions, context);
  };
}
