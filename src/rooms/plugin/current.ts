/**
 * The process slot through which a room's {@link PlatformPlugin} finds the bridge without being handed
 * it: room classes are declared in modules that cannot see the register call. A `Symbol.for` key on
 * globalThis is shared by the ESM and CJS builds of this package and survives a dev-mode reload.
 */
import type { BridgeServices } from '../services.js';

const SLOT = Symbol.for('colyseus-platform-bridge.current');

type Slotted = { [SLOT]?: BridgeServices };

/** Makes `services` the bridge that plugins without an explicit bridge report to (undefined clears it). */
export function setCurrentBridgeServices(services: BridgeServices | undefined): void {
  (globalThis as Slotted)[SLOT] = services;
}

export function currentBridgeServices(): BridgeServices | undefined {
  return (globalThis as Slotted)[SLOT];
}
