/**
 * Puts processes (every thread) on one CPU with taskset, so that two servers compared with each other run at
 * the same speed: on a shared VM one vCPU can be slowed by what runs beside it on the host while the other is
 * not, and a server that sat on the slower one for a round looked a tenth dearer.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** The CPU the processes now share, or undefined where taskset is missing or refused (they then float). */
export function pinTogether(pids: readonly number[]): number | undefined {
  const cpu = os.cpus().length - 1;
  if (cpu < 1) return undefined;
  try {
    for (const pid of pids) execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return cpu;
  } catch {
    return undefined;
  }
}
