import assert from 'node:assert/strict';
import { freePort } from '../helpers/ports.js';
import { spawnTs, waitFor, within, type Spawned } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';

async function startExample(env: Record<string, string>): Promise<{ proc: Spawned; port: number }> {
  const port = await freePort();
  const proc = spawnTs('example-server/index.ts', { PORT: String(port), RECHARGE_SOCKET_PORT: String(await freePort()), ...env });
  await waitFor(`example server on ${port}`, async () => {
    if (proc.proc.exitCode !== null) throw new Error(`example server exited early:\n${proc.output()}`);
    const res = await fetch(`http://127.0.0.1:${port}/platform/health`);
    return res.status === 200 ? true : undefined;
  });
  return { proc, port };
}

describe('example server (npm start)', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  const running: Spawned[] = [];
  afterEach(() => running.splice(0).forEach((p) => p.kill()));

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`serves the health route on the in-process store and exits cleanly on ${signal}`, async () => {
      const { proc, port } = await startExample({ REDIS_URL: '' });
      running.push(proc);
      const body = (await (await fetch(`http://127.0.0.1:${port}/platform/health`)).json()) as any;
      assert.equal(body.store.kind, 'memory');
      assert.match(proc.output(), /trial secrets in use for RECHARGE_KEY/);
      proc.kill(signal);
      const { code } = await within(15_000, 'exit after ' + signal, proc.exited());
      assert.equal(code, 0, proc.output());
      assert.match(proc.output(), /platform bridge closed/);
    });
  }

  it('runs on Redis when REDIS_URL is set', async () => {
    const { proc, port } = await startExample({ REDIS_URL: redis.url, ZONE_ID: '42' });
    running.push(proc);
    const body = (await (await fetch(`http://127.0.0.1:${port}/platform/health`)).json()) as any;
    assert.deepEqual([body.store.kind, body.store.reachable, body.zoneId], ['redis', true, 42]);
    proc.kill('SIGTERM');
    const { code } = await within(15_000, 'exit after SIGTERM', proc.exited());
    assert.equal(code, 0, proc.output());
  });

  it('refuses a malformed environment value with a message naming it', async () => {
    const proc = spawnTs('example-server/index.ts', { PORT: 'eighty' });
    running.push(proc);
    const { code } = await within(15_000, 'exit on bad PORT', proc.exited());
    assert.notEqual(code, 0);
    assert.match(proc.output(), /PORT must be a non-negative integer/);
  });
});
