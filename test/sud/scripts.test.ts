/**
 * SUD's record and complete steps on Redis and on the in-process store: the same notifications (new,
 * leased to the recording process or left due, a duplicate notify_id, a second notification of a recorded
 * match, a room report, a notification without a job, one of a match only a tombstone remembers) give the
 * same replies and leave the same data; completing a job keeps its record and leaves a tombstone.
 */
import assert from 'node:assert/strict';
import { MemoryStore, RedisStore, type Store } from '../../src/store/index.js';
import { completeScript, recordScript } from '../../src/platforms/sud/scripts.js';
import { CapturingLogger } from '../helpers/logs.js';
import { leaseEnds, maskLeaseEnds } from '../helpers/leaseClock.js';
import { useRedisServer } from '../helpers/redisServer.js';

const T0 = 1_700_000_000_000;
const LEASE = 30_000;
const TTL = 86_400_000;

async function story(store: Store, prefix: string): Promise<unknown[]> {
  const notify = (id: string) => `${prefix}notify:${id}`;
  const job = (id: string) => `${prefix}job:${id}`;
  const tomb = (m: string) => `${prefix}t:s:${m}`;
  const due = `${prefix}due`;
  const seen: unknown[] = [];
  const record = async (label: string, keys: string[], args: Array<string | number>) => {
    const reply = await store.run(recordScript, keys, args);
    const data: Record<string, unknown> = { due: await store.zrangeByScore(due, -Infinity, Infinity) };
    for (const k of [notify('n1'), notify('n2'), notify('n3'), notify('n4'), notify('n9'), job('settle:m1'), job('settle:m2'), job('settle:m3'), job('settle:m9')]) {
      data[k.slice(prefix.length)] = Object.fromEntries(Object.entries(await store.hgetall(k)).sort());
    }
    data.ttl = (await store.pttl(notify('n1'))) > 0;
    seen.push({ label, reply, data });
  };
  const sud = (n: string, m: string, now: number, leaseMs: number) =>
    record(
      `notify ${n} of ${m}, lease ${leaseMs}`,
      [notify(n), job(`settle:${m}`), due, tomb(m)],
      [now, n, `{"notify_id":"${n}"}`, 'sud.mg.merchant.match.settle', `settle:${m}`, 'settle', m, '', 'sud', '9010', TTL, '1', leaseMs],
    );

  await sud('n1', 'm1', T0, 0);
  await sud('n2', 'm2', T0 + 1, LEASE);
  await sud('n1', 'm1', T0 + 2, LEASE);
  await sud('n3', 'm2', T0 + 3, LEASE);
  await record(
    'room report of m3, leased',
    [job('settle:m3'), job('settle:m3'), due, tomb('m3')],
    [T0 + 4, '', '', '', 'settle:m3', 'settle', 'm3', '{"matchId":"m3"}', 'room', '77', TTL, '1', LEASE],
  );
  await record('room report of m3 again', [job('settle:m3'), job('settle:m3'), due, tomb('m3')], [T0 + 5, '', '', '', 'settle:m3', 'settle', 'm3', '{"matchId":"m3"}', 'room', '77', TTL, '1', LEASE]);
  await record('a notification without a job', [notify('n4'), notify('n4'), due, notify('n4')], [T0 + 6, 'n4', '{"notify_id":"n4"}', 'sud.mg.other', '', '', '', '', 'sud', '', TTL, '0', 0]);
  // m9 finished long ago: its record expired, its tombstone lives
  await store.set(tomb('m9'), '1', { px: TTL });
  await sud('n9', 'm9', T0 + 7, LEASE);
  await record('room report of m9', [job('settle:m9'), job('settle:m9'), due, tomb('m9')], [T0 + 8, '', '', '', 'settle:m9', 'settle', 'm9', '{"matchId":"m9"}', 'room', '77', TTL, '1', LEASE]);
  return seen;
}

describe('SUD record script: Lua and in-process twin agree', function () {
  const redis = useRedisServer();

  it('records due or leased, and tells duplicates apart, alike on both stores', async () => {
    const memory = new MemoryStore();
    const onRedis = new RedisStore({ connection: redis.url, logger: new CapturingLogger() });
    try {
      const before = Date.now();
      const expected = await story(memory, 'sudrec:');
      const onRedisStory = await story(onRedis, 'sudrec:');
      // lease ends are on each store's own clock: equal once masked, and each within the run
      const ends = leaseEnds([expected, onRedisStory]);
      assert.ok(ends.length > 0 && ends.every((e) => e >= before + LEASE && e <= Date.now() + LEASE), `lease ends ${ends.map((e) => e - before)}`);
      assert.deepEqual(maskLeaseEnds(onRedisStory), maskLeaseEnds(expected));

      const replies = expected.map((e) => (e as { reply: unknown }).reply);
      assert.deepEqual(replies, [
        { outcome: 'new', state: 'pending' },
        { outcome: 'new', state: 'running' },
        { outcome: 'duplicate-notify', state: 'settle:m1' },
        { outcome: 'duplicate-job', state: 'running' },
        { outcome: 'new', state: 'running' },
        { outcome: 'duplicate-job', state: 'running' },
        { outcome: 'new', state: 'none' },
        { outcome: 'duplicate-tombstone', state: 'done' },
        { outcome: 'duplicate-tombstone', state: 'done' },
      ]);
      const last = (expected.at(-1) as { data: Record<string, unknown> }).data;
      const m1 = last['job:settle:m1'] as Record<string, string>;
      const m2 = last['job:settle:m2'] as Record<string, string>;
      assert.equal(m1.state, 'pending');
      assert.equal(m1.fence, '0');
      assert.equal(m2.state, 'running');
      assert.equal(m2.fence, '1');
      assert.equal(m2.notifyId, 'n2', 'the second notification of m2 did not touch its job');
      // due now when left for a claim; due when the lease ends when leased at recording
      assert.deepEqual(maskLeaseEnds(last.due), [
        { member: 'settle:m1', score: T0 },
        { member: 'settle:m2', score: 'lease end' },
        { member: 'settle:m3', score: 'lease end' },
      ]);
      assert.equal((last['notify:n3'] as Record<string, string>).job, 'settle:m2');
      // each body is stored once: in the job its notification created, else in the notification's own record
      assert.equal(m2.body, '{"notify_id":"n2"}');
      assert.equal(m2.payload, undefined);
      assert.equal((last['notify:n2'] as Record<string, string>).body, undefined);
      assert.equal((last['notify:n3'] as Record<string, string>).body, '{"notify_id":"n3"}');
      assert.equal((last['notify:n4'] as Record<string, string>).body, '{"notify_id":"n4"}');
      const m3 = last['job:settle:m3'] as Record<string, string>;
      assert.equal(m3.payload, '{"matchId":"m3"}');
      assert.equal(m3.body, undefined);
      assert.equal(last.ttl, true);
      // a match only its tombstone remembers: nothing recorded, nothing scheduled
      assert.deepEqual([last['notify:n9'], last['job:settle:m9']], [{}, {}]);
      assert.ok(!(last.due as Array<{ member: string }>).some((d) => d.member === 'settle:m9'));
    } finally {
      await onRedis.close();
    }
  });

  it('completes a job: done, out of the schedule, its record kept recordMs and a tombstone dedupeMs', async () => {
    const RECORD = 3_600_000;
    const DEDUPE = 7_200_000;
    const run = async (store: Store) => {
      const job = 'sudcomp:job:settle:m1';
      const tomb = 'sudcomp:t:s:m1';
      await store.hset(job, { state: 'running', fence: '2', attempts: '1', kind: 'settle' });
      await store.zadd('sudcomp:due', [[T0, 'settle:m1']]);
      const stale = await store.run(completeScript, [job, 'sudcomp:due', tomb], [T0, 1, 'settle:m1', RECORD, DEDUPE]);
      const ok = await store.run(completeScript, [job, 'sudcomp:due', tomb], [T0 + 1, 2, 'settle:m1', RECORD, DEDUPE, 'handled', '1', 'delivered', '0']);
      const jobTtl = await store.pttl(job);
      const tombTtl = await store.pttl(tomb);
      return {
        stale,
        ok,
        job: Object.fromEntries(Object.entries(await store.hgetall(job)).sort()),
        due: await store.zcard('sudcomp:due'),
        tombstone: await store.get(tomb),
        jobTtl: jobTtl > RECORD - 5000 && jobTtl <= RECORD,
        tombTtl: tombTtl > DEDUPE - 5000 && tombTtl <= DEDUPE,
      };
    };
    const onRedis = new RedisStore({ connection: redis.url, logger: new CapturingLogger() });
    try {
      const expected = await run(new MemoryStore());
      assert.deepEqual(await run(onRedis), expected);
      assert.deepEqual(expected, {
        stale: false,
        ok: true,
        job: { attempts: '2', delivered: '0', doneAt: String(T0 + 1), fence: '2', handled: '1', kind: 'settle', state: 'done', updatedAt: String(T0 + 1) },
        due: 0,
        tombstone: '1',
        jobTtl: true,
        tombTtl: true,
      });
    } finally {
      await onRedis.close();
    }
  });
});
