import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface Spawned {
  proc: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited on its own. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
  /** Writes one line to the child's stdin (spawned with `stdin: true`). */
  send(line: string): void;
}

/** Runs a TypeScript file on this Node (22, from the project's devDependency) through tsx; `nodeArgs` go to node itself (V8 flags NODE_OPTIONS refuses). */
export function spawnTs(file: string, env: Record<string, string | undefined> = {}, args: string[] = [], opts: { stdin?: boolean; nodeArgs?: string[] } = {}): Spawned {
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', file, ...args], {
    env: { ...process.env, ...env },
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exit = once(proc, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  return {
    proc,
    output: () => out,
    exited: () => exit,
    kill: (signal = 'SIGKILL') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    send: (line) => {
      if (!proc.stdin) throw new Error('spawned without stdin');
      proc.stdin.write(`${line}\n`);
    },
  };
}

/** Polls `check` until it returns a value, failing with `what` after the deadline. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, deadlineMs = 15_000, everyMs = 50): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Reads a value until `ok` holds for it, failing after the deadline with the last value read, so a
 * timed-out wait says how far things got ("state was granting", "3 runs of 4").
 */
export async function waitUntil<T>(what: string, read: () => Promise<T> | T, ok: (v: T) => boolean, deadlineMs = 15_000, everyMs = 50): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last: string;
  for (;;) {
    try {
      const v = await read();
      if (ok(v)) return v;
      last = `the value ${show(v)}`;
    } catch (err) {
      last = `an error: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} after ${deadlineMs} ms; the last read gave ${last}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function show(v: unknown): string {
  try {
    const text = JSON.stringify(v) ?? String(v);
    return text.length > 500 ? `${text.slice(0, 500)}…` : text;
  } catch {
    return String(v);
  }
}

/** Races a promise against a deadline, so a process that does not exit fails the test with a reason. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
