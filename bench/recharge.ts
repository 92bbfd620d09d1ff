/**
 * Recharge figures: HTTP throughput of the full path (parse, verify, ledger accept) as a ratio to a bare
 * route doing one SET NX on the same server, its p99 at 64 connections, and orders accepted per second
 * over the TCP socket.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { freePort } from '../test/helpers/ports.js';
import { spawnTs, waitFor } from '../test/helpers/processes.js';
import { runLoad } from './lib/httpLoad.js';
import type { Figure } from './lib/report.js';

const KEY = 'bench-recharge-key';
const md5 = (s: string) => createHash('md5').update(s).digest('hex').toUpperCase();

function rechargeOrder(i: number, tag: string, withFanli: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = {
    Amount: 499,
    BudanFlag: 0,
    cporder_no: `${tag}-${process.pid}-${i}`,
    order_no: `ch-${tag}-${i}`,
    Id: String(1_000_000 + i),
    ItemId: '0',
    RoleID: '47120000004',
    Time: 1676332979,
    UserID: `u${i % 5000}`,
    ZoneID: '4',
    currencyType: '2',
    cmdId: 1,
  };
  if (withFanli) o.fanli = '0';
  o.Sign = md5(`${o.Amount}${o.UserID}${o.ZoneID}${o.cporder_no}${o.order_no}${o.Time}${withFanli ? o.fanli : ''}${KEY}`);
  return o;
}

async function startServer(redisUrl: string, keepAlive: boolean) {
  const port = await freePort();
  const socketPort = await freePort();
  const proc = spawnTs('bench/rechargeServer.ts', { REDIS_URL: redisUrl, PORT: String(port), SOCKET_PORT: String(socketPort), KEEP_ALIVE: keepAlive ? '1' : '0' });
  await waitFor('bench server', () => (proc.output().includes('ready') ? true : proc.proc.exitCode !== null ? Promise.reject(new Error(proc.output())) : undefined), 30_000);
  return { proc, port, socketPort };
}

export async function benchRechargeHttp(redisUrl: string, durationMs = 5000): Promise<Record<string, Figure>> {
  const { proc, port } = await startServer(redisUrl, false);
  try {
    const common = { connections: 64, durationMs, warmupMs: 1000 };
    const baseline = await runLoad({
      ...common,
      url: `http://127.0.0.1:${port}/bench/setnx`,
      body: (i) => ({ method: 'POST', body: JSON.stringify(rechargeOrder(i, 'base', true)), headers: { 'content-type': 'application/json' } }),
      ok: (status) => status === 200,
    });
    const full = await runLoad({
      ...common,
      url: `http://127.0.0.1:${port}/platform/recharge`,
      body: (i) => ({ method: 'POST', body: JSON.stringify(rechargeOrder(i, 'http', true)), headers: { 'content-type': 'application/json' } }),
      ok: (status, body) => status === 200 && body.includes('\\"ret\\":1'),
    });
    if (full.failures) throw new Error(`recharge HTTP bench: ${full.failures} answers were not success, first: ${full.firstFailure}`);
    const ratio = full.perSecond / baseline.perSecond;
    return {
      recharge_http_ratio: { value: full.perSecond, unit: 'req/s', baseline: baseline.perSecond, ratio, target: '≥ 0.75', ok: ratio >= 0.75 },
      recharge_http_p99_ms: { value: full.p99Ms, unit: 'ms', baseline: baseline.p99Ms, ratio: full.p99Ms / baseline.p99Ms, target: '≤ 10', ok: full.p99Ms <= 10, note: `p50 ${full.p50Ms.toFixed(2)} ms; ${full.requests} orders in ${durationMs} ms at 64 connections` },
    };
  } finally {
    proc.kill('SIGTERM');
    await proc.exited();
  }
}

/** One order per connection (the default `keepAlive: false`), `connections` clients in a closed loop. */
async function socketRound(port: number, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('connect', () => s.end(body));
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export async function benchRechargeSocket(redisUrl: string, durationMs = 5000, connections = 64): Promise<Figure> {
  const { proc, socketPort } = await startServer(redisUrl, false);
  try {
    let i = 0;
    let failures = 0;
    let first: string | undefined;
    const phase = async (ms: number) => {
      let done = 0;
      const until = performance.now() + ms;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (performance.now() < until) {
            const reply = await socketRound(socketPort, Buffer.from(JSON.stringify(rechargeOrder(i++, 'sock', false)) + '\n'));
            if (!/"ret":1\b/.test(reply)) {
              failures++;
              first ??= reply;
            } else done++;
          }
        }),
      );
      return (done / (performance.now() - started)) * 1000;
    };
    await phase(1000);
    failures = 0;
    const perSecond = await phase(durationMs);
    if (failures) throw new Error(`recharge socket bench: ${failures} replies were not success, first: ${first}`);
    return { value: perSecond, unit: 'orders/s', target: '≥ 10,000', ok: perSecond >= 10_000, note: `one order per connection (keepAlive false, the default), ${connections} clients` };
  } finally {
    proc.kill('SIGTERM');
    await proc.exited();
  }
}
