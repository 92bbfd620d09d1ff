/**
 * `sud_settle_ratio`: throughput of SUD settlement notifications over the full path (read the raw body,
 * verify the HMAC-SHA1 headers, parse, record notification + job in one Redis script, answer; the worker
 * then claims and completes each settlement on the same server) ÷ a bare route on the same server that
 * reads the body and does one Redis SET NX. 64 connections, a distinct notify_id and match_id per request.
 *
 * Rounds of baseline and full path alternate, and each full round is timed until the worker has run
 * every settlement it answered, so deferred work is not left out of the figure. The figure is the round
 * with the median ratio.
 *
 * The server runs in a child process (this file, started with SUD_BENCH_SERVER set) so the load generator
 * does not share its event loop: on a 2-core machine each gets a core, as a platform and a game server would.
 */
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createEndpoint } from '@colyseus/core';
import { installSud, parseSudOptions } from '../src/platforms/sud/index.js';
import { freePort } from '../test/helpers/ports.js';
import { spawnTs, waitFor } from '../test/helpers/processes.js';
import { bootHarness } from '../test/sud/harness.js';
import { runLoad } from './lib/httpLoad.js';
import type { Figure } from './lib/report.js';

const APP_ID = '1461564080052506636';
const SECRET = 'bench-sud-secret';
const SUCCESS = '{"ret_code":0,"ret_msg":"SUCCESS"}';
const ROUNDS = 5;

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
  const proc = spawnTs(fileURLToPath(import.meta.url), { SUD_BENCH_SERVER: '1', REDIS_URL: redisUrl, PORT: String(port) });
  try {
    await waitFor('sud bench server', () => (proc.output().includes('ready') ? true : proc.proc.exitCode !== null ? Promise.reject(new Error(proc.output())) : undefined), 30_000);
    const base = `http://127.0.0.1:${port}`;
    const common = { connections: 64, durationMs: Math.round(durationMs / ROUNDS), warmupMs: 300 };
    const rounds: Array<{ base: number; full: number; answer: number; settlements: number; baseCpu: number; fullCpu: number }> = [];
    // the server's CPU time per request: unlike throughput, barely moved by what else a shared machine runs
    const cpu = async () => {
      const u = (await (await fetch(`${base}/bench/cpu`)).json()) as { user: number; system: number };
      return u.user + u.system;
    };
    let failures = 0;
    let firstFailure: string | undefined;
    const p50: number[] = [];
    const p99: number[] = [];
    // both routes warmed until the JIT has settled, as in the recharge bench (the first seconds run slower)
    for (const [path, tag] of [['/bench/setnx', 'wb'], ['/platform/sud/notify', 'wf'], ['/bench/setnx', 'wb2'], ['/platform/sud/notify', 'wf2']] as const) {
      await runLoad({ ...common, durationMs: 2000, url: base + path, body: (i) => { const body = notification(i, tag); return { method: 'POST', body, headers: signedHeaders(body, i) }; }, ok: () => true });
      await waitFor('warm-up backlog drained', async () => ((await (await fetch(`${base}/bench/backlog`)).json()) === 0 ? true : undefined), 60_000, 5);
    }
    // paired rounds, baseline then full path, and the median round's ratio: on 2 shared cores one round
    // swings by ±15 %, and a pair shares whatever else the machine was doing at the time
    for (let round = 0; round < ROUNDS; round++) {
      const c0 = await cpu();
      const b = await runLoad({
        ...common,
        url: `${base}/bench/setnx`,
        body: (i) => {
          const body = notification(i, `base${round}`);
          return { method: 'POST', body, headers: signedHeaders(body, i) };
        },
        ok: (status) => status === 200,
      });
      const c1 = await cpu();
      const f = await runLoad({
        ...common,
        url: `${base}/platform/sud/notify`,
        body: (i) => {
          const body = notification(i, `full${round}`);
          return { method: 'POST', body, headers: signedHeaders(body, i) };
        },
        ok: (status, body) => status === 200 && body === SUCCESS,
      });
      // the settlements answered but not yet run by the worker are part of the full path: wait for them
      const drainStart = performance.now();
      await waitFor('settlement backlog drained', async () => ((await (await fetch(`${base}/bench/backlog`)).json()) === 0 ? true : undefined), 60_000, 5);
      const c2 = await cpu();
      const answerMs = (f.requests / f.perSecond) * 1000;
      rounds.push({
        base: b.perSecond,
        full: (f.requests / (answerMs + performance.now() - drainStart)) * 1000,
        answer: f.perSecond,
        settlements: f.requests,
        // warm-up requests are not counted but cost CPU alike on both routes
        baseCpu: (c1 - c0) / b.requests,
        fullCpu: (c2 - c1) / f.requests,
      });
      failures += f.failures;
      firstFailure ??= f.firstFailure;
      p50.push(f.p50Ms);
      p99.push(f.p99Ms);
    }
    if (failures) throw new Error(`sud bench: ${failures} answers were not SUCCESS, first: ${firstFailure}`);
    const median = [...rounds].sort((x, y) => x.full / x.base - y.full / y.base)[Math.floor(ROUNDS / 2)]!;
    const ratio = median.full / median.base;
    const settlements = rounds.reduce((n, r) => n + r.settlements, 0);
    const cpuRatios = rounds.map((r) => r.baseCpu / r.fullCpu).sort((x, y) => x - y);
    return {
      value: median.full,
      unit: 'req/s',
      baseline: median.base,
      ratio,
      target: '≥ 0.75',
      ok: ratio >= 0.75,
      note: `median of ${ROUNDS} paired rounds (baseline, then full path timed until the worker had run every settlement it answered); rounds (full/bare req/s) ${rounds.map((r) => `${Math.round(r.full)}/${Math.round(r.base)}`).join(', ')}; answering alone in the median round ${Math.round(median.answer)} req/s, ratio ${(median.answer / median.base).toFixed(2)}; server CPU per request in the median round: bare ${Math.round(median.baseCpu)} µs, full path with its settlement ${Math.round(median.fullCpu)} µs (CPU ratio ${(median.baseCpu / median.fullCpu).toFixed(2)}, median over rounds ${cpuRatios[Math.floor(ROUNDS / 2)]!.toFixed(2)}); worker concurrency 64; ${settlements} settlements at 64 connections; p50 ${Math.max(...p50).toFixed(2)} ms, p99 ${Math.max(...p99).toFixed(2)} ms (worst round); server in a child process`,
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
  const h = await bootHarness({ redis: REDIS_URL }, (ctx) => {
    ctx.addEndpoint(
      'benchSetNx',
      createEndpoint('/bench/setnx', { method: 'POST', disableBody: true }, async (ectx) => {
        await ectx.request!.text();
        const ok = await ctx.store.set(ctx.store.keys.key('bench', process.pid, n++), '1', { nx: true });
        return Response.json({ result: ok });
      }),
    );
    // the child's own CPU time: per request it does not depend on what else the machine runs (throughput does)
    ctx.addEndpoint('benchCpu', createEndpoint('/bench/cpu', { method: 'GET' }, async () => Response.json(process.cpuUsage())));
    ctx.addEndpoint(
      'benchBacklog',
      createEndpoint('/bench/backlog', { method: 'GET' }, async () => Response.json(await ctx.store.zcard(ctx.store.keys.tagged('sud', 'due')))),
    );
    return installSud(ctx, parseSudOptions({ appId: APP_ID, appSecret: SECRET, worker: { concurrency: 64, batchSize: 64 }, onSettlement: () => undefined }));
  }, { port: Number(PORT), quiet: true });
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
