import type { Server } from '@colyseus/core';
import type { Logger } from './logger.js';

type Callback = () => void | Promise<unknown>;
type ShutdownSlots = { onShutdownCallback?: Callback; onBeforeShutdownCallback?: Callback };

/**
 * Colyseus keeps one `onShutdown` and one `onBeforeShutdown` callback per server, and a second call
 * replaces the first. The bridge installs wrappers that run the host's callback and its own, and replaces
 * the instance's setters so a host that sets its callback after registering still does not drop ours.
 *
 * Order: before shutdown, the bridge stops intake first (no new callbacks while rooms are being locked),
 * then the host's callback; at shutdown, the host's callback first (it may still report through the
 * bridge), then the bridge closes. A failure in one never skips the other.
 */
export function chainShutdown(server: Server, logger: Logger, bridge: { stopIntake: () => Promise<void>; close: () => Promise<void> }): void {
  const slots = server as unknown as ShutdownSlots & { onShutdown(cb: Callback): void; onBeforeShutdown(cb: Callback): void };
  let hostBefore: Callback | undefined = slots.onBeforeShutdownCallback;
  let hostAfter: Callback | undefined = slots.onShutdownCallback;

  const run = async (what: string, fn: Callback | undefined) => {
    if (!fn) return;
    try {
      await fn();
    } catch (err) {
      logger.error(`${what} failed during shutdown`, { error: err });
    }
  };

  slots.onBeforeShutdownCallback = async () => {
    await run('platform bridge stop', bridge.stopIntake);
    await run("the server's onBeforeShutdown callback", hostBefore);
  };
  slots.onShutdownCallback = async () => {
    await run("the server's onShutdown callback", hostAfter);
    await run('platform bridge close', bridge.close);
  };
  slots.onBeforeShutdown = (cb: Callback) => {
    hostBefore = cb;
  };
  slots.onShutdown = (cb: Callback) => {
    hostAfter = cb;
  };
}
