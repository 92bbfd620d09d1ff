/**
 * Delivery driven by the set of players with waiting grants, on a real redis-server: the scripts and their
 * in-process twins agree (inbox, waiting set, the notice published from inside the grant's step); a
 * player is in the set exactly while a grant waits for them; the sweep delivers a grant whose notice
 * nobody heard, and one a room's sink failed to take; and delivery stays within a second, on another
 * process and on join.
 */
import assert from 'node:assert/strict';
import { Client } from '@colyseus/sdk';
import { Redis } from 'ioredis';
import type { GrantDelivery } from '../../src/index.js';
import { LedgerKeys } from '../../src/ledger/keys.js';
import { completeScript } from '../../src/ledger/completeScript.js';
import { deliveredScript, inboxScript, waitingSinceScript } from '../../src/ledger/deliveryScripts.js';
import { KeySpace, MemoryStore, RedisStore, type Store } from '../../src/store/index.js';
import { bootRooms, type RoomsApp } from '../rooms/harness.js';
import { PlainRoom } from '../rooms/fixtures/rooms.js';
import { CapturingLogger } from '../helpers/logs.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { spawnTs, waitFor, within } from '../helpers/processes.js';

const delivery = (userId: string, key: string, grantedAt: number): GrantDelivery => ({ orderId: key.split(':')[1]!, dedupeKey: key, source: 'test', userId, amount: 5, grantedAt });

/** Records a grant the way the grant worker does (the order leased under fence 1), its notice on `channel`. */
async function complete(store: Store, k: LedgerKeys, userId: string, member: string, channel: string, at = 1000): Promise<boolean> {
  await store.hset(k.order(member), { state: 'granting', fence: '1', userId });
  const d = delivery(userId, member, at);
  return store.run(
    completeScript,
    [k.order(member), k.due, k.inbox(userId), k.waiting, k.shards, k.inbox(userId)],
    [at, 1, member, '{}', JSON.stringify(d), '{"event":"granted"}', 100, 86_400_000, 2 * 86_400_000, channel, userId, JSON.stringify({ userId, key: member }), '', 0],
  );
}

describe('delivery by the set of players with waiting grants', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  let n = 0;

  describe('scripts: Redis and the in-process twin agree', () => {
    async function story(store: Store): Promise<{ seen: unknown[]; heard: string[]; scores: number[] }> {
      const k = new LedgerKeys(store.keys);
      const heard: string[] = [];
      const off = await store.subscribe(k.channel, (m) => void heard.push(m));
      const seen: unknown[] = [];
      const scores: number[] = [];
      const waiting = async () => {
        const all = await store.zrangeByScore(k.waiting, -Infinity, Infinity);
        scores.push(...all.map((e) => e.score));
        return all.map((e) => e.member);
      };
      const from = Date.now();
      seen.push(await complete(store, k, 'ann', 'test:a1', k.channel), await complete(store, k, 'ann', 'test:a2', k.channel), await complete(store, k, 'bob', 'test:b1', k.channel));
      // a stale fence records nothing, publishes nothing
      await store.hset(k.order('test:stale'), { state: 'granting', fence: '2' });
      seen.push(
        await store.run(
          completeScript,
          [k.order('test:stale'), k.due, k.inbox('cid'), k.waiting, k.shards, k.inbox('cid')],
          [1, 1, 'test:stale', '{}', '{}', '{}', 100, 86_400_000, 2 * 86_400_000, k.channel, 'cid', '{"userId":"cid"}', '', 0],
        ),
      );
      seen.push(await waiting(), Object.keys(await store.hgetall(k.inbox('ann'))).sort());
      const since = await store.run(waitingSinceScript, [k.waiting], [from - 1, 10]);
      seen.push(
        since.users.map((u) => u.userId),
        since.clock >= from,
      );
      seen.push((await store.run(waitingSinceScript, [k.waiting], ['+inf', 10])).users, (await store.run(waitingSinceScript, [k.waiting], [since.clock + 60_000, 10])).users);
      seen.push((await store.run(waitingSinceScript, [k.waiting], ['-inf', 1])).users.map((u) => u.userId));
      // ann's first grant delivered: she still waits for the second; then for nothing
      seen.push(await store.run(deliveredScript, [k.inbox('ann'), k.order('test:a1'), k.waiting], ['test:a1', '{"event":"delivered"}', 100, 'ann']), await waiting());
      seen.push(await store.run(deliveredScript, [k.inbox('ann'), k.order('test:a2'), k.waiting], ['test:a2', '{"event":"delivered"}', 100, 'ann']), await waiting());
      seen.push(await store.run(deliveredScript, [k.inbox('ann'), k.order('test:a2'), k.waiting], ['test:a2', '{"event":"delivered"}', 100, 'ann']));
      // a member whose inbox is gone (expired, emptied by hand) leaves on the next read of it
      await store.del(k.inbox('bob'));
      seen.push(await store.run(inboxScript, [k.inbox('bob'), k.waiting], ['bob']), await waiting());
      await complete(store, k, 'dan', 'test:d1', k.channel);
      seen.push(Object.keys(await store.run(inboxScript, [k.inbox('dan'), k.waiting], ['dan'])), await waiting());
      const a1 = await store.hgetall(k.order('test:a1'));
      seen.push([a1.j1, a1.j2, a1.jn], a1.state);
      await waitFor('the notices', () => (heard.length >= 4 ? true : undefined), 5000, 5);
      await off();
      return { seen, heard, scores };
    }

    it('complete, delivered, inbox and waiting-since: same replies, same data, same notices', async () => {
      const prefix = `dw${++n}:`;
      const stores = [new RedisStore({ connection: redis.url, keys: new KeySpace(prefix), logger: new CapturingLogger() }), new MemoryStore(new KeySpace(prefix))];
      try {
        const before = Date.now();
        const [a, b] = [await story(stores[0]!), await story(stores[1]!)];
        assert.deepEqual(a.seen, b.seen);
        assert.deepEqual(a.heard, b.heard);
        assert.deepEqual(a.seen.slice(0, 6), [true, true, true, false, ['ann', 'bob'], ['test:a1', 'test:a2']]);
        assert.deepEqual(a.seen.slice(6, 10), [['ann', 'bob'], true, [], []]);
        assert.deepEqual(a.seen.slice(10, 16), [['ann'], 1, ['ann', 'bob'], 1, ['bob'], 0]);
        assert.deepEqual(a.seen.slice(16, 20), [{}, [], ['test:d1'], ['dan']]);
        assert.deepEqual(a.seen.slice(20), [['{"event":"granted"}', '{"event":"delivered"}', '2'], 'granted']);
        assert.deepEqual(
          a.heard,
          ['ann', 'ann', 'bob', 'dan'].map((u, i) => JSON.stringify({ userId: u, key: ['test:a1', 'test:a2', 'test:b1', 'test:d1'][i] })),
        );
        // scored on the store's clock (Redis TIME; the twin's own clock), not the caller's `now` (1000)
        for (const s of [...a.scores, ...b.scores]) assert.ok(s >= before && s <= Date.now(), `waiting score ${s}`);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });

  describe('on a bridge', () => {
    let app: RoomsApp | undefined;
    let probe: Redis;
    let keys: LedgerKeys;
    before(() => {
      probe = new Redis(redis.url);
    });
    after(() => probe.disconnect());
    afterEach(async () => {
      await app?.shutdown();
      app = undefined;
    });
    const boot = async (sweepMs: number) => {
      const prefix = `dwb${++n}:`;
      keys = new LedgerKeys(new KeySpace(prefix));
      app = await bootRooms({
        redis: redis.url,
        rooms: { plain: PlainRoom },
        bridge: { keyPrefix: prefix, ledger: { pollIntervalMs: 20, deliverySweepMs: sweepMs }, grant: async (o) => ({ items: [{ id: 'gem', n: o.amount }] }) },
      });
      return app;
    };
    const paid = (orderId: string, userId: string) => ({ source: 'test', orderId, userId, amount: 7, raw: {} });
    const waitingScore = (userId: string) => probe.zscore(keys.waiting, userId);

    it('a player is in the waiting set while a grant waits for them, and leaves it when it is delivered', async () => {
      const { bridge } = await boot(60_000);
      await bridge.ledger.accept(paid('w-1', 'wanda'));
      await bridge.ledger.accept(paid('w-2', 'wanda'));
      await waitFor('both granted', async () => ((await probe.hlen(keys.inbox('wanda'))) === 2 ? true : undefined));
      assert.notEqual(await waitingScore('wanda'), null, 'waiting while offline');
      const got: string[] = [];
      bridge.deliveries.attach('wanda', (d) => void got.push(d.orderId));
      await waitFor('delivered on attach', () => (got.length === 2 ? true : undefined));
      await waitFor('out of the waiting set', async () => ((await waitingScore('wanda')) === null ? true : undefined), 2000, 10);
      assert.equal(await probe.exists(keys.inbox('wanda')), 0);
      assert.deepEqual(got.sort(), ['w-1', 'w-2']);
    });

    it('a sink that offers a hand-over gets each grant in one step: kept until acknowledged, a send that failed stays kept', async () => {
      const { bridge, logger } = await boot(60_000);
      const keepKey = `${keys.orderPrefix.split('{')[0]}{ledger}:unacked:hana`;
      const sent: string[] = [];
      let present = true;
      const sink = Object.assign(() => assert.fail('a hand-over sink is not called as a plain sink'), {
        handOver: () => ({
          keepKey,
          keepMs: 60_000,
          send: (d: GrantDelivery) => {
            if (present) sent.push(d.orderId);
            return present;
          },
        }),
      });
      // another process holds the claim of h-1's delivery: the hand-over waits for it to end
      await probe.set(keys.deliveryClaim('test:h-1'), 'other-process', 'PX', 300);
      await bridge.ledger.accept(paid('h-1', 'hana'));
      await waitFor('granted', async () => ((await probe.hlen(keys.inbox('hana'))) === 1 ? true : undefined));
      const detach = bridge.deliveries.attach('hana', sink);
      await waitFor('handed over once the other claim ended', () => (sent.length ? true : undefined), 5000, 10);
      assert.ok((await probe.pttl(keys.deliveryClaim('test:h-1'))) === -2, 'the other claim had ended');
      assert.deepEqual(Object.keys(await probe.hgetall(keepKey)), ['test:h-1']);
      assert.ok((await probe.pttl(keepKey)) > 50_000);
      assert.equal(await probe.exists(keys.inbox('hana')), 0);
      assert.equal(await waitingScore('hana'), null);

      // the player is gone by the time of the send: the grant is not lost, it is kept for their next join
      present = false;
      await bridge.ledger.accept(paid('h-2', 'hana'));
      await waitFor('the unsent hand-over logged', () => (logger.find('a grant handed over was not sent', 'debug').length ? true : undefined), 5000, 10);
      assert.deepEqual(Object.keys(await probe.hgetall(keepKey)).sort(), ['test:h-1', 'test:h-2']);
      assert.equal(await probe.exists(keys.inbox('hana')), 0);
      assert.deepEqual(sent, ['h-1']);
      detach();
    });

    it('the sweep delivers a grant whose notice nobody heard', async () => {
      const { bridge } = await boot(150);
      const got: Array<{ d: GrantDelivery; at: number }> = [];
      bridge.deliveries.attach('mia', (d) => void got.push({ d, at: Date.now() }));
      // a grant recorded with its notice published where no process listens: a missed PUBLISH
      const other = new RedisStore({ connection: redis.url, keys: new KeySpace(keys.orderPrefix.split('{')[0]), logger: new CapturingLogger() });
      try {
        const recordedAt = Date.now();
        assert.equal(await complete(other, keys, 'mia', 'test:missed-1', 'nobody-listens'), true);
        await waitFor('the sweep delivered it', () => (got.length ? true : undefined), 5000, 10);
        assert.equal(got[0]!.d.dedupeKey, 'test:missed-1');
        assert.ok(got[0]!.at - recordedAt < 2000, `swept ${got[0]!.at - recordedAt} ms after it was recorded (deliverySweepMs 150)`);
        await waitFor('out of the waiting set', async () => ((await waitingScore('mia')) === null ? true : undefined), 2000, 10);
      } finally {
        await other.close();
      }
    });

    it('the sweep delivers again a grant a room failed to take, without the player joining again', async () => {
      const { bridge, logger } = await boot(150);
      let calls = 0;
      const got: string[] = [];
      bridge.deliveries.attach('sam', (d) => {
        if (++calls === 1) throw new Error('room busy');
        got.push(d.orderId);
      });
      await bridge.ledger.accept(paid('s-1', 'sam'));
      await waitFor('delivered by a later sweep', () => (got.length ? true : undefined), 5000, 10);
      assert.deepEqual([got, calls], [['s-1'], 2]);
      assert.equal(logger.find('room busy').length, 1);
      await waitFor('out of the waiting set', async () => ((await waitingScore('sam')) === null ? true : undefined), 2000, 10);
    });

    it('a grant made on another process reaches the player here within a second (pub/sub, no sweep)', async () => {
      const here = await boot(60_000);
      const room = await new Client(here.url).joinOrCreate('plain', { userId: 'u1' });
      const got: Array<{ d: GrantDelivery; at: number }> = [];
      room.onMessage('grant', (d: GrantDelivery) => void got.push({ d, at: Date.now() }));
      const orderId = `other-${Date.now()}`;
      const prefix = keys.orderPrefix.split('{')[0]!;
      const child = spawnTs('test/fixtures/ledger-process.ts', { REDIS_URL: redis.url, KEY_PREFIX: prefix, MODE: 'once', ORDER_ID: orderId, RUNS_KEY: `runs:${orderId}`, LEASE_MS: '5000' });
      try {
        await waitFor('the other process accepted', () => (/^accepted$/m.test(child.output()) ? true : child.proc.exitCode !== null ? Promise.reject(new Error(child.output())) : undefined), 30_000);
        const acceptingAt = Number(/acceptingAt=(\d+)/.exec(child.output())![1]);
        await waitFor('delivery', () => (got.length ? true : undefined), 5000, 10);
        assert.equal(got[0]!.d.orderId, orderId);
        assert.ok(got[0]!.at - acceptingAt < 1000, `delivered ${got[0]!.at - acceptingAt} ms after the other process's accept call`);
        await waitFor('out of the waiting set', async () => ((await waitingScore('u1')) === null ? true : undefined), 2000, 10);
      } finally {
        child.kill('SIGTERM');
        await within(10_000, 'the other process exits', child.exited());
        await room.leave();
      }
    });

    it('a grant waiting for an offline player reaches them within a second of their join', async () => {
      const { bridge, url } = await boot(60_000);
      await bridge.ledger.accept(paid('j-1', 'jo'));
      await waitFor('waiting', async () => ((await waitingScore('jo')) !== null ? true : undefined));
      const joinAt = Date.now();
      const room = await new Client(url).joinOrCreate('plain', { userId: 'jo' });
      const got = await new Promise<GrantDelivery>((resolve) => room.onMessage('grant', resolve));
      const tookMs = Date.now() - joinAt;
      assert.equal(got.orderId, 'j-1');
      assert.ok(tookMs < 1000, `delivered ${tookMs} ms after the join began`);
      await waitFor('out of the waiting set', async () => ((await waitingScore('jo')) === null ? true : undefined), 2000, 10);
      await room.leave();
    });
  });
});
