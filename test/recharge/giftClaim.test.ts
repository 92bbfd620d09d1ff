/**
 * The gift-code claim steps (bind sign, claim, renew, release, finish) on Redis and on the in-process
 * store: the same story gives the same replies and leaves the same values and expiries, a renewal extends
 * the claim only while it is still the renewing holder's, and a finished redemption becomes a tombstone
 * (its code, kept for the dedupe window) beside a full record kept for the record window.
 */
import assert from 'node:assert/strict';
import { GiftClaims } from '../../src/platforms/recharge/giftClaim.js';
import { KeySpace, MemoryStore, RedisStore, type Store } from '../../src/store/index.js';
import { CapturingLogger } from '../helpers/logs.js';
import { useRedisServer } from '../helpers/redisServer.js';

const LEASE = 60_000;
const RECORD = 3_600_000;
const DEDUPE = 7_200_000;

/** An expiry as a story step sees it: which window it is in (exact PTTLs differ by the ms a step takes). */
function window(ttl: number): string | number {
  if (ttl > DEDUPE - 5000 && ttl <= DEDUPE) return 'dedupe';
  if (ttl > RECORD - 5000 && ttl <= RECORD) return 'record';
  if (ttl > LEASE - 5000 && ttl <= LEASE) return 'lease';
  if (ttl > 0 && ttl <= 1000) return 'short';
  return ttl;
}

async function story(store: Store): Promise<unknown[]> {
  const claims = new GiftClaims(store, LEASE, { recordMs: RECORD, dedupeMs: DEDUPE });
  const key = claims.keyOf('user:1', 'CODE/1');
  const record = claims.recordKeyOf(key);
  const signKey = store.keys.key('gift', 'sign', 'abc');
  const seen: unknown[] = [];
  const step = async (label: string, reply: Promise<unknown>) => {
    const r = await reply;
    seen.push({
      label,
      reply: r,
      value: await store.get(key),
      ttl: window(await store.pttl(key)),
      record: await store.get(record),
      recordTtl: window(await store.pttl(record)),
      signTtl: window(await store.pttl(signKey)),
    });
  };
  await step('bind the sign: bound for the dedupe window', claims.bindSign('ABC', key));
  await store.pexpire(signKey, 1000);
  await step('a second binding keeps the first and its expiry', claims.bindSign('abc', 'other'));
  await step('claim', claims.claim(key, 't1'));
  await store.pexpire(key, 1000);
  await step('renew by the holder restores the lease', claims.renew(key, 't1'));
  await step('a second claim sees it running', claims.claim(key, 't2'));
  await step('renew by another token changes nothing', claims.renew(key, 't2'));
  await step('release by another token changes nothing', claims.release(key, 't2'));
  await step('release by the holder', claims.release(key, 't1'));
  await step('renew after release: not held', claims.renew(key, 't1'));
  await step('claim again', claims.claim(key, 't3'));
  await step('finish', claims.finish(key, 'ABC', { ok: true, code: '1', desc: 'ok' }, { giftId: 'G1', zoneId: '7', at: 1000 }));
  await step('renew after finish: not held, the tombstone stays', claims.renew(key, 't3'));
  await step('claim after finish: done', claims.claim(key, 't4'));
  await step('a second finish keeps the first answer', claims.finish(key, 'ABC', { ok: false, code: '0', desc: 'late' }, { giftId: 'G1', zoneId: '7', at: 2000 }));

  // a refusal: its desc comes from the full record while it lives, then only its code is left
  const refused = claims.keyOf('user:2', 'CODE');
  await claims.claim(refused, 't5');
  await claims.finish(refused, 'def', { ok: false, code: '-100', desc: 'code expired' }, { giftId: 'G2', zoneId: '7', at: 3000 });
  seen.push({ label: 'refusal, record alive', reply: await claims.claim(refused, 't6'), value: await store.get(refused) });
  await store.del(claims.recordKeyOf(refused));
  seen.push({ label: 'refusal, tombstone only', reply: await claims.claim(refused, 't7') });

  // a redemption finished by an older version (no expiry) is read and bounded when next seen
  const legacy = claims.keyOf('user:3', 'OLD');
  await store.set(legacy, 'done|{"ok":false,"code":"-3","desc":"old refusal"}');
  await store.set(store.keys.key('gift', 'sign', 'old'), legacy);
  seen.push({ label: 'legacy claim', reply: await claims.claim(legacy, 't8'), ttl: window(await store.pttl(legacy)) });
  seen.push({ label: 'legacy sign', reply: await claims.bindSign('old', legacy), ttl: window(await store.pttl(store.keys.key('gift', 'sign', 'old'))) });
  return seen;
}

describe('gift claim scripts: Lua and in-process twin agree', function () {
  const redis = useRedisServer();

  it('bind, claim, renew, release and finish alike on both stores', async () => {
    const memory = new MemoryStore(new KeySpace('gc:'));
    const onRedis = new RedisStore({ connection: redis.url, keys: new KeySpace('gc:'), logger: new CapturingLogger() });
    try {
      const expected = await story(memory);
      assert.deepEqual(await story(onRedis), expected);
      const at = (label: string) => expected.find((e) => (e as { label: string }).label === label) as Record<string, unknown>;
      const replies = expected.map((e) => (e as { reply: unknown }).reply);
      assert.deepEqual(replies.slice(0, 2), ['gc:gift:claim:user%3A1:CODE%2F1', 'gc:gift:claim:user%3A1:CODE%2F1']);
      assert.equal(at('bind the sign: bound for the dedupe window').signTtl, 'dedupe');
      assert.equal(at('a second binding keeps the first and its expiry').signTtl, 'short');
      assert.deepEqual(replies.slice(3, 9), [true, { status: 'running' }, false, false, true, false]);
      assert.equal(at('renew by the holder restores the lease').ttl, 'lease', 'the renewal restored the full lease');

      const finished = at('finish');
      assert.deepEqual(finished.reply, { recorded: true, recordKept: true });
      assert.equal(finished.value, '1', 'the claim is now its tombstone: the answer code alone');
      assert.equal(finished.ttl, 'dedupe');
      assert.deepEqual(JSON.parse(String(finished.record)), { ok: true, code: '1', desc: 'ok', giftId: 'G1', zoneId: '7', at: 1000 });
      assert.equal(finished.recordTtl, 'record');
      assert.equal(finished.signTtl, 'dedupe', 'the sign binding is renewed to outlive the tombstone');
      assert.deepEqual(at('claim after finish: done').reply, { status: 'done', answer: { ok: true, code: '1', desc: '' }, tombstone: true });
      const late = at('a second finish keeps the first answer');
      assert.deepEqual([late.reply, late.value, JSON.parse(String(late.record)).at], [{ recorded: false, recordKept: true }, '1', 1000]);

      assert.deepEqual(at('refusal, record alive').reply, { status: 'done', answer: { ok: false, code: '-100', desc: 'code expired' }, tombstone: true });
      assert.equal(at('refusal, record alive').value, '-100');
      assert.deepEqual(at('refusal, tombstone only').reply, { status: 'done', answer: { ok: false, code: '-100', desc: '' }, tombstone: true });

      assert.deepEqual(at('legacy claim').reply, { status: 'done', answer: { ok: false, code: '-3', desc: 'old refusal' }, tombstone: false });
      assert.equal(at('legacy claim').ttl, 'dedupe', 'an unbounded claim of an older version is bounded when seen');
      assert.deepEqual([at('legacy sign').reply, at('legacy sign').ttl], ['gc:gift:claim:user%3A3:OLD', 'dedupe']);
    } finally {
      await onRedis.close();
    }
  });
});
