/**
 * A batch of script calls runs as one EVAL, so on a Redis Cluster all its keys must be in one hash slot.
 * The stores check it on every layout: slots are computed as Redis computes them (checked against a real
 * redis-server's CLUSTER KEYSLOT), and a batch mixing tags is refused before anything is sent or written.
 */
import assert from 'node:assert/strict';
import { CrossSlotError, KeySpace, MemoryStore, RedisStore, assertOneSlot, defineScript, hashTag, keySlot, type Store } from '../../src/store/index.js';
import { CapturingLogger } from '../helpers/logs.js';
import { RedisServer, useRedisServer } from '../helpers/redisServer.js';

const setOne = defineScript<number>({
  name: 'test_slot_set_one',
  numberOfKeys: 2,
  lua: `redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], ARGV[1]) return 1`,
  local(db, keys, args) {
    db.set(keys[0]!, args[0]!);
    db.set(keys[1]!, args[0]!);
    return 1;
  },
});

describe('one Redis Cluster slot per batch', () => {
  const redis = useRedisServer();

  it('computes the slot of a key as Redis does, hash tags included', async () => {
    const keys = ['foo', '123456789', 'platform:{ledger}:inbox:u1', 'platform:{ledger}:waiting', '{user1000}.following', 'a{}b', 'a{b', '{}{x}', 'x{y}z{w}', 'platform:{sud}:job:1', 'ключ'];
    // a cluster-enabled node answers CLUSTER KEYSLOT even while it serves no slot
    const node = await new RedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] }).start();
    try {
      for (const key of keys) assert.equal(`:${keySlot(key)}\r\n`, await node.command('CLUSTER', 'KEYSLOT', key), key);
    } finally {
      await node.dispose();
    }
    assert.equal(keySlot('foo'), 12182);
    assert.equal(keySlot('123456789'), 12739);
    assert.equal(hashTag('platform:{ledger}:inbox:u1'), 'ledger');
    assert.equal(hashTag('a{}b'), 'a{}b', 'an empty tag hashes the whole key');
    assert.equal(keySlot('platform:{ledger}:inbox:u1'), keySlot('other:{ledger}:waiting'));
  });

  it('accepts keys of one tag (or of different tags in one slot), refuses two slots naming both keys', () => {
    assert.doesNotThrow(() => assertOneSlot('t', ['p:{ledger}:a', 'p:{ledger}:b', 'q:{ledger}']));
    // "{a}" and "{user1000}"… are not equal strings; two strings that share a slot are still one slot
    const sameSlot = ['{foo}', 'foo'];
    assert.doesNotThrow(() => assertOneSlot('t', sameSlot));
    assert.throws(
      () => assertOneSlot('script x batch', ['p:{ledger}:a', 'p:{ledger}:b', 'p:{sud}:c']),
      (e: unknown) => e instanceof CrossSlotError && /script x batch/.test(e.message) && /p:\{ledger\}:a/.test(e.message) && /p:\{sud\}:c/.test(e.message),
    );
  });

  for (const kind of ['redis', 'memory'] as const) {
    it(`runBatch on the ${kind} store refuses a batch whose keys are in two slots, and writes nothing`, async () => {
      const ks = new KeySpace(`slot-${kind}:`);
      const store: Store = kind === 'redis' ? new RedisStore({ connection: redis.url, keys: ks, logger: new CapturingLogger() }) : new MemoryStore(ks);
      try {
        const good = [
          { keys: [ks.tagged('ledger', 'a'), ks.tagged('ledger', 'b')], args: ['1'] },
          { keys: [ks.tagged('ledger', 'c'), ks.tagged('ledger', 'd')], args: ['2'] },
        ];
        const outcomes = await store.runBatch(setOne, good);
        assert.deepEqual(
          outcomes.map((o) => o.ok),
          [true, true],
        );
        const bad = [good[0]!, { keys: [ks.tagged('ledger', 'e'), ks.tagged('grant-acks', 'u1')], args: ['3'] }];
        await assert.rejects(store.runBatch(setOne, bad), (e: unknown) => e instanceof CrossSlotError && e.message.includes(ks.tagged('grant-acks', 'u1')));
        assert.equal(await store.get(ks.tagged('ledger', 'e')), null, 'nothing of the refused batch was written');
      } finally {
        await store.close();
      }
    });
  }
});
