/**
 * Counting what Redis is asked to do, from Redis's side only:
 * - `commandCalls`: INFO commandstats, every command executed, those a Lua script calls included;
 * - `TrafficRecorder`: MONITOR, each command with the connection that sent it (`lua` for a script's own
 *   calls), so requests the clients send can be told from the work scripts do.
 * `INFO` is left out of both: the bench's probe sends it to read the counters.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { patternOf } from './keyGroups.js';

export async function commandCalls(probe: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await probe.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') out.set(m[1]!, Number(m[2]));
  return out;
}

/** `after - before`, command by command, zeroes dropped. */
export function callsBetween(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) if (v !== (before.get(k) ?? 0)) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

export const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export interface Line {
  /** Wall-clock ms (Redis and the bench share the host's clock). */
  at: number;
  source: string;
  command: string;
  /** The script a line belongs to: the call itself and, for `lua` lines, the script that made them. */
  script?: { name: string; source: string };
}

const SCRIPT_CALLS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/**
 * A script by what Redis sees of it: its sha (or function name) and the shape of its first key, e.g.
 * `1a2b3c4d({ledger}:order:recharge:*)`, so the costly ones can be found in the code.
 */
function scriptName(command: string, args: string[], keyPrefix: string): string {
  const id = command.startsWith('fcall')
    ? (args[1] ?? '')
    : command.startsWith('evalsha')
      ? (args[1] ?? '').slice(0, 8)
      : createHash('sha1')
          .update(args[1] ?? '')
          .digest('hex')
          .slice(0, 8);
  const firstKey = Number(args[2]) > 0 ? args[3] : undefined;
  if (firstKey === undefined) return id;
  const bare = firstKey.startsWith(keyPrefix) ? firstKey.slice(keyPrefix.length) : firstKey;
  // a named key (`{ledger}:due`) by its name, a key of an id by its shape
  return `${id}(${/\d/.test(bare.slice(bare.lastIndexOf(':') + 1)) ? patternOf(bare, '') : bare})`;
}

/** MONITOR on a connection of its own, lines kept so windows can be cut from them afterwards. */
export class TrafficRecorder {
  private readonly lines: Line[] = [];
  private constructor(
    private readonly monitor: Redis,
    keyPrefix: string,
  ) {
    // Redis runs one command at a time and shows a script's call just before the calls it makes
    let script: Line['script'];
    monitor.on('monitor', (time: string, args: string[], source: string) => {
      const command = (args[0] ?? '').toLowerCase();
      if (source !== 'lua') script = SCRIPT_CALLS.has(command) ? { name: scriptName(command, args, keyPrefix), source } : undefined;
      this.lines.push({ at: Number(time) * 1000, source, command, ...(script ? { script } : {}) });
    });
  }

  /** `probe.duplicate()` in MONITOR mode: named like the probe, so its own lines can be left out. `keyPrefix` is left out of script names. */
  static async start(probe: Redis, keyPrefix: string): Promise<TrafficRecorder> {
    return new TrafficRecorder(await probe.monitor(), keyPrefix);
  }

  /** Lines of the wall-clock window [from, to), sources other than `exclude`. */
  window(from: number, to: number, exclude: ReadonlySet<string>): Line[] {
    return this.lines.filter((l) => l.at >= from && l.at < to && !exclude.has(l.source) && l.command !== 'info');
  }

  /** Resolves once a line stamped at or after `at` arrived (lines trail the commands), or after `maxMs`. */
  async caughtUp(at: number, maxMs = 2000): Promise<void> {
    const until = Date.now() + maxMs;
    while (Date.now() < until && (this.lines.at(-1)?.at ?? 0) < at) await new Promise((r) => setTimeout(r, 20));
  }

  stop(): void {
    this.monitor.disconnect();
  }
}

/** Connection address → client name (CLIENT LIST), for telling processes apart. */
export async function clientNames(probe: Redis): Promise<Map<string, string>> {
  const list = (await probe.call('CLIENT', 'LIST')) as string;
  const out = new Map<string, string>();
  for (const line of list.split('\n')) {
    const addr = /\baddr=(\S+)/.exec(line)?.[1];
    if (addr) out.set(addr, /\bname=(\S*)/.exec(line)?.[1] || 'unnamed');
  }
  return out;
}
