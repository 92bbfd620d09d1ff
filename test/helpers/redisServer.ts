/**
 * A throwaway redis-server per suite: a free loopback port, no persistence, stopped (and its port
 * released) in `after`. `restart()` stops and starts it on the same port, for "Redis went away" tests.
 * `new RedisServer({ replicaOf: primary })` starts a replica of another one (`--replicaof`), for failover tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { freePort } from './ports.js';

const CANDIDATES = [process.env.REDIS_SERVER_BIN, '/usr/bin/redis-server', '/usr/local/bin/redis-server', '/usr/sbin/redis-server'];

function binary(): string {
  for (const c of CANDIDATES) if (c && existsSync(c)) return c;
  throw new Error('redis-server not found: install it (apt-get install -y redis-server) or set REDIS_SERVER_BIN');
}

export interface RedisServerOptions {
  /** Start as a replica of this (running) server. */
  replicaOf?: RedisServer;
  /** More redis-server arguments (e.g. `--cluster-enabled yes` for CLUSTER KEYSLOT). */
  args?: string[];
}

export class RedisServer {
  private proc?: ChildProcess;
  private dir?: string;
  port = 0;

  constructor(private readonly opts: RedisServerOptions = {}) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async start(port?: number): Promise<this> {
    this.port = port ?? this.port ?? 0;
    if (!this.port) this.port = await freePort();
    this.dir ??= mkdtempSync(join(tmpdir(), 'pb-redis-'));
    const proc = spawn(
      binary(),
      [
        ...['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--loglevel', 'warning', '--daemonize', 'no'],
        ...(this.opts.replicaOf ? ['--replicaof', '127.0.0.1', String(this.opts.replicaOf.port), '--repl-diskless-load', 'on-empty-db'] : []),
        ...(this.opts.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc = proc;
    let output = '';
    proc.stdout!.on('data', (d) => (output += d));
    proc.stderr!.on('data', (d) => (output += d));
    await waitForPing(this.port, proc, () => output);
    return this;
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGKILL');
    await once(proc, 'exit');
  }

  /** SIGSTOP: the process stays, its sockets stay open, nothing is answered (a frozen Redis or replica). */
  pause(): void {
    this.proc?.kill('SIGSTOP');
  }

  resume(): void {
    this.proc?.kill('SIGCONT');
  }

  /** Sends a command over a fresh connection and resolves with its raw RESP reply text. */
  async command(...args: string[]): Promise<string> {
    const { Socket } = await import('node:net');
    return new Promise<string>((resolve, reject) => {
      const s = new Socket();
      let out = '';
      s.setTimeout(2000, () => (s.destroy(), reject(new Error(`redis ${this.port}: no answer to ${args[0]}`))));
      s.once('error', reject);
      s.connect(this.port, '127.0.0.1', () => s.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
      s.on('data', (d) => {
        out += d.toString();
        // a bulk reply is complete once its announced length has arrived; simple replies end at the first CRLF
        const bulk = /^\$(-?\d+)\r\n/.exec(out);
        const done = bulk ? Number(bulk[1]) < 0 || Buffer.byteLength(out) >= bulk[0].length + Number(bulk[1]) + 2 : out.endsWith('\r\n');
        if (done) {
          s.destroy();
          resolve(out);
        }
      });
    });
  }

  /** A replica: resolves once its link to the primary is up and the initial sync is done (bounded). */
  async waitForSync(deadlineMs = 10_000): Promise<void> {
    const until = Date.now() + deadlineMs;
    let last = '';
    while (Date.now() < until) {
      last = await this.command('INFO', 'replication').catch((e: Error) => e.message);
      if (/master_link_status:up/.test(last) && /master_sync_in_progress:0/.test(last)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`replica on ${this.port} did not sync within ${deadlineMs} ms: ${last}`);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start(this.port);
  }

  async dispose(): Promise<void> {
    await this.stop();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/** Polls with PING until the server answers, up to a deadline; fails early if the process exits. */
async function waitForPing(port: number, proc: ChildProcess, output: () => string, deadlineMs = 10_000): Promise<void> {
  const { Socket } = await import('node:net');
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode}): ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.setTimeout(500, () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1', () => s.write('PING\r\n'));
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer within ${deadlineMs} ms: ${output()}`);
}

/** mocha helper: one redis-server for the enclosing suite. */
export function useRedisServer(): RedisServer {
  const server = new RedisServer();
  before(async function () {
    this.timeout(20_000);
    await server.start();
  });
  after(async () => {
    await server.dispose();
  });
  return server;
}
