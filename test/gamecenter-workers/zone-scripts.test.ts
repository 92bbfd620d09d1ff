/**
 * The zone outbox scripts that park refused events, run side by side on a real Redis and on the in-process
 * store: the same steps must leave the same keys and give the same replies.
 */
import assert from 'node:assert/strict';
import { zoneKeys } from '../../src/platforms/gamecenter/zones/keys.js';
import { claimOutboxScript, enqueueOnceScript, retryParkedScript, settleOutboxScript } from '../../src/platforms/gamecenter/zones/scripts.js';
import { KeySpace, MemoryStore, RedisStore, type Store } from '../../src/store/index.js';
import { CapturingLogger } from '../helpers/logs.js';
import { useRedisServer } from '../helpers/redisServer.js';

describe('GameCenter zone outbox scripts: Redis and in-process twins agree', () => {
  const redis = useRedisServer();
  let n = 0;

  async function run(store: Store): Promise<unknown[]> {
    const k = zoneKeys(store.keys);
    const four = [k.once, k.outbox, k.rows, k.fences];
    const five = [...four, k.parked];
    const out: unknown[] = [];
    out.push(await store.run(enqueueOnceScript, four, ['c:1:a', 1000, '{"kind":"create"}']));
    out.push(await store.run(enqueueOnceScript, four, ['c:1:b', 1000, '{"kind":"create"}']));
    out.push(await store.run(settleOutboxScript, five, ['c:1:a', 1, 'park', 2000, '{"why":"refused"}']));
    out.push(await store.run(settleOutboxScript, five, ['c:1:a', 1, 'park', 3000, '{"why":"refused","attempts":1}']));
    out.push(await store.run(settleOutboxScript, five, ['c:1:a', 9, 'park', 3000, 'stale']));
    out.push(await store.run(settleOutboxScript, five, ['c:1:b', 1, 'retry', 2500, '']));
    out.push(await store.run(retryParkedScript, [k.outbox, k.parked], [1500]));
    out.push(await store.run(claimOutboxScript, [k.outbox, k.rows, k.fences], [1500, 10, 60_000]));
    out.push(await store.hgetall(k.parked));
    out.push(await store.run(settleOutboxScript, five, ['c:1:a', 2, 'sent', 0, '']));
    out.push(await store.hgetall(k.parked), await store.hgetall(k.once), await store.zrangeByScore(k.outbox, -Infinity, Infinity));
    // a parked member no longer queued is dropped from the list
    await store.hset(k.parked, { ghost: '{}' });
    out.push(await store.run(retryParkedScript, [k.outbox, k.parked], [1600]), await store.hgetall(k.parked));
    return out;
  }

  it('park, re-park, stale fence, retry parked, send', async () => {
    const prefix = `zs${++n}:`;
    const stores = [new RedisStore({ connection: redis.url, keys: new KeySpace(prefix), logger: new CapturingLogger() }), new MemoryStore(new KeySpace(prefix))];
    try {
      const [a, b] = [await run(stores[0]!), await run(stores[1]!)];
      assert.deepEqual(a, b);
      assert.deepEqual(a.slice(2, 5), [2, 1, 0], 'newly parked, parked again, stale');
      assert.equal(a[6], 1, 'one parked event made due');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
