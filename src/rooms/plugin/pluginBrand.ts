/**
 * Recognises rooms that use the {@link PlatformPlugin} without `instanceof`, which fails when the ESM
 * and CJS builds of this package are both loaded: a registered symbol marks plugin instances.
 */
import type { Room } from '@colyseus/core';

export const PLATFORM_PLUGIN_BRAND = Symbol.for('colyseus-platform-bridge.plugin');

export function hasPlatformPlugin(room: Room): boolean {
  const plugins = (room as unknown as { plugins?: Record<string, unknown> }).plugins;
  if (!plugins || typeof plugins !== 'object') return false;
  for (const p of Object.values(plugins)) {
    if (p !== null && typeof p === 'object' && (p as Record<symbol, unknown>)[PLATFORM_PLUGIN_BRAND] === true) return true;
  }
  return false;
}
