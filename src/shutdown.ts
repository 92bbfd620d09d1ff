import type { Server } from '@colyseus/core';
import { takeShutdownSlots, type ShutdownCallback } from './colyseus/adapter.js';
import type { Logger } from './logger.js';

/**
 * Chains the bridge into the server's shutdown without dropping the host's own callbacks, whether the host
 * set them before registering or after (the adapter keeps Colyseus's single callback slots for both).
 *
 * Order: before shutdown, the bridge stops intake first (no new callbacks while rooms are being locked),
 * then the host's callback; at shutdown, the host's callback first (it may still report through the
 * bridge), then the bridge closes. A failure in one never skips the other.
 */
export function chainShutdown(server: Server, logger: Logger, bridge: { stopIntake: () => Promise<void>; close: () => Promise<void> }): void {
  const run = async (what: string, fn: ShutdownCallback | undefined) => {
    if (!fn) return;
    try {
      await fn();
    } catch (err) {
      logger.error(`${what} failed during shutdown`, { error: err });
    }
  };
  takeShutdownSlots(server, {
    before: async (host) => {
      await run('platform bridge stop', bridge.stopIntake);
      await run("the server's onBeforeShutdown callback", host);
    },
    after: async (host) => {
      await run("the server's onShutdown callback", host);
      await run('platform bridge close', bridge.close);
    },
  });
}
