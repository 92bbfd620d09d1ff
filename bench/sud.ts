/**
 * `sud_settle_ratio`: throughput of SUD settlement notifications over the full path (read the raw body,
 * verify the HMAC-SHA1 headers, parse, record notification + job in one Redis script, answer; the worker
 * then claims and completes each settlement on the same server) ÷ a bare route on the same server that
 * reads the body and does one Redis SET NX. 64 connections, a distinct notify_id and match_id per request.
 *
 * Rounds of baseline and full path alternate, and each full round is timed until the worker has run
 * every settlement it answered, so deferred work is not left out of the figure.
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
const ROUNDS = 3;

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

export async function benchSudSettle(redisUrl: string, durationMs = 5000): Promise<Figure> {
  const port = await freePort();
  const proc = spawnTs(fileURLToPath(import.meta.url), { SUD_BENCH_SERVER: '1', REDIS_URL: redisUrl, PORT: String(port) });
  try {
    await waitFor('sud bench server', () => (proc.output().includes('ready') ? true : proc.proc.exitCode !== null ? Promise.reject(new Error(proc.output())) : undefined), 30_000);
    const base = `http://127.0.0.1:${port}`;
    const common = { connections: 64, durationMs: Math.round(durationMs / ROUNDS), warmupMs: 300 };
    const baseline = { requests: 0, ms: 0 };
    const full = { requests: 0, ms: 0, answerMs: 0, failures: 0, firstFailure: undefined as string | undefined, p50: [] as number[], p99: [] as number[] };
    // both routes warmed until the JIT has settled, as in the recharge bench (the first seconds run slower)
    for (const [path, tag] of [['/bench/setnx', 'wb'], ['/platform/sud/notify', 'wf'], ['/bench/setnx', 'wb2'], ['/platform/sud/notify', 'wf2']] as const) {
      await runLoad({ ...common, durationMs: 2000, url: base + path, body: (i) => { const body = notification(i, tag); return { method: 'POST', body, headers: signedHeaders(body, i) }; }, ok: () => true });
      await waitFor('warm-up backlog drained', async () => ((await (await fetch(`${base}/bench/backlog`)).json()) === 0 ? true : undefined), 60_000, 5);
    }
    // alternating short rounds: a noisy machine (other jobs on 2 cores) then hits both sides alike
    for (let round = 0; round < ROUNDS; round++) {
      const b = await runLoad({
        ...common,
        url: `${base}/bench/setnx`,
        body: (i) => {
          const body = notification(i, `base${round}`);
          return { method: 'POST', body, headers: signedHeaders(body, i) };
        },
        ok: (status) => status === 200,
      });
      baseline.requests += b.requests;
      baseline.ms += (b.requests / b.perSecond) * 1000;
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
      full.requests += f.requests;
      full.answerMs += (f.requests / f.perSecond) * 1000;
      full.ms += (f.requests / f.perSecond) * 1000 + (performance.now() - drainStart);
      full.failures += f.failures;
      full.firstFailure ??= f.firstFailure;
      full.p50.push(f.p50Ms);
      full.p99.push(f.p99Ms);
    }
    const fullPerSecond = (full.requests / full.ms) * 1000;
    const basePerSecond = (baseline.requests / baseline.ms) * 1000;
    if (full.failures) throw new Error(`sud bench: ${full.failures} answers were not SUCCESS, first: ${full.firstFailure}`);
    const ratio = fullPerSecond / basePerSecond;
    return {
      value: fullPerSecond,
      unit: 'req/s',
      baseline: basePerSecond,
      ratio,
      target: '≥ 0.75',
      ok: ratio >= 0.75,
      note: `answering alone (worker catching up afterwards): ${((full.requests / full.answerMs) * 1000).toFixed(0)} req/s, ratio ${((full.requests / full.answerMs) * 1000 / basePerSecond).toFixed(2)}; worker concurrency 64; ${full.requests} settlements at 64 connections in ${ROUNDS} rounds alternating with the baseline, each timed until the worker had run every settlement it answered; p50 ${Math.max(...full.p50).toFixed(2)} ms, p99 ${Math.max(...full.p99).toFixed(2)} ms (worst round); server in a child process`,
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
    ctx.addEndpoint(
      'benchBacklog',
      createEndpoint('/bench/backlog', { method: 'GET' }, async () => Response.json(await ctx.store.zcard(ctx.store.keys.tagged('sud', 'due')))),
    );
    return installSud(ctx, parseSudOptions({ appId: APP_ID, appSecret: SECRET, worker: { concurrency: 64, batchSize: 64 }, onSettlement: () => undefined }));
  }, { port: Number(PORT), quiet: true });
  console.log('ready');
  process.on('SIGTERM', async () => {
    await h.close();
    process.exit(0);
  });
}

if (process.env.SUD_BENCH_SERVER === '1' && process.argv[1] === fileURLToPath(import.meta.url)) await serve();
