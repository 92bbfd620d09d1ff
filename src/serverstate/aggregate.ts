/**
 * How one zone's serverstate entry is computed from the processes serving it. Each process writes a
 * contribution with an expiry (two of its intervals after its heartbeat); the entry is the sum over the
 * contributions not yet expired. Machine-wide figures are taken once per host (its latest sample):
 * fTotalCpuUsage is the core-weighted mean of the hosts' busy percent, TotalProcessMemory the sum of
 * their memory.
 *
 * These functions are the in-process twin of the Lua in scripts.ts and must stay in step with it: all
 * arithmetic is on integers (percents in hundredths, memory in whole MiB) so both print the same bytes.
 */

/** One process's contribution, as stored in the zone's `procs` hash. */
export interface Contribution {
  /** Heartbeat, epoch ms. */
  t: number;
  /** Expiry, epoch ms: the contribution no longer counts from then on. */
  x: number;
  on: number;
  q: number;
  /** fCpuUsage in hundredths of a percent. */
  cpu: number;
  /** CurProcessMemory, MiB. */
  mem: number;
  /** 1 when the game asked for forceup. */
  f: 0 | 1;
  h: string;
  /** Host busy percent, hundredths. */
  hc: number;
  /** Host cores. */
  n: number;
  /** Host memory, MiB. */
  hm: number;
}

export interface Totals {
  live: number;
  online: number;
  queue: number;
  cpu: number;
  mem: number;
  force: 0 | 1;
  hostCpu: number;
  hostMem: number;
  /** Fields of expired or unreadable contributions, to delete. */
  stale: string[];
}

export function sumContributions(entries: Iterable<[string, string]>, now: number): Totals {
  const t: Totals = { live: 0, online: 0, queue: 0, cpu: 0, mem: 0, force: 0, hostCpu: 0, hostMem: 0, stale: [] };
  const hosts = new Map<string, [number, number, number, number]>();
  for (const [field, json] of entries) {
    let c: Partial<Contribution> | undefined;
    try {
      const parsed: unknown = JSON.parse(json);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) c = parsed as Partial<Contribution>;
    } catch {
      c = undefined;
    }
    const x = num(c?.x);
    if (!c || !(x > now)) {
      t.stale.push(field);
      continue;
    }
    t.live++;
    t.online += num(c.on);
    t.queue += num(c.q);
    t.cpu += num(c.cpu);
    t.mem += num(c.mem);
    if (num(c.f) === 1) t.force = 1;
    const h = typeof c.h === 'string' ? c.h : '';
    const at = num(c.t);
    const prev = hosts.get(h);
    if (prev === undefined || at > prev[0]) hosts.set(h, [at, num(c.hc), num(c.n), num(c.hm)]);
  }
  let weighted = 0;
  let cores = 0;
  for (const [, hc, n, hm] of hosts.values()) {
    weighted += hc * n;
    cores += n;
    t.hostMem += hm;
  }
  t.hostCpu = cores > 0 ? Math.floor(weighted / cores + 0.5) : 0;
  return t;
}

export interface EntryFields {
  /** JSON fragments, written as given. */
  zoneJson: string;
  beginJson: string;
  updateJson: string;
  roles: number;
  recent: number;
  roleCap: number;
}

/** The entry, keys in the spec's order. */
export function renderEntry(t: Totals, f: EntryFields): string {
  const force = t.force === 1 || (f.roleCap > 0 && f.roles >= f.roleCap) ? 1 : 0;
  return (
    `{"ZoneID":${f.zoneJson},"OnlineNum":${int(t.online)},"QueueNum":${int(t.queue)},"RoleNum":${int(f.roles)},` +
    `"ServerBeginTime":${f.beginJson},"UpdateTime":${f.updateJson},"fCpuUsage":${hundredths(t.cpu)},"fTotalCpuUsage":${hundredths(t.hostCpu)},` +
    `"CurProcessMemory":${int(t.mem)},"TotalProcessMemory":${int(t.hostMem)},"FiveMinuteAddAccountNum":${int(f.recent)},"forceup":${force}}`
  );
}

/** 1250 → "12.5", 1205 → "12.05", 1200 → "12". */
export function hundredths(h: number): string {
  const i = Math.floor(h / 100);
  const f = h - i * 100;
  if (f === 0) return int(i);
  if (f % 10 === 0) return `${int(i)}.${int(f / 10)}`;
  return `${int(i)}.${String(f).padStart(2, '0')}`;
}

function int(n: number): string {
  return String(Math.trunc(n));
}

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
}
