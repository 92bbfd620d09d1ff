import type { Room as SdkRoom } from '@colyseus/sdk';
import type { MachineSampler } from '../../src/rooms/index.js';
import { within } from '../helpers/processes.js';

/** Resolves with the next message of a type (SDK side), failing with a reason after the deadline. */
export function nextMessage<T = any>(room: SdkRoom, type: string, ms = 10_000): Promise<T> {
  return within(
    ms,
    `message "${type}"`,
    new Promise<T>((resolve) => {
      const off = room.onMessage(type, (payload: T) => {
        off();
        resolve(payload);
      });
    }),
  );
}

/** Collects every message of a type (SDK side). */
export function collect<T = any>(room: SdkRoom, type: string): T[] {
  const out: T[] = [];
  room.onMessage(type, (m: T) => void out.push(m));
  return out;
}

/** Fixed CPU and memory figures, so serverstate values can be compared byte for byte. */
export const fixedMachine: MachineSampler = {
  sample: () => ({ host: 'test-host', cpuPercent: 3.5, hostCpuPercent: 20, cores: 2, rssMb: 120.4, hostMemMb: 2048 }),
};

/** 2018-10-19 14:26:29 in Asia/Shanghai: the spec example's UpdateTime. */
export const SPEC_UPDATE_TIME_MS = Date.UTC(2018, 9, 19, 6, 26, 29);
