/** The ledger's revocation scripts on a real Redis and on the in-process store: same replies, same keys. */
import assert from 'node:assert/strict';
import { LedgerKeys } from '../../src/ledger/keys.js';
import { entryShard } from '../../src/ledger/tombstones.js';
import { revokeDoneScript, revokeLease, revokeScript } from '../../src/ledger/revokeScripts.js';
import { KeySpace, MemoryStore, RedisStore, type Store } from '../../src/store/index.js';
import { CapturingLogger } from '../helpers/logs.js';
import { useRedisServer } from '../helpers/redisServer.js';

describe('ledger revocation scripts: Redis and in-process twins agree', () => {
  const redis = useRedisServer();
  let n = 0;

  async function run(store: Store): Promise<unknown[]> {
    const k = new LedgerKeys(store.keys);
    const keysOf = (m: string) => [k.order(m), k.due, k.gaveUp, k.revokePrefix + m, k.revokeDue, k.shards];
    const args = (m: string) => [1000, m, 'reset', '{"at":1000,"event":"revoked"}', 100, 86_400_000, 2 * 86_400_000];
    const out: unknown[] = [];
    for (const [m, state] of [
      ['g', 'granted'],
      ['p', 'pending'],
      ['x', 'granting'],
      ['c', 'cancelled'],
      ['u', 'given_up'],
    ] as const) {
      await store.hset(k.order(m), { state, fence: '1' });
      if (state === 'pending') await store.zadd(k.due, [[1, m]]);
      out.push(await store.run(revokeScript, keysOf(m), args(m)));
    }
    out.push(await store.run(revokeScript, keysOf('g'), args('g')), await store.run(revokeScript, keysOf('none'), args('none')));
    const claims = await store.run(revokeLease.claim, [k.revokeDue], [2000, 10, 30_000, k.revokePrefix, 'owner-1']);
    out.push(claims.map((c) => [c.id, c.fence, c.previous]));
    out.push(await store.run(revokeDoneScript, [k.revokePrefix + 'g', k.revokeDue, k.order('g')], [3000, 9, 'g', '{}', 100, 86_400_000]));
    out.push(await store.run(revokeDoneScript, [k.revokePrefix + 'g', k.revokeDue, k.order('g')], [3000, claims[0]!.fence, 'g', '{"event":"revocation_handled"}', 100, 86_400_000]));
    const hash = await store.hgetall(k.revokePrefix + 'g');
    out.push(hash.state, hash.attempts, await store.hget(k.order('g'), 'state'), await store.hget(k.order('p'), 'state'), await store.hget(k.order('u'), 'state'));
    const g = await store.hgetall(k.order('g'));
    out.push(await store.zcard(k.revokeDue), await store.zcard(k.due), [g.j1, g.j2, g.jn]);
    // finished either way: the order expires after its record days and leaves its tombstone; the handled job expires too
    const ttl = async (key: string) => Math.round((await store.pttl(key)) / 3_600_000);
    out.push(
      await ttl(k.order('g')),
      await ttl(k.order('p')),
      await ttl(k.revokePrefix + 'g'),
      await store.hget(await entryShard(store, k.shards, 'tombstones', 'g'), 'g'),
      await store.hget(await entryShard(store, k.shards, 'tombstones', 'p'), 'p'),
      await ttl(await entryShard(store, k.shards, 'tombstones', 'g')),
    );
    return out;
  }

  it('revoke each state, claim, stale and current completion', async () => {
    const prefix = `rv${++n}:`;
    const stores = [new RedisStore({ connection: redis.url, keys: new KeySpace(prefix), logger: new CapturingLogger() }), new MemoryStore(new KeySpace(prefix))];
    try {
      const [a, b] = [await run(stores[0]!), await run(stores[1]!)];
      assert.deepEqual(a, b);
      assert.deepEqual(a.slice(0, 7), ['revoked', 'cancelled', 'in-progress', 'already-terminal', 'cancelled', 'already-revoked', 'not-found']);
      assert.deepEqual(a.slice(8, 15), [false, true, 'done', '1', 'revoked', 'cancelled', 'cancelled']);
      assert.deepEqual(a.slice(-6), [24, 24, 24, `r${(1000).toString(36)}`, `c${(1000).toString(36)}`, 48]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
