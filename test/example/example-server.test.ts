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

  describe('trial secrets', () => {
    const refused = async (env: Record<string, string>, why: RegExp) => {
      const proc = spawnTs('example-server/index.ts', { PORT: String(await freePort()), RECHARGE_SOCKET_PORT: String(await freePort()), ...env });
      running.push(proc);
      const { code } = await within(15_000, 'exit on trial secrets', proc.exited());
      assert.equal(code, 1, proc.output());
      assert.match(proc.output(), why);
      assert.match(proc.output(), /trial secrets published in README\.md.*ALLOW_TRIAL_SECRETS=1/s);
      assert.doesNotMatch(proc.output(), /example server listening/);
    };

    it('refuses to start with the trial secrets under NODE_ENV=production', () =>
      refused({ REDIS_URL: '', NODE_ENV: 'production' }, /refusing to start: NODE_ENV=production, but RECHARGE_KEY, GIFT_KEY/));

    it('refuses to start with the trial secrets on a non-loopback HOST', () => refused({ REDIS_URL: '', HOST: '0.0.0.0' }, /refusing to start: HOST=0\.0\.0\.0 is reachable from other machines/));

    it('starts anyway with ALLOW_TRIAL_SECRETS=1, and binds 127.0.0.1 when HOST is unset', async () => {
      const { proc, port } = await startExample({ REDIS_URL: '', NODE_ENV: 'production', ALLOW_TRIAL_SECRETS: '1' });
      running.push(proc);
      assert.match(proc.output(), /trial secrets in use/);
      assert.match(proc.output(), /"http":"http:\/\/127\.0\.0\.1:/);
      const bound = await fetch(`http://127.0.0.1:${port}/platform/health`);
      assert.equal(bound.status, 200);
      proc.kill('SIGTERM');
      await within(15_000, 'exit after SIGTERM', proc.exited());
    });
  });
});
