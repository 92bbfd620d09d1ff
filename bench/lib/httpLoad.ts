/**
 * A closed-loop HTTP load generator: `connections` keep-alive sockets, each sending its next request as
 * soon as the previous answer arrived, for a fixed duration after a warm-up. Reports throughput and
 * latency percentiles, and counts answers that were not the expected success.
 */
import http from 'node:http';

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  firstFailure?: string;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationMs: number;
  warmupMs: number;
  /** Builds request number `i` (a fresh order each time). */
  body: (i: number) => { method: string; body?: string; headers?: Record<string, string>; path?: string };
  /** Whether an answer counts as success. */
  ok: (status: number, body: string) => boolean;
  /**
   * Open loop: the total requests per second offered, spread evenly over the connections. A request that
   * a slow answer held back is timed from when it was due, so the wait is not hidden (no coordinated
   * omission); otherwise from when it was sent. Unset: closed loop, each connection sends when answered.
   */
  ratePerSec?: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const target = new URL(o.url);
  let seq = 0;
  const send = (i: number) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const r = o.body(i);
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          path: r.path ?? target.pathname + target.search,
          method: r.method,
          headers: { ...r.headers, ...(r.body ? { 'content-length': Buffer.byteLength(r.body) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (r.body) req.write(r.body);
      req.end();
    });

  const phase = async (ms: number, record: boolean) => {
    const lat: number[] = [];
    let failures = 0;
    let firstFailure: string | undefined;
    const until = performance.now() + ms;
    const interval = o.ratePerSec ? (o.connections / o.ratePerSec) * 1000 : 0;
    let workerNo = 0;
    const worker = async () => {
      // open loop: this connection's k-th request is due at start + offset + k·interval
      let due = performance.now() + (interval * workerNo++) / o.connections;
      let freeAt = 0;
      while (performance.now() < until) {
        if (interval) {
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        // a request held back by the previous answer counts from when it was due (no coordinated omission);
        // one merely sent late by this generator's own timer (1 ms granularity, its own pauses) counts from
        // when it was sent, as that lateness is not the server's
        const t0 = interval && freeAt > due ? due : performance.now();
        due += interval;
        try {
          const res = await send(seq++);
          if (!o.ok(res.status, res.body)) {
            failures++;
            firstFailure ??= `${res.status} ${res.body.slice(0, 200)}`;
          }
        } catch (err) {
          failures++;
          firstFailure ??= String(err);
        }
        freeAt = performance.now();
        if (record) lat.push(freeAt - t0);
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: o.connections }, worker));
    return { lat, failures, firstFailure, elapsed: performance.now() - started };
  };

  await phase(o.warmupMs, false);
  const { lat, failures, firstFailure, elapsed } = await phase(o.durationMs, true);
  agent.destroy();
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? NaN;
  return { requests: lat.length, perSecond: (lat.length / elapsed) * 1000, p50Ms: pct(0.5), p99Ms: pct(0.99), failures, firstFailure };
}
