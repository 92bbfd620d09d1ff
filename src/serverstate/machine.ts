/**
 * CPU and memory figures for the serverstate entry, sampled once per interval.
 *
 * Units (the spec names the fields only):
 * - `cpuPercent` → fCpuUsage: this process's CPU time over the interval as a percent of ONE core
 *   (process.cpuUsage; above 100 when worker threads keep several cores busy).
 * - `hostCpuPercent` → fTotalCpuUsage: the whole machine's busy time over the interval as a percent of
 *   all its cores (os.cpus), 0–100.
 * - `rssMb` → CurProcessMemory: this process's resident set size, MiB.
 * - `hostMemMb` → TotalProcessMemory: the machine's total memory, MiB.
 * Percents carry two decimals; memory is whole MiB.
 */
import { cpus, hostname, totalmem } from 'node:os';

export interface MachineSample {
  /** Identifies the machine, so machine-wide figures count once when several processes share it. */
  host: string;
  cpuPercent: number;
  hostCpuPercent: number;
  cores: number;
  rssMb: number;
  hostMemMb: number;
}

/** @remarks Extension point: the `rooms.serverState.machine` option replaces the OS sampler (CPU, memory). */
export interface MachineSampler {
  sample(): MachineSample;
}

const MIB = 1024 * 1024;

export class OsMachineSampler implements MachineSampler {
  private lastCpu = process.cpuUsage();
  private lastAt = process.hrtime.bigint();
  private lastHost = hostTimes();
  private readonly host = hostname();

  sample(): MachineSample {
    const at = process.hrtime.bigint();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedUs = Number(at - this.lastAt) / 1000;
    const host = hostTimes();
    const busy = host.busy - this.lastHost.busy;
    const total = host.total - this.lastHost.total;
    this.lastCpu = process.cpuUsage();
    this.lastAt = at;
    this.lastHost = host;
    return {
      host: this.host,
      cpuPercent: elapsedUs > 0 ? ((cpu.user + cpu.system) / elapsedUs) * 100 : 0,
      hostCpuPercent: total > 0 ? (busy / total) * 100 : 0,
      cores: host.cores,
      rssMb: process.memoryUsage.rss() / MIB,
      hostMemMb: totalmem() / MIB,
    };
  }
}

function hostTimes(): { busy: number; total: number; cores: number } {
  let busy = 0;
  let total = 0;
  const list = cpus();
  for (const { times } of list) {
    const sum = times.user + times.nice + times.sys + times.irq + times.idle;
    total += sum;
    busy += sum - times.idle;
  }
  return { busy, total, cores: Math.max(1, list.length) };
}
