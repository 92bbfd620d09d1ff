/**
 * What the Prometheus metrics cost the recharge callback: the full HTTP path (parse, verify, ledger accept
 * with its journal entry) on two identical servers, one with `metrics.enabled` and one without, measured in
 * alternating rounds in the same run, with a scrape of the metrics server in every round as Prometheus
 * would. On 2 shared cores throughput swings by half between rounds with what else runs, so the figure
 * judged is the server process's CPU time per answered callback (read from /proc, which other processes'
 * load does not change); both throughputs are printed beside it. Target: metrics add at most 5 %.
 */
import { readFileSync } from 'node:fs';
import { runLoad, type LoadResult } from './lib/httpLoad.js';
import type { Figure } from './lib/report.js';
import { rechargeOrder, startServer } from './recharge.js';

const ROUNDS = 5;
/** Offered load of the measured rounds: the same for both servers, below what either answers on a loaded machine, so group commit batches alike. */
const RATE = 800;

/** CPU time (user + system, ms) the process has used; undefined where /proc is not there. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return undefined;
  }
}

interface Round {
  load: LoadResult;
  /** Server CPU ms per answered callback. */
  cpuPerReq?: number;
}

export async function benchMetricsOverhead(redisUrl: string, durationMs = 9000): Promise<Record<string, Figure>> {
  const plain = await startServer(redisUrl, false, { KEY_PREFIX: 'bench-plain:' });
  const metered = await startServer(redisUrl, false, { METRICS: '1', KEY_PREFIX: 'bench-metrics:' });
  try {
    const common = { connections: 64, durationMs: Math.round(durationMs / ROUNDS), warmupMs: 500 };
    const load = (port: number, tag: string, ms = common.durationMs, ratePerSec: number | undefined = RATE) =>
      runLoad({
        ...common,
        ...(ratePerSec ? { ratePerSec } : {}),
        durationMs: ms,
        url: `http://127.0.0.1:${port}/platform/recharge`,
        body: (i) => ({ method: 'POST', body: JSON.stringify(rechargeOrder(i, tag, true)), headers: { 'content-type': 'application/json' } }),
        ok: (status, body) => status === 200 && body.includes('\\"ret\\":1'),
      });
    for (const [port, tag] of [[plain.port, 'mwp'], [metered.port, 'mwm'], [plain.port, 'mwp2'], [metered.port, 'mwm2']] as const) await load(port, tag, 3000, undefined);
    const measured = async (server: typeof plain, tag: string): Promise<Round> => {
      const before = cpuMs(server.proc.proc.pid!);
      const r = await load(server.port, tag);
      const after = cpuMs(server.proc.proc.pid!);
      const answered = r.perSecond * (common.durationMs / 1000);
      return { load: r, cpuPerReq: before === undefined || after === undefined || answered === 0 ? undefined : (after - before) / answered };
    };
    const plainRuns: Round[] = [];
    const meteredRuns: Round[] = [];
    let scraped = 0;
    for (let r = 0; r < ROUNDS; r++) {
      // each side goes first in turn: on 2 shared cores the first of a pair tends to run on a quieter machine
      const pair = r % 2 === 0 ? (['plain', 'metered'] as const) : (['metered', 'plain'] as const);
      for (const side of pair) {
        if (side === 'plain') plainRuns.push(await measured(plain, `mp${r}`));
        else {
          meteredRuns.push(await measured(metered, `mm${r}`));
          const res = await fetch(`http://127.0.0.1:${metered.port}/platform/metrics`);
          const text = await res.text();
          if (res.status !== 200 || !text.includes('platform_bridge_callbacks_total{platform="recharge",path="http",code="1"}')) throw new Error(`metrics scrape failed: ${res.status}`);
          scraped++;
        }
      }
    }
    const failures = [...plainRuns, ...meteredRuns].reduce((n, r) => n + r.load.failures, 0);
    if (failures) throw new Error(`metrics overhead bench: ${failures} answers were not success`);
    const mid = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const tputWith = mid(meteredRuns.map((r) => r.load.perSecond));
    const tputWithout = mid(plainRuns.map((r) => r.load.perSecond));
    const rounds = meteredRuns.map((m, k) => `${Math.round(m.load.perSecond)}/${Math.round(plainRuns[k]!.load.perSecond)}`).join(', ');
    const throughputNote = `throughput with metrics ${Math.round(tputWith)} req/s, without ${Math.round(tputWithout)} req/s (ratio ${(tputWith / tputWithout).toFixed(3)}; rounds with/without ${rounds})`;
    const cpuWith = meteredRuns.map((r) => r.cpuPerReq);
    const cpuWithout = plainRuns.map((r) => r.cpuPerReq);
    if (cpuWith.some((c) => c === undefined) || cpuWithout.some((c) => c === undefined)) {
      const ratio = tputWith / tputWithout;
      return { recharge_http_metrics_ratio: { value: tputWith, unit: 'req/s', baseline: tputWithout, ratio, target: '≥ 0.95 (metrics add ≤ 5 %)', ok: ratio >= 0.95, note: `no /proc here: judged on throughput; ${throughputNote}` } };
    }
    const withCpu = mid(cpuWith as number[]);
    const withoutCpu = mid(cpuWithout as number[]);
    const overhead = withCpu / withoutCpu;
    return {
      recharge_http_metrics_cost: {
        value: withCpu * 1000,
        unit: 'µs CPU/req',
        baseline: withoutCpu * 1000,
        ratio: overhead,
        target: '≤ 1.05 (metrics add ≤ 5 %)',
        ok: overhead <= 1.05,
        note: `server CPU per callback on the full recharge HTTP path with metrics (value) and without (baseline), two identical servers, ${RATE} req/s offered to each (open loop), medians of ${ROUNDS} alternating rounds, a scrape per round (${scraped}); CPU µs/req per round with/without ${meteredRuns.map((m, k) => `${Math.round(m.cpuPerReq! * 1000)}/${Math.round(plainRuns[k]!.cpuPerReq! * 1000)}`).join(', ')}; ${throughputNote}`,
      },
    };
  } finally {
    for (const s of [plain, metered]) {
      s.proc.kill('SIGTERM');
      await s.proc.exited();
    }
  }
}
