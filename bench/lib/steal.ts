/**
 * How much CPU the host took from this virtual machine while a figure ran (the `steal` column of
 * /proc/stat). On a shared 2-core VM, stolen time swings throughput and tail latency more than any change
 * in the code does, so each figure says how much was stolen while it ran. Undefined off Linux.
 */
import { readFileSync } from 'node:fs';

interface CpuTimes {
  total: number;
  steal: number;
}

function read(): CpuTimes | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already counted in user)
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    return { total, steal: cpu[7] ?? 0 };
  } catch {
    return undefined;
  }
}

/** Starts a measurement; the returned function gives the share of CPU time stolen since, in percent. */
export function stealMeter(): () => number | undefined {
  const start = read();
  return () => {
    const end = read();
    if (!start || !end || end.total === start.total) return undefined;
    return ((end.steal - start.steal) / (end.total - start.total)) * 100;
  };
}
