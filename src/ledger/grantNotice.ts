/**
 * The message every process gets when a grant is recorded (published by the recording script itself):
 * whose inbox has something, which order, and which delivery hub recorded it, so that hub, which delivers
 * to its own players directly, can skip its own notice. Older versions sent `{userId, key}` only; a hub
 * reading a notice without `key` reads the player's whole inbox.
 */
import type { GrantDelivery } from './types.js';

export interface GrantNotice {
  userId: string;
  key?: string;
  from?: string;
}

export function grantNotice(delivery: Pick<GrantDelivery, 'userId' | 'dedupeKey'>, from?: string): string {
  return JSON.stringify(from === undefined ? { userId: delivery.userId, key: delivery.dedupeKey } : { userId: delivery.userId, key: delivery.dedupeKey, from });
}

export function parseGrantNotice(message: string): GrantNotice | undefined {
  try {
    const v = JSON.parse(message) as Partial<GrantNotice> | null;
    if (!v || typeof v.userId !== 'string' || !v.userId) return undefined;
    return { userId: v.userId, key: typeof v.key === 'string' ? v.key : undefined, from: typeof v.from === 'string' ? v.from : undefined };
  } catch {
    return undefined;
  }
}
