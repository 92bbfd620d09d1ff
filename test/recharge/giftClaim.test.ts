/**
 * The gift-code claim steps (claim, renew, release, finish) on Redis and on the in-process store: the same
 * story gives the same replies and leaves the same value, and a renewal extends the claim only while it
 * is still the renewing holder's.
 */
import assert from 'node:assert/strict';
import { GiftClaims } from '../../src/platforms/recharge/giftClaim.js';
import { KeySpace, MemoryStore, RedisStore, type Store } from '../../src/store/index.js';
import { CapturingLogger } from '../helpers/logs.js';
import { useRedisServer } from '../helpers/redisServer.js';

const LEASE = 60_000;

async function story(store: Store): Promise<unknown[]> {
  const claims = new GiftClaims(store, LEASE);
  const key = claims.keyOf('user:1', 'CODE/1');
  const seen: unknown[] = [];
  const step = async (label: string, reply: Promise<unknown>) => {
    const r = await reply;
    const ttl = await store.pttl(key);
    seen.push({ label, reply: r, value: await store.get(key), ttl: ttl > LEASE - 5000 ? 'lease' : ttl });
  };
  await step('claim', claims.claim(key, 't1'));
  await store.pexpire(key, 1000);
  await step('renew by the holder restores the lease', claims.renew(key, 't1'));
  await step('a second claim sees it running', claims.claim(key, 't2'));
  await step('renew by another token changes nothing', claims.renew(key, 't2'));
  await step('release by another token changes nothing', claims.release(key, 't2'));
  await step('release by the holder', claims.release(key, 't1'));
  await step('renew after release: not held', claims.renew(key, 't1'));
  await step('claim again', claims.claim(key, 't3'));
  await step('finish', claims.finish(key, { ok: true, code: '1', desc: 'ok' }));
  await step('renew after finish: not held, the record stays', claims.renew(key, 't3'));
  await step('claim after finish: done', claims.claim(key, 't4'));
  return seen;
}

describe('gift claim scripts: Lua and in-process twin agree', function () {
  const redis = useRedisServer();

  it('claim, renew, release and finish alike on both stores', async () => {
    const memory = new MemoryStore(new KeySpace('gc:'));
    const onRedis = new RedisStore({ connection: redis.url, keys: new KeySpace('gc:'), logger: new CapturingLogger() });
    try {
      const expected = await story(memory);
      assert.deepEqual(await story(onRedis), expected);
      const replies = expected.map((e) => (e as { reply: unknown }).reply);
      assert.deepEqual(replies.slice(1, 7), [true, { status: 'running' }, false, false, true, false]);
      assert.equal((expected[1] as { ttl: unknown }).ttl, 'lease', 'the renewal restored the full lease');
      assert.deepEqual(replies.at(-2), false);
      assert.deepEqual(replies.at(-1), { status: 'done', answer: { ok: true, code: '1', desc: 'ok' } });
      assert.equal((expected.at(-1) as { ttl: unknown }).ttl, -1, 'a finished redemption never expires');
    } finally {
      await onRedis.close();
    }
  });
});
