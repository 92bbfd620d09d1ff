/**
 * `sud_settle_ratio`: throughput of SUD settlement notifications over the full path (read the raw body,
 * verify the HMAC-SHA1 headers, parse, record notification + job in one Redis script, answer; the worker
 * then runs each settlement, leased to it by that record step, and records it done, on the same server)
 * ÷ a bare route on the same server that reads the body and does one Redis SET NX. 64 connections, a
 * distinct notify_id and match_id per request.
 *
 * Rounds of baseline and full path come in pairs, which of the two goes first alternating, and each full
 * round is timed until the worker has run every settlement it answered, so deferred work is not left out
 * of the figure. The figure is the pair with the median ratio. Beside it: the server's CPU time per
 * request of each route, which a shared machine moves much less than throughput.
 *
 * SUD_BENCH_JOURNAL=1 gives the server the journal registerPlatformBridge always builds (three timeline
 * lines per settlement); by default it has none, as in the test harness the figure was first taken with.
 *
 * The server runs in a child process (this file, started with SUD_BENCH_SERVER set) so the load generator
 * does not share its event loop: on a 2-core machine each gets a core, as a platform and a game server would.
 */
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createEndpoint } from '@colyseus/core';
import { Journal, SubjectJournal, journalOptionsSchema } from '../src/ledger/journal.js';
import { installSud, parseSudOptions } from '../src/platforms/sud/index.js';
import { freePort } from '../test/helpers/ports.js';
import { spawnTs, waitFor } from '../test/helpers/processes.js';
import { bootHarness } from '../test/sud/harness.js';
import { runLoad } from './lib/httpLoad.js';
import type { Figure } from './lib/report.js';
import type { BridgeContext } from '../src/context.js';

const APP_ID = '1461564080052506636';
const SECRET = 'bench-sud-secret';
const SUCCESS = '{"ret_code":0,"ret_msg":"SUCCESS"}';
const ROUNDS = 9;

function notification(i: number, tag: string): string {
  return JSON.stringify({
    notify_id: `${tag}-${process.pid}-${i}`,
    notify_time: String(Date.now()),
    app_id: APP_ID,
    notify_event: 'sud.mg.merchant.match.settle',
    data: {
      mg_id: '1557194155570024449',
      room_id: '9010',
      game_mode: 1,
      match_id: `m-${tag}-${process.pid}-${i}`,
      battle_start_at: '1664265322',
      battle_end_at: '1664265594',
      battle_duration: '272',
      results: [
        { is_ai: 0, uid: 'fa1c53c4', score: -100, remain_score: 0, commission_score: 0 },
        { is_ai: 0, uid: 'f0818db8', score: 100, remain_score: 200, commission_score: 0 },
      ],
      report_game_info_key: 'key001',
      report_game_info_extras: 'extras',
    },
  });
}

function signedHeaders(body: string, i: number): Record<string, string> {
  const timestamp = String(Date.now());
  const nonce = `n${i}`;
  const signature = createHmac('sha1', SECRET).update(`${APP_ID}\n${timestamp}\n${nonce}\n${body}\n`).digest('hex');
  return { 'content-type': 'application/json', 'Sud-AppId': APP_ID, 'Sud-Timestamp': timestamp, 'Sud-Nonce': nonce, 'Sud-Signature': signature };
}

export async function benchSudSettle(redisUrl: string, durationMs = 10_000): Promise<Figure> {
  const port = await freePort();
  const journal = process.env.SUD_BENCH_JOURNAL === '1';
  const proc = spawnTs(fileURLToPath(import.meta.url), { SUD_BENCH_SERVER: '1', REDIS_URL: redisUrl, PORT: String(port), SUD_BENCH_JOURNAL: journal ? '1' : '0' });
  try {
    await waitFor('sud bench server', () => (proc.output().includes('ready') ? true : proc.proc.exitCode !== null ? Promise.reject(new Error(proc.output())) : undefined), 30_000);
    const base = `http://127.0.0.1:${port}`;
    const common = { connections: 64, durationMs: Math.round(durationMs / ROUNDS), warmupMs: 300 };
    // the server's CPU time and what it served: per request, CPU time barely moves with what else a shared machine runs (throughput does)
    const stats = async () => (await (await fetch(`${base}/bench/stats`)).json()) as { cpuUs: number; bare: number; settled: number };
    const drained = () => waitFor('settlement backlog drained', async () => ((await (await fetch(`${base}/bench/backlog`)).json()) === 0 ? true : undefined), 60_000, 5);
    const load = (path: string, tag: string, ok: (status: number, body: string) => boolean, ms = common.durationMs) =>
      runLoad({
        ...common,
        durationMs: ms,
        url: base + path,
        body: (i) => {
          const body = notification(i, tag);
          return { method: 'POST', body, headers: signedHeaders(body, i) };
        },
        ok,
      });
    const bare = async (round: number) => {
      const s0 = await stats();
      const b = await load('/bench/setnx', `base${round}`, (status) => status === 200);
      const s1 = await stats();
      // per request served, warm-up requests included (runLoad counts only those after its warm-up)
      return { perSecond: b.perSecond, cpu: (s1.cpuUs - s0.cpuUs) / (s1.bare - s0.bare) };
    };
    const full = async (round: number) => {
      const s0 = await stats();
      const f = await load('/platform/sud/notify', `full${round}`, (status, body) => status === 200 && body === SUCCESS);
      // the settlements answered but not yet run by the worker are part of the full path: wait for them
      const drainStart = performance.now();
      await drained();
      const s1 = await stats();
      const answerMs = (f.requests / f.perSecond) * 1000;
      return { ...f, full: (f.requests / (answerMs + performance.now() - drainStart)) * 1000, cpu: (s1.cpuUs - s0.cpuUs) / (s1.settled - s0.settled) };
    };
    // both routes warmed until the JIT has settled, as in the recharge bench (the first seconds run slower)
    for (const [path, tag] of [
      ['/bench/setnx', 'wb'],
      ['/platform/sud/notify', 'wf'],
      ['/bench/setnx', 'wb2'],
      ['/platform/sud/notify', 'wf2'],
    ] as const) {
      await load(path, tag, () => true, 2000);
      await drained();
    }
    // paired rounds and the median pair's ratio: on 2 shared cores one round swings by ±15 %, and a pair
    // shares whatever else the machine was doing at the time; the order alternates within pairs (bare
    // first, then full first), so a machine getting busier or quieter over the run favours neither route
    const rounds: Array<{ base: number; full: number; answer: number; settlements: number; baseCpu: number; fullCpu: number }> = [];
    let failures = 0;
    let firstFailure: string | undefined;
    const p50: number[] = [];
    const p99: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let b: Awaited<ReturnType<typeof bare>>;
      let f: Awaited<ReturnType<typeof full>>;
      if (round % 2 === 0) {
        b = await bare(round);
        f = await full(round);
      } else {
        f = await full(round);
        b = await bare(round);
      }
      rounds.push({ base: b.perSecond, full: f.full, answer: f.perSecond, settlements: f.requests, baseCpu: b.cpu, fullCpu: f.cpu });
      failures += f.failures;
      firstFailure ??= f.firstFailure;
      p50.push(f.p50Ms);
      p99.push(f.p99Ms);
    }
    if (failures) throw new Error(`sud bench: ${failures} answers were not SUCCESS, first: ${firstFailure}`);
    const mid = Math.floor(ROUNDS / 2);
    const median = [...rounds].sort((x, y) => x.full / x.base - y.full / y.base)[mid]!;
    const ratio = median.full / median.base;
    const settlements = rounds.reduce((n, r) => n + r.settlements, 0);
    const middle = (values: number[]) => [...values].sort((x, y) => x - y)[mid]!;
    const baseCpu = middle(rounds.map((r) => r.baseCpu));
    const fullCpu = middle(rounds.map((r) => r.fullCpu));
    return {
      value: median.full,
      unit: 'req/s',
      baseline: median.base,
      ratio,
      target: '≥ 0.75',
      ok: ratio >= 0.75,
      note:
        `median of ${ROUNDS} paired rounds (alternating which route goes first; full path timed until the worker had run every settlement it answered); ` +
        `rounds (full/bare req/s) ${rounds.map((r) => `${Math.round(r.full)}/${Math.round(r.base)}`).join(', ')}; ` +
        `answering alone in the median round ${Math.round(median.answer)} req/s, ratio ${(median.answer / median.base).toFixed(2)}; ` +
        `server CPU per request (median over rounds): bare ${Math.round(baseCpu)} µs, full path with its settlement ${Math.round(fullCpu)} µs, CPU ratio ${(baseCpu / fullCpu).toFixed(2)} ` +
        `(per round ${rounds.map((r) => (r.baseCpu / r.fullCpu).toFixed(2)).join(', ')}); ` +
        `worker concurrency 64; ${journal ? 'journal on (SUD_BENCH_JOURNAL=1)' : 'no journal, as in the test harness'}; ${settlements} settlements at 64 connections; ` +
        `p50 ${Math.max(...p50).toFixed(2)} ms, p99 ${Math.max(...p99).toFixed(2)} ms (worst round); server in a child process`,
    };
  } finally {
    proc.kill('SIGTERM');
    await proc.exited();
  }
}

/** The child: a real Colyseus server with SUD installed, and the bare SET NX route beside it. */
async function serve(): Promise<void> {
  const { REDIS_URL, PORT } = process.env as Record<string, string>;
  let n = 0;
  let settled = 0;
  const h = await bootHarness(
    { redis: REDIS_URL },
    (ctx) => {
      ctx.addEndpoint(
        'benchSetNx',
        createEndpoint('/bench/setnx', { method: 'POST', disableBody: true }, async (ectx) => {
          await ectx.request!.text();
          const ok = await ctx.store.set(ctx.store.keys.key('bench', process.pid, n++), '1', { nx: true });
          return Response.json({ result: ok });
        }),
      );
      ctx.addEndpoint(
        'benchStats',
        createEndpoint('/bench/stats', { method: 'GET' }, async () => {
          const u = process.cpuUsage();
          return Response.json({ cpuUs: u.user + u.system, bare: n, settled });
        }),
      );
      ctx.addEndpoint(
        'benchBacklog',
        createEndpoint('/bench/backlog', { method: 'GET' }, async () => Response.json(await ctx.store.zcard(ctx.store.keys.tagged('sud', 'due')))),
      );
      // a bridge built by registerPlatformBridge always has a journal (the desk's SUD timelines); the test harness has none
      const withJournal: BridgeContext =
        process.env.SUD_BENCH_JOURNAL === '1'
          ? (Object.create(ctx, { journal: { value: new SubjectJournal(new Journal(ctx.store, journalOptionsSchema.parse(undefined)), ctx.store.keys, ctx.clock) } }) as BridgeContext)
          : ctx;
      return installSud(withJournal, parseSudOptions({ appId: APP_ID, appSecret: SECRET, worker: { concurrency: 64, batchSize: 64 }, onSettlement: () => void settled++ }));
    },
    { port: Number(PORT), quiet: true },
  );
  console.log('ready');
  // a failed shutdown is printed and exits non-zero, as an unhandled rejection would
  process.on('SIGTERM', () => {
    (async () => {
      await h.close();
      process.exit(0);
    })().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
}

if (process.env.SUD_BENCH_SERVER === '1' && process.argv[1] === fileURLToPath(import.meta.url)) await serve();
