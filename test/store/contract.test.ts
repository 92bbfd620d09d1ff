/**
 * One contract, two implementations: everything the plugin relies on from its store must behave the same
 * on Redis and on the in-process store, or trial runs would lie about production.
 */
import assert from 'node:assert/strict';
import { KeySpace, MemoryStore, RedisStore, StoreUnavailableError, defineScript, type Store } from '../../src/store/index.js';
import { Redis as Redis5 } from 'ioredis';
import { Redis as Redis6 } from 'ioredis6';
import type { RedisConnection } from '../../src/store/RedisStore.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { CapturingLogger } from '../helpers/logs.js';

/** A two-key atomic step: record `member` once under `key` and count how many were recorded. */
const recordOnce = defineScript<{ added: boolean; total: number }>({
  name: 'test_record_once',
  numberOfKeys: 2,
  lua: `
    if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then
      return {0, tonumber(redis.call('GET', KEYS[2]) or '0')}
    end
    return {1, redis.call('INCR', KEYS[2])}
  `,
  local(db, keys, args) {
    if (!db.hsetnx(keys[0]!, args[0]!, args[1]!)) return [0, Number(db.get(keys[1]!) ?? '0')];
    return [1, db.incrBy(keys[1]!, 1)];
  },
  decode: (r) => {
    const [a, t] = r as [number, number];
    return { added: a === 1, total: Number(t) };
  },
});

/** Echoes every ARGV it sees: a batch that sends the shared leading ones once must still hand them to each call. */
const echoArgs = defineScript<string[]>({
  name: 'test_echo_args',
  numberOfKeys: 1,
  sharedArgs: 2,
  lua: `redis.call('INCR', KEYS[1]) return ARGV`,
  local(db, keys, args) {
    db.incrBy(keys[0]!, 1);
    return args;
  },
  decode: (r) => r as string[],
});

const nilScript = defineScript({
  name: 'test_nil',
  numberOfKeys: 1,
  lua: `return redis.call('GET', KEYS[1])`,
  local: (db, keys) => db.get(keys[0]!),
});

function contract(name: string, make: () => Promise<Store>, teardown: (s: Store) => Promise<void>) {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let n = 0;
    const k = (s: string) => store.keys.key(`t${n}`, s);

    beforeEach(async () => {
      n++;
      store = await make();
    });
    afterEach(async () => teardown(store));

    it('answers ping', async () => {
      await store.ping(1000);
    });

    it('get/set/del with NX and PX', async () => {
      assert.equal(await store.get(k('a')), null);
      assert.equal(await store.set(k('a'), 'x'), true);
      assert.equal(await store.set(k('a'), 'y', { nx: true }), false);
      assert.equal(await store.get(k('a')), 'x');
      assert.equal(await store.set(k('b'), 'z', { px: 60_000 }), true);
      const ttl = await store.pttl(k('b'));
      assert.ok(ttl > 0 && ttl <= 60_000, `pttl ${ttl}`);
      assert.equal(await store.pttl(k('a')), -1);
      assert.equal(await store.pttl(k('none')), -2);
      assert.equal(await store.del(k('a'), k('b'), k('none')), 2);
      assert.equal(await store.get(k('a')), null);
    });

    it('expires keys', async () => {
      await store.set(k('e'), '1', { px: 30 });
      const deadline = Date.now() + 2000;
      while ((await store.get(k('e'))) !== null) {
        assert.ok(Date.now() < deadline, 'key did not expire');
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(await store.pexpire(k('e'), 1000), false);
    });

    it('incrBy counts', async () => {
      assert.equal(await store.incrBy(k('c'), 2), 2);
      assert.equal(await store.incrBy(k('c'), -5), -3);
    });

    it('hashes', async () => {
      assert.equal(await store.hset(k('h'), { a: '1', b: 2 }), 2);
      assert.equal(await store.hset(k('h'), { a: '3' }), 0);
      assert.equal(await store.hget(k('h'), 'a'), '3');
      assert.equal(await store.hsetnx(k('h'), 'a', '9'), false);
      assert.equal(await store.hsetnx(k('h'), 'c', '9'), true);
      assert.deepEqual(await store.hgetall(k('h')), { a: '3', b: '2', c: '9' });
      assert.equal(await store.hincrby(k('h'), 'b', 5), 7);
      assert.equal(await store.hdel(k('h'), 'a', 'zz'), 1);
      assert.deepEqual(await store.hgetall(k('none')), {});
      await store.hdel(k('h'), 'b', 'c');
      assert.equal(await store.pttl(k('h')), -2, 'an emptied hash disappears');
    });

    it('sorted sets order by score then member, with limits', async () => {
      assert.equal(
        await store.zadd(k('z'), [
          [3, 'c'],
          [1, 'b'],
          [1, 'a'],
          [10, 'd'],
        ]),
        4,
      );
      assert.equal(await store.zadd(k('z'), [[2, 'c']]), 0);
      assert.deepEqual(await store.zrangeByScore(k('z'), 0, 5), [
        { member: 'a', score: 1 },
        { member: 'b', score: 1 },
        { member: 'c', score: 2 },
      ]);
      assert.deepEqual(await store.zrangeByScore(k('z'), -Infinity, Infinity, 2), [
        { member: 'a', score: 1 },
        { member: 'b', score: 1 },
      ]);
      assert.equal(await store.zscore(k('z'), 'd'), 10);
      assert.equal(await store.zscore(k('z'), 'nope'), null);
      assert.equal(await store.zcard(k('z')), 4);
      assert.equal(await store.zrem(k('z'), 'a', 'zz'), 1);
      assert.equal(await store.zcard(k('z')), 3);
    });

    it('keeps large millisecond scores exact', async () => {
      const t = 1_767_225_600_123;
      await store.zadd(k('zt'), [[t, 'o1']]);
      assert.deepEqual(await store.zrangeByScore(k('zt'), t, t), [{ member: 'o1', score: t }]);
    });

    it('sets and lists', async () => {
      assert.equal(await store.sadd(k('s'), 'a', 'b', 'a'), 2);
      assert.equal(await store.sismember(k('s'), 'a'), true);
      assert.deepEqual((await store.smembers(k('s'))).sort(), ['a', 'b']);
      assert.equal(await store.srem(k('s'), 'a'), 1);
      assert.equal(await store.rpush(k('l'), 'x', 'y', 'z'), 3);
      assert.deepEqual(await store.lrange(k('l'), 0, -1), ['x', 'y', 'z']);
      assert.deepEqual(await store.lrange(k('l'), 1, 1), ['y']);
      assert.deepEqual(await store.lrange(k('l'), -2, -1), ['y', 'z']);
      assert.equal(await store.llen(k('l')), 3);
    });

    it('rejects a command against the wrong type', async () => {
      await store.set(k('w'), 'str');
      await assert.rejects(store.hget(k('w'), 'f'), /WRONGTYPE/);
    });

    it('runs atomic scripts with the same results', async () => {
      const keys = [store.keys.tagged(`o${n}`, 'seen'), store.keys.tagged(`o${n}`, 'count')];
      assert.deepEqual(await store.run(recordOnce, keys, ['order-1', 'v']), { added: true, total: 1 });
      assert.deepEqual(await store.run(recordOnce, keys, ['order-1', 'v']), { added: false, total: 1 });
      assert.deepEqual(await store.run(recordOnce, keys, ['order-2', 'v']), { added: true, total: 2 });
      assert.equal(await store.run(nilScript, [k('missing')], []), null);
    });

    it('script steps stay atomic under 200 concurrent callers', async () => {
      const keys = [store.keys.tagged(`c${n}`, 'seen'), store.keys.tagged(`c${n}`, 'count')];
      const results = await Promise.all(Array.from({ length: 200 }, () => store.run(recordOnce, keys, ['same', 'v'])));
      assert.equal(results.filter((r) => r.added).length, 1);
    });

    it('runs a batch of script calls in order, each with its own outcome', async () => {
      const keys = [store.keys.tagged(`b${n}`, 'seen'), store.keys.tagged(`b${n}`, 'count')];
      const wrong = [store.keys.tagged(`b${n}`, 'a-string'), store.keys.tagged(`b${n}`, 'count')];
      await store.set(wrong[0]!, 'not a hash');
      const outcomes = await store.runBatch(recordOnce, [
        { keys, args: ['order-1', 'v'] },
        { keys, args: ['order-1', 'v'] },
        { keys: wrong, args: ['order-x', 'v'] },
        { keys, args: ['order-2', 'v'] },
      ]);
      assert.deepEqual(outcomes.slice(0, 2), [
        { ok: true, value: { added: true, total: 1 } },
        { ok: true, value: { added: false, total: 1 } },
      ]);
      // the failing call fails alone, and the one after it still runs
      assert.equal(outcomes[2]!.ok, false);
      assert.match(String((outcomes[2] as { error: Error }).error.message), /WRONGTYPE/);
      assert.deepEqual(outcomes[3], { ok: true, value: { added: true, total: 2 } });
      assert.deepEqual(await store.hgetall(keys[0]!), { 'order-1': 'v', 'order-2': 'v' });
      assert.deepEqual(await store.runBatch(nilScript, [{ keys: [k('missing')], args: [] }]), [{ ok: true, value: null }]);
      assert.deepEqual(await store.runBatch(recordOnce, []), []);
    });

    it('gives every call of a batch its shared leading arguments, whether the calls agree on them or not', async () => {
      const key = store.keys.tagged(`e${n}`, 'count');
      // agreeing: sent once on the wire, seen by each call
      assert.deepEqual(
        await store.runBatch(echoArgs, [
          { keys: [key], args: ['s1', 2, 'a'] },
          { keys: [key], args: ['s1', '2', 'b', 'c'] },
        ]),
        [
          { ok: true, value: ['s1', '2', 'a'] },
          { ok: true, value: ['s1', '2', 'b', 'c'] },
        ],
      );
      // disagreeing, or a call shorter than the shared part: each call sends its own
      assert.deepEqual(
        await store.runBatch(echoArgs, [
          { keys: [key], args: ['s1', '2', 'a'] },
          { keys: [key], args: ['s2', '2', 'b'] },
          { keys: [key], args: ['s1'] },
        ]),
        [
          { ok: true, value: ['s1', '2', 'a'] },
          { ok: true, value: ['s2', '2', 'b'] },
          { ok: true, value: ['s1'] },
        ],
      );
      assert.equal(await store.get(key), '5');
    });

    it('publishes to subscribers and stops after unsubscribe', async () => {
      const ch = store.keys.channel(`t${n}`);
      const got: string[] = [];
      let resolveFirst!: () => void;
      const first = new Promise<void>((r) => (resolveFirst = r));
      const off = await store.subscribe(ch, (m) => {
        got.push(m);
        resolveFirst();
      });
      await store.publish(ch, 'hello');
      await first;
      await off();
      await store.publish(ch, 'after');
      await store.ping();
      assert.deepEqual(got, ['hello']);
    });

    it('rejects commands after close', async () => {
      await store.close();
      await assert.rejects(store.get(k('x')), StoreUnavailableError);
      await assert.rejects(store.runBatch(nilScript, [{ keys: [k('x')], args: [] }]), StoreUnavailableError);
    });
  });
}

contract(
  'memory',
  async () => new MemoryStore(new KeySpace('pbtest:')),
  (s) => s.close(),
);

describe('redis', () => {
  const redis = useRedisServer();
  contract(
    'redis',
    async () => new RedisStore({ connection: redis.url, keys: new KeySpace('pbtest:'), logger: new CapturingLogger() }),
    (s) => s.close(),
  );
  // the game's own client, of either ioredis major: the store runs on its duplicate
  const majors: Array<[string, new (url: string) => { disconnect(): void }]> = [
    ['5', Redis5],
    ['6', Redis6],
  ];
  for (const [major, Client] of majors) {
    const hosts = new Map<Store, { disconnect(): void }>();
    contract(
      `redis via an ioredis ${major} instance`,
      async () => {
        const host = new Client(redis.url);
        const store = new RedisStore({ connection: host as unknown as RedisConnection, keys: new KeySpace(`pbtest-io${major}:`), logger: new CapturingLogger() });
        hosts.set(store, host);
        return store;
      },
      async (s) => {
        await s.close();
        hosts.get(s)?.disconnect();
      },
    );
  }
});
