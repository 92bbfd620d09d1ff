/**
 * One request stream shared by two servers: each of `workers` keep-alive connections pairs sends to the
 * servers in turn (a, b, a, b…; half the workers start with b), so both are offered the same load at the same
 * moments. On a shared machine whatever else runs then hits both alike, which separate or alternating
 * rounds cannot promise: neighbours change within a second.
 */
import http from 'node:http';

export interface PairedTarget {
  port: number;
  path: string;
}

export interface PairedOptions {
  targets: readonly [PairedTarget, PairedTarget];
  workers: number;
  /** Request body number `i` for target `k` (a fresh order each time). */
  body: (i: number, k: 0 | 1) => string;
  ok: (status: number, body: string) => boolean;
}

export interface PairedPhase {
  /** Answers received per target. */
  answered: [number, number];
  /** Median time to answer per target, ms. */
  p50Ms: [number, number];
  elapsedMs: number;
  failures: number;
  firstFailure?: string;
}

export class PairedLoad {
  private readonly agents: [http.Agent, http.Agent];
  private seq = 0;

  constructor(private readonly o: PairedOptions) {
    this.agents = [new http.Agent({ keepAlive: true, maxSockets: o.workers }), new http.Agent({ keepAlive: true, maxSockets: o.workers })];
  }

  /** Runs the stream for `ms`; `onStart` runs just before the first request (e.g. to read the servers' CPU time). */
  async run(ms: number, onStart?: () => void): Promise<PairedPhase> {
    const lat: [number[], number[]] = [[], []];
    let failures = 0;
    let firstFailure: string | undefined;
    onStart?.();
    const started = performance.now();
    const until = started + ms;
    const worker = async (w: number) => {
      let k: 0 | 1 = w % 2 === 0 ? 0 : 1;
      while (performance.now() < until) {
        const t0 = performance.now();
        try {
          const res = await this.send(k);
          if (!this.o.ok(res.status, res.body)) {
            failures++;
            firstFailure ??= `${res.status} ${res.body.slice(0, 200)}`;
          }
        } catch (err) {
          failures++;
          firstFailure ??= String(err);
        }
        lat[k].push(performance.now() - t0);
        k = k === 0 ? 1 : 0;
      }
    };
    await Promise.all(Array.from({ length: this.o.workers }, (_, w) => worker(w)));
    const elapsedMs = performance.now() - started;
    const p50 = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
    return { answered: [lat[0].length, lat[1].length], p50Ms: [p50(lat[0]), p50(lat[1])], elapsedMs, failures, ...(firstFailure ? { firstFailure } : {}) };
  }

  close(): void {
    for (const a of this.agents) a.destroy();
  }

  private send(k: 0 | 1): Promise<{ status: number; body: string }> {
    const target = this.o.targets[k];
    const body = this.o.body(this.seq++, k);
    return new Promise((resolve, reject) => {
      const req = http.request(
        { agent: this.agents[k], host: '127.0.0.1', port: target.port, path: target.path, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}
