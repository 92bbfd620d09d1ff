/**
 * CPU time a process has used, every thread included (V8's GC and compiler helpers do a quarter of a Node
 * server's work). Read from each thread's /proc/<pid>/task/<tid>/schedstat, which counts in nanoseconds;
 * /proc/<pid>/stat counts in 10 ms ticks, about 5 % of a 2-3 s round's CPU, so it is only the fallback.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface CpuReading {
  micros: number;
  source: 'schedstat' | 'stat';
}

/** undefined where there is no /proc (macOS, Windows). */
export function processCpu(pid: number): CpuReading | undefined {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // a thread that ended between the listing and the read: its time is gone from both readings alike
      }
    }
    if (ns > 0) return { micros: ns / 1000, source: 'schedstat' };
  } catch {
    // no per-thread schedstat: the kernel lacks CONFIG_SCHED_INFO, or there is no /proc
  }
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { micros: (Number(fields[11]) + Number(fields[12])) * 10_000, source: 'stat' }; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return undefined;
  }
}
