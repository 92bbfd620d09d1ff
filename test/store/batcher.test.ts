/**
 * Group commit: calls made in one turn of the event loop reach the store as one batch, each caller gets its
 * own reply (or its own error), a lone call runs as the plain script, and an unreachable store fails every
 * waiting caller. Run on both stores, counting the round trips each makes.
 */
import { batchArgs } from '../../src/store/batchLua.js';
import assert from 'node:assert/strict';
import { KeySpace, MemoryStore, RedisStore, ScriptBatcher, StoreUnavailableError, defineScript, type ScriptCall, type Store, type StoreScript } from '../../src/store/index.js';
import { CapturingLogger } from '../helpers/logs.js';
import { useRedisServer } from '../helpers/redisServer.js';

/** Adds `member` to a set once; replies whether it was new and the set's size. Fails on demand. */
const addOnce = defineScript<{ added: boolean; size: number }>({
  name: 'test_batch_add_once',
  numberOfKeys: 1,
  lua: `
if ARGV[1] == 'boom' then return redis.call('HGET', KEYS[1], 'x') end
local added = redis.call('SADD', KEYS[1], ARGV[1])
return {added, redis.call('SCARD', KEYS[1])}
`,
  local(db, keys, args) {
    if (args[0] === 'boom') return db.hget(keys[0]!, 'x');
    const added = db.sadd(keys[0]!, args[0]!);
    return [added, db.smembers(keys[0]!).length];
  },
  decode: (r) => {
    const [added, size] = r as [number, number];
    return { added: added === 1, size: Number(size) };
  },
});

interface Counted {
  runs: number;
  batches: number[];
}

/** Wraps a real store's two script entry points to count round trips; everything else is the store's own. */
function counted(store: Store): Counted {
  const c: Counted = { runs: 0, batches: [] };
  const run = store.run.bind(store);
  const runBatch = store.runBatch.bind(store);
  store.run = <R>(script: StoreScript<R>, keys: string[], args: ReadonlyArray<string | number>) => {
    c.runs++;
    return run(script, keys, args);
  };
  store.runBatch = <R>(script: StoreScript<R>, calls: readonly ScriptCall[]) => {
    c.batches.push(calls.length);
    return runBatch(script, calls);
  };
  return c;
}

function suite(name: string, make: () => Store) {
  describe(`ScriptBatcher on ${name}`, () => {
    let store: Store;
    let n = 0;
    beforeEach(() => {
      n++;
      store = make();
    });
    afterEach(() => store.close());

    it('sends the calls of one turn as one batch; each caller gets its own reply', async () => {
      const c = counted(store);
      const b = new ScriptBatcher(store, addOnce);
      const key = store.keys.tagged(`bt${n}`, 'set');
      const replies = await Promise.all(['a', 'b', 'a', 'c'].map((m) => b.run([key], [m])));
      assert.deepEqual(replies, [
        { added: true, size: 1 },
        { added: true, size: 2 },
        { added: false, size: 2 },
        { added: true, size: 3 },
      ]);
      assert.deepEqual(c.batches, [4]);
      assert.equal(c.runs, 0);
    });

    it('runs a lone call as the plain script, and calls of later turns in later batches', async () => {
      const c = counted(store);
      const b = new ScriptBatcher(store, addOnce);
      const key = store.keys.tagged(`bt${n}`, 'set');
      assert.deepEqual(await b.run([key], ['a']), { added: true, size: 1 });
      assert.equal(c.runs, 1);
      await Promise.all([b.run([key], ['b']), b.run([key], ['c'])]);
      await Promise.all([b.run([key], ['d']), b.run([key], ['e'])]);
      assert.deepEqual(c.batches, [2, 2]);
    });

    it('splits a turn with more calls than its limit', async () => {
      const c = counted(store);
      const b = new ScriptBatcher(store, addOnce, 10);
      const key = store.keys.tagged(`bt${n}`, 'set');
      const replies = await Promise.all(Array.from({ length: 25 }, (_, i) => b.run([key], [`m${i}`])));
      assert.deepEqual(
        replies.map((r) => r.size),
        Array.from({ length: 25 }, (_, i) => i + 1),
      );
      assert.deepEqual(c.batches, [10, 10, 5]);
    });

    it('a failing call rejects alone; the others in its batch resolve', async () => {
      const b = new ScriptBatcher(store, addOnce);
      const key = store.keys.tagged(`bt${n}`, 'set');
      const settled = await Promise.allSettled([b.run([key], ['a']), b.run([key], ['boom']), b.run([key], ['b'])]);
      assert.deepEqual(settled[0], { status: 'fulfilled', value: { added: true, size: 1 } });
      assert.equal(settled[1]!.status, 'rejected');
      assert.match(String((settled[1] as PromiseRejectedResult).reason), /WRONGTYPE/);
      assert.deepEqual(settled[2], { status: 'fulfilled', value: { added: true, size: 2 } });
    });

    it('fails every waiting caller with StoreUnavailableError when the store is gone', async () => {
      const b = new ScriptBatcher(store, addOnce);
      const key = store.keys.tagged(`bt${n}`, 'set');
      await store.close();
      const settled = await Promise.allSettled([b.run([key], ['a']), b.run([key], ['b']), b.run([key], ['c'])]);
      for (const s of settled) {
        assert.equal(s.status, 'rejected');
        assert.ok((s as PromiseRejectedResult).reason instanceof StoreUnavailableError);
      }
    });
  });
}

suite('the in-process store', () => new MemoryStore(new KeySpace('pbbatch:')));

describe('redis', () => {
  const redis = useRedisServer();
  suite('Redis', () => new RedisStore({ connection: redis.url, keys: new KeySpace('pbbatch:'), logger: new CapturingLogger() }));
});

describe('batchArgs: shared leading arguments', () => {
  it('sends the shared ones once when every call agrees, and each call its own otherwise', () => {
    const key = ['{t}k'];
    assert.deepEqual(
      batchArgs(
        [
          { keys: key, args: ['s1', 2, 'a'] },
          { keys: key, args: ['s1', '2', 'b', 'c'] },
        ],
        2,
      ).args,
      [2, 2, 's1', 2, 1, 'a', 2, 'b', 'c'],
    );
    assert.deepEqual(
      batchArgs(
        [
          { keys: key, args: ['s1', 2, 'a'] },
          { keys: key, args: ['s2', 2, 'b'] },
        ],
        2,
      ).args,
      [2, 0, 3, 's1', 2, 'a', 3, 's2', 2, 'b'],
    );
    assert.deepEqual(batchArgs([{ keys: key, args: ['x'] }]).args, [1, 0, 1, 'x']);
  });
});
