/**
 * One SUD settlement notification posted 200 times at once, half to this process and half to a second
 * process on the same Redis: every post is answered SUCCESS, and the settlement handler runs once in total.
 * And a process killed while it runs a settlement it leased when recording it: another process takes it over.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { installSud, parseSudOptions, type SudService } from '../../src/platforms/sud/index.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { spawnTs, waitFor, within, type Spawned } from '../helpers/processes.js';
import { bootHarness, type Harness } from './harness.js';
import { APP_ID, APP_SECRET, SUCCESS_TEXT, post, signed, specExample } from './support.js';

describe('SUD across processes', function () {
  this.timeout(60_000);
  let probe: Redis;
  let here: Harness<SudService> | undefined;
  let child: Spawned | undefined;
  after(async () => {
    if (child) {
      child.kill('SIGTERM');
      await within(10_000, 'child exit', child.exited()).catch(() => child!.kill('SIGKILL'));
    }
    await here?.close();
    probe?.disconnect();
  });
  const redis = useRedisServer();
  const runsKey = `runs:${Date.now()}`;

  it('200 concurrent copies over two processes: 200 SUCCESS answers, one settlement run', async () => {
    probe = new Redis(redis.url);
    child = spawnTs('test/sud/fixtures/sud-process.ts', { REDIS_URL: redis.url, RUNS_KEY: runsKey, APP_ID, APP_SECRET });
    here = await bootHarness({ redis: redis.url }, (ctx) =>
      installSud(
        ctx,
        parseSudOptions({
          appId: APP_ID,
          appSecret: APP_SECRET,
          worker: { pollIntervalMs: 20 },
          onSettlement: async (s, hctx) => {
            await probe.rpush(runsKey, `${process.pid}:${hctx.idempotencyKey}:${hctx.attempt}`);
          },
        }),
      ),
    );
    const childUrl = await waitFor('child listening', () => /listening (\S+)/.exec(child!.output())?.[1], 30_000);

    const req = signed(JSON.stringify(specExample('mp-notify-1', 'mp-match-1')));
    const urls = [`${here.baseUrl}/platform/sud/notify`, `${childUrl}/platform/sud/notify`];
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => post(urls[i % 2]!, req)));
    assert.deepEqual(
      answers.map((a) => `${a.status} ${a.text}`),
      Array.from({ length: 200 }, () => `200 ${SUCCESS_TEXT}`),
    );

    await waitFor('settled', async () => ((await probe.hget('platform:{sud}:job:settle:mp-match-1', 'state')) === 'done' ? true : undefined));
    const runs = await probe.lrange(runsKey, 0, -1);
    assert.equal(runs.length, 1, `one run in total, got ${JSON.stringify(runs)}`);
    assert.match(runs[0]!, /^\d+:mp-match-1:1$/);
    assert.equal(await probe.hget('platform:{sud}:job:settle:mp-match-1', 'attempts'), '1');
    assert.equal(await probe.exists('platform:{sud}:notify:mp-notify-1'), 1);
  });

  it('a process killed mid-settlement: another process takes the job over when its lease ends (attempt 2), and it is done once', async () => {
    const doomed = spawnTs('test/sud/fixtures/sud-process.ts', { REDIS_URL: redis.url, RUNS_KEY: runsKey, APP_ID, APP_SECRET, HANG: '1', LEASE_MS: '500' });
    try {
      const doomedUrl = await waitFor('doomed child listening', () => /listening (\S+)/.exec(doomed.output())?.[1], 30_000);
      const answer = await post(`${doomedUrl}/platform/sud/notify`, signed(JSON.stringify(specExample('kill-notify-1', 'kill-match-1'))));
      assert.equal(`${answer.status} ${answer.text}`, `200 ${SUCCESS_TEXT}`);
      await waitFor('handler started in the doomed process', async () => ((await probe.lrange(runsKey, 0, -1)).some((r) => r.includes(':kill-match-1:')) ? true : undefined));
      doomed.kill('SIGKILL');
      await doomed.exited();
    } finally {
      doomed.kill('SIGKILL');
    }
    // the processes of the test above (polling every 20 ms) run it once the lease is over
    const job = 'platform:{sud}:job:settle:kill-match-1';
    await waitFor('taken over and settled', async () => ((await probe.hget(job, 'state')) === 'done' ? true : undefined));
    const runs = (await probe.lrange(runsKey, 0, -1)).filter((r) => r.includes(':kill-match-1:'));
    // either survivor (this process or the first test's child) may be the one that takes it over
    assert.equal(runs.length, 2, JSON.stringify(runs));
    assert.equal(runs[0], `${doomed.proc.pid}:kill-match-1:1`);
    assert.match(runs[1]!, /^\d+:kill-match-1:2$/);
    assert.notEqual(runs[1]!.split(':')[0], String(doomed.proc.pid));
    assert.equal(await probe.hget(job, 'attempts'), '1', 'one recorded outcome: the dead run recorded nothing');
    assert.equal(await probe.hget(job, 'fence'), '2');
  });
});
