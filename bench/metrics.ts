/**
 * What the Prometheus metrics cost the recharge callback: the full HTTP path (parse, verify, ledger accept
 * with its journal entry) on two identical servers, one with `metrics.enabled` and one without.
 *
 * On 2 shared cores neither throughput nor CPU time per callback holds still between rounds: a server alone
 * on a quiet core wakes for every request, one behind other work answers several per wake-up, and what it
 * costs per callback moves by a third with that. So the two servers are never measured apart: one request
 * stream alternates between them, one callback at a time (see {@link PairedLoad}), both servers share one
 * CPU (see {@link pinTogether}), every round reads both servers' CPU over the same seconds, and the figure
 * is the median of the per-round ratios metered/plain, each taken within one round.
 * Before every round both servers collect their garbage, so no round pays for another's; the metered server
 * is scraped after every round, as Prometheus would, and what a scrape costs is reported apart (it is paid
 * per scrape, not per callback). Target: metrics add at most 5 %.
 */
import { PairedLoad, type PairedPhase } from './lib/pairedLoad.js';
import { pinTogether } from './lib/pinCpu.js';
import { processCpu, type CpuReading } from './lib/processCpu.js';
import type { Figure } from './lib/report.js';
import { rechargeOrder, startServer } from './recharge.js';

/** Ten rounds: a neighbour's burst spoils one ratio of ten, and the median does not see it; 3.5 s each, as 2.5 s rounds spread wider. */
const ROUNDS = 10;
const ROUND_MS = 3500;
/** Until the JIT has settled on both servers (3 s rounds alone still sped up from one to the next). */
const WARMUP_MS = 8000;
/**
 * One callback in flight, to each server in turn: the two never run at once and neither ever answers several
 * per wake-up, so how callbacks bunch up (which moved a server's CPU per callback by a third, and not alike
 * for both) is the same for both. Each callback then pays a whole wake-up, so the baseline is dearer than
 * under concurrent load and a fixed per-callback cost reads a little smaller here.
 */
const WORKERS = 1;
/**
 * V8 on the server's main thread only: its parallel GC and compiler helpers do a quarter of the work, and
 * what they burn swings by a fifth either way with what else runs on the cores (spinning, work stealing),
 * which alone put per-round ratios out by ±10 %; on the main thread the same work costs much the same each round.
 * --expose-gc for the collection before each round (bench/rechargeServer.ts's /bench/gc).
 */
const NODE_ARGS = ['--single-threaded', '--expose-gc'];

interface Round {
  phase: PairedPhase;
  /** CPU µs per answered callback: plain, metered. */
  perReq: [number, number];
  ratio: number;
  /** CPU µs the metered server spent answering the scrape after this round. */
  scrapeMicros?: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function benchMetricsOverhead(redisUrl: string): Promise<Record<string, Figure>> {
  // key prefixes of one length, so both servers build, hash and send the same bytes
  const plain = await startServer(redisUrl, false, { KEY_PREFIX: 'bench-m0:' }, NODE_ARGS);
  const metered = await startServer(redisUrl, false, { METRICS: '1', KEY_PREFIX: 'bench-m1:' }, NODE_ARGS);
  const servers = [plain, metered] as const;
  const pids = servers.map((s) => s.proc.proc.pid!) as [number, number];
  const pinned = pinTogether(pids);
  const load = new PairedLoad({
    targets: [
      { port: plain.port, path: '/platform/recharge' },
      { port: metered.port, path: '/platform/recharge' },
    ],
    workers: WORKERS,
    body: (i, k) => JSON.stringify(rechargeOrder(i, k === 0 ? 'mp' : 'mm', true)),
    ok: (status, body) => status === 200 && body.includes('\\"ret\\":1'),
  });
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${metered.port}/platform/metrics`);
    const text = await res.text();
    if (res.status !== 200 || !text.includes('platform_bridge_callbacks_total{platform="recharge",path="http",code="1"}')) throw new Error(`metrics scrape failed: ${res.status}`);
  };
  const collectGarbage = () =>
    Promise.all(
      servers.map(async (s) => {
        const res = await fetch(`http://127.0.0.1:${s.port}/bench/gc`, { method: 'POST' });
        if (!((await res.json()) as { collected: boolean }).collected) throw new Error('bench server runs without --expose-gc');
      }),
    );
  try {
    await load.run(WARMUP_MS);
    await scrape();
    const rounds: Round[] = [];
    let source: CpuReading['source'] | undefined;
    for (let r = 0; r < ROUNDS; r++) {
      await collectGarbage();
      let before: Array<CpuReading | undefined> = [];
      const phase = await load.run(ROUND_MS, () => (before = pids.map(processCpu)));
      const after = pids.map(processCpu);
      const s0 = processCpu(pids[1]);
      await scrape();
      const s1 = processCpu(pids[1]);
      if (phase.failures) throw new Error(`metrics overhead bench: ${phase.failures} answers were not success (${phase.firstFailure ?? ''})`);
      const cpu = [0, 1].map((k) => (before[k] && after[k] ? after[k].micros - before[k].micros : undefined));
      if (cpu[0] === undefined || cpu[1] === undefined) {
        rounds.push({ phase, perReq: [NaN, NaN], ratio: NaN });
        continue;
      }
      source = after[0]!.source;
      const perReq: [number, number] = [cpu[0] / phase.answered[0], cpu[1] / phase.answered[1]];
      rounds.push({ phase, perReq, ratio: perReq[1] / perReq[0], ...(s0 && s1 ? { scrapeMicros: s1.micros - s0.micros } : {}) });
    }
    const tput = (k: 0 | 1) => median(rounds.map((r) => (r.phase.answered[k] / r.phase.elapsedMs) * 1000));
    const p50 = (k: 0 | 1) => median(rounds.map((r) => r.phase.p50Ms[k]));
    const answers = `answered per second with metrics ${Math.round(tput(1))}, without ${Math.round(tput(0))} (one stream shared, so alike by construction); median answer time with ${p50(1).toFixed(2)} ms, without ${p50(0).toFixed(2)} ms`;
    if (source === undefined) {
      const ratio = p50(1) / p50(0);
      return {
        recharge_http_metrics_ratio: {
          value: p50(1),
          unit: 'ms p50',
          baseline: p50(0),
          ratio,
          target: '≤ 1.05 (metrics add ≤ 5 %)',
          ok: ratio <= 1.05,
          note: `no /proc here: judged on the median answer time; ${answers}`,
        },
      };
    }
    const measured = rounds.filter((r) => Number.isFinite(r.ratio));
    const ratios = measured.map((r) => r.ratio);
    const ratio = median(ratios);
    const scrapes = rounds.flatMap((r) => (r.scrapeMicros === undefined ? [] : [r.scrapeMicros]));
    const perRound = measured.map((r) => `${Math.round(r.perReq[1])}/${Math.round(r.perReq[0])}=${r.ratio.toFixed(3)}`).join(', ');
    return {
      recharge_http_metrics_cost: {
        value: median(measured.map((r) => r.perReq[1])),
        unit: 'µs CPU/req',
        baseline: median(measured.map((r) => r.perReq[0])),
        ratio,
        target: '≤ 1.05 (metrics add ≤ 5 %)',
        ok: ratio <= 1.05,
        note:
          `server CPU (all threads, ${source}) per callback on the full recharge HTTP path with metrics (value) and without (baseline), medians over ${measured.length} rounds of ${ROUND_MS / 1000} s; ` +
          `ratio = median of the per-round ratios with/without, spread ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}; ` +
          `per round CPU µs/req with/without=ratio ${perRound}; ${answers}; ` +
          `one request stream alternating between the two servers over ${WORKERS} connection${WORKERS === 1 ? '' : 's'}, ${pinned === undefined ? 'servers not pinned (no taskset)' : `both servers pinned to CPU ${pinned}`}, V8 single-threaded in both, garbage collected before each round, a scrape after each (${scrapes.length}, median ${(median(scrapes) / 1000).toFixed(2)} ms CPU each, not in the ratio)`,
      },
    };
  } finally {
    load.close();
    for (const s of servers) {
      s.proc.kill('SIGTERM');
      await s.proc.exited();
    }
  }
}
