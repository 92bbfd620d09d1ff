import type { GrantSink, HandOver } from './types.js';

/**
 * Every sink's hand-over, when all of a player's sinks on this process offer one into the same kept hash;
 * else undefined, and the grant is claimed instead (a sink of a room with its own handler must run it).
 */
export function handOvers(sinks: GrantSink[]): HandOver[] | undefined {
  const overs: HandOver[] = [];
  for (const sink of sinks) {
    const over = sink.handOver?.();
    if (!over || (overs.length && over.keepKey !== overs[0]!.keepKey)) return undefined;
    overs.push(over);
  }
  return overs.length ? overs : undefined;
}
