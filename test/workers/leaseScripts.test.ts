/**
 * The lease steps are built per queue from a few switches, so each switch setting must give a Lua body and
 * an in-process twin that agree: the same story on Redis and on the in-process store must give the same
 * replies and leave the same data.
 */
import assert from 'node:assert/strict';
import { MemoryStore, RedisStore, type Store } from '../../src/store/index.js';
import { inPlaceLeaseClaim, leaseScripts, type LeaseQueueSpec } from '../../src/workers/lease/scripts.js';
import { CapturingLogger } from '../helpers/logs.js';
import { leaseEnds, maskLeaseEnds } from '../helpers/leaseClock.js';
import { useRedisServer } from '../helpers/redisServer.js';

const SPECS: LeaseQueueSpec[] = [
  { name: 'test_lease_holder', leased: 'granting', recordsHolder: true, returnsHash: false },
  { name: 'test_lease_hash', leased: 'running', recordsHolder: false, returnsHash: true },
];

const T0 = 1_700_000_000_000;
/** Lease ends are on the store's clock (real time here); everything else runs on fixed times in 2023. */
const LEASE = 1500;

/** Resolves once the real clock (which both stores read) has passed `at`. */
async function clockPast(at: number): Promise<void> {
  while (Date.now() <= at) await new Promise((r) => setTimeout(r, Math.max(1, at + 1 - Date.now())));
}

/**
 * Claims, takeovers, renewals, stale and current failures, giving up and retrying, with each reply and the
 * data after it. Lease ends are masked: they differ between the stores by the milliseconds between runs.
 */
async function story(store: Store, spec: LeaseQueueSpec, prefix: string): Promise<{ seen: unknown[]; ends: number[] }> {
  const s = leaseScripts(spec);
  const item = `${prefix}item:`;
  const due = `${prefix}due`;
  const gaveUp = `${prefix}given-up`;
  const members = ['a', 'b', 'c', 'done'];
  for (const [i, m] of members.entries()) {
    await store.hset(item + m, { state: m === 'done' ? 'finished' : 'pending', fence: 0, attempts: 0, payload: `p-${m}` });
    await store.zadd(due, [[T0 + i, m]]);
  }
  const seen: unknown[] = [];
  const ends: number[] = [];
  const step = async (label: string, reply: Promise<unknown>) => {
    const data: Record<string, unknown> = { due: await store.zrangeByScore(due, -Infinity, Infinity), gaveUp: await store.zrangeByScore(gaveUp, -Infinity, Infinity) };
    for (const m of members) data[m] = Object.fromEntries(Object.entries(await store.hgetall(item + m)).sort());
    const r = await reply;
    ends.push(...leaseEnds(data));
    seen.push({ label, reply: r, data: maskLeaseEnds(data) });
  };
  const claim = (now: number, limit: number, owner: string) => store.run(s.claim, [due], [now, limit, LEASE, item, owner]);
  const keys = (m: string) => [item + m, due];
  const failKeys = (m: string) => [item + m, due, gaveUp];

  await step('claim two', claim(T0 + 10, 2, 'p1'));
  const claimedBy = Date.now();
  // a long renewal for a: it stays held through the takeover below
  await step('renew under the fence', store.run(s.renew, keys('a'), [T0 + 20, 1, 'a', 600_000]));
  await step('renew under a stale fence', store.run(s.renew, keys('a'), [T0 + 20, 7, 'a', LEASE]));
  await step('claim the rest; the finished one leaves the schedule', claim(T0 + 30, 10, 'p1'));
  // a caller whose clock is far ahead sees every lease as ended; the store's clock says none has
  await step('a fast caller clock takes nothing over', claim(T0 + 10 * 365 * 86_400_000, 10, 'p9'));
  await clockPast(claimedBy + LEASE);
  // b's lease (from the first claim) ends before c's; a's renewal holds it far longer
  await step('take over after the lease ends on the store clock', claim(T0 + 40, 1, 'p2'));
  await step('fail under the lost fence', store.run(s.fail, failKeys('b'), [T0 + 5001, 1, 'b', 'late', T0 + 6000, 2]));
  await step('fail under the current fence', store.run(s.fail, failKeys('b'), [T0 + 5002, 2, 'b', 'boom', T0 + 6000, 2]));
  await step('retry one that is not given up', store.run(s.retry, failKeys('b'), [T0 + 5003, 'b']));
  // one: c's lease may have ended meanwhile, and b, due at a 2023 time, comes first
  await step('claim it again when due', claim(T0 + 6000, 1, 'p3'));
  await step('fail once more: given up', store.run(s.fail, failKeys('b'), [T0 + 6001, 3, 'b', 'boom again', T0 + 7000, 2]));
  await step('retry it', store.run(s.retry, failKeys('b'), [T0 + 6002, 'b']));
  return { seen, ends };
}

describe('lease scripts: Lua and in-process twin agree for every queue setting', function () {
  const redis = useRedisServer();
  let prefixes = 0;

  for (const spec of SPECS) {
    it(`holder ${spec.recordsHolder ? 'recorded' : 'not recorded'}, hash ${spec.returnsHash ? 'returned' : 'not returned'}`, async () => {
      const memory = new MemoryStore();
      const onRedis = new RedisStore({ connection: redis.url, logger: new CapturingLogger() });
      try {
        const prefix = `lease${++prefixes}:`;
        const before = Date.now();
        const { seen: expected, ends } = await story(memory, spec, prefix);
        const onRedisStory = await story(onRedis, spec, prefix);
        assert.deepEqual(onRedisStory.seen, expected);
        // every lease end is the store's clock plus the lease given, never the caller's 2023 times
        for (const end of [...ends, ...onRedisStory.ends]) assert.ok(end >= before + LEASE && end <= Date.now() + 600_000, `lease end ${end - before}`);

        const claimed = (expected[0] as { reply: Array<{ id: string; hash?: Record<string, string> }> }).reply;
        assert.deepEqual(
          claimed.map((c) => c.id),
          ['a', 'b'],
        );
        assert.equal(claimed[0]!.hash !== undefined, spec.returnsHash);
        const a = (expected[0] as { data: { a: Record<string, string> } }).data.a;
        assert.equal(a.state, spec.leased);
        assert.equal(a.leaseOwner === 'p1', spec.recordsHolder);
        const replies = expected.map((e) => (e as { reply: unknown }).reply);
        assert.deepEqual(replies.slice(1, 3), [true, false]);
        assert.deepEqual(replies[4], [], 'nothing taken over on the caller clock alone');
        assert.deepEqual(
          (replies[5] as Array<{ id: string; fence: number; previous: string }>).map((c) => [c.id, c.fence, c.previous]),
          [['b', 2, spec.leased]],
        );
        assert.deepEqual(replies.slice(6, 9), ['stale', 'rescheduled', false]);
        assert.deepEqual(replies.slice(10), ['given_up', true]);
        const b = (expected.at(-1) as { data: { b: Record<string, string> } }).data.b;
        assert.equal(b.state, 'pending');
        assert.equal(b.attempts, '0');
        assert.equal(b.leaseOwner, undefined);
      } finally {
        await onRedis.close();
      }
    });
  }

  /**
   * Queues that keep their states while leased (GameCenter's orders and transfers): only the claim is shared.
   * Pending work is due on the caller's clock; a live lease is not taken however far the caller's clock runs.
   */
  it('in place: states kept, several claimable, asked fields returned, leases on the store clock', async () => {
    const claim = inPlaceLeaseClaim({ name: 'test_lease_in_place', claimable: ['open', 'reporting'], returnsFields: ['createdAt', 'missing'] });
    const memory = new MemoryStore();
    const onRedis = new RedisStore({ connection: redis.url, logger: new CapturingLogger() });
    const story = async (store: Store, prefix: string) => {
      const item = `${prefix}t:`;
      const due = `${prefix}due`;
      for (const [i, [m, state]] of [
        ['a', 'open'],
        ['b', 'reporting'],
        ['c', 'reported'],
        ['d', 'open'],
      ].entries()) {
        await store.hset(item + m, { state: state!, fence: 0, createdAt: T0 + i });
        await store.zadd(due, [[m === 'd' ? T0 + 100 : T0 + i, m!]]);
      }
      const seen: unknown[] = [];
      const run = async (now: number, leaseMs: number) => {
        const reply = await store.run(claim, [due], [now, 10, leaseMs, item]);
        const data: Record<string, unknown> = { due: await store.zrangeByScore(due, -Infinity, Infinity) };
        for (const m of ['a', 'b', 'c', 'd']) data[m] = await store.hgetall(item + m);
        seen.push(maskLeaseEnds({ reply, data }));
        return reply;
      };
      const before = Date.now();
      const first = await run(T0 + 10, 600_000);
      for (const end of leaseEnds(seen[0])) assert.ok(end >= before + 600_000 && end <= Date.now() + 600_000);
      // d is due at T0 + 100 on the caller's clock: not yet, though the store's clock (real time) is far past it
      assert.deepEqual(
        first.map((c) => [c.id, c.fence, c.previous, c.hash]),
        [
          ['a', 1, 'open', { createdAt: String(T0) }],
          ['b', 1, 'reporting', { createdAt: String(T0 + 1) }],
        ],
      );
      const far = await run(T0 + 20 * 365 * 86_400_000, 600_000);
      assert.deepEqual(
        far.map((c) => c.id),
        ['d'],
        'a caller clock 20 years ahead takes the due d, and neither live lease',
      );
      return seen;
    };
    try {
      const prefix = `lease${++prefixes}:`;
      const expected = await story(memory, prefix);
      assert.deepEqual(await story(onRedis, prefix), expected);
      const data = (expected[0] as { data: Record<string, Record<string, string>> }).data;
      assert.deepEqual(
        [data.a!.state, data.b!.state, data.c, data.a!.updatedAt],
        ['open', 'reporting', { state: 'reported', fence: '0', createdAt: String(T0 + 2) }, undefined],
        'states kept, nothing but the fence written, the finished one untouched',
      );
      assert.deepEqual(
        (expected[0] as { data: { due: Array<{ member: string }> } }).data.due.map((d) => d.member),
        ['d', 'a', 'b'],
        'c left the schedule',
      );
    } finally {
      await onRedis.close();
    }
  });
});
