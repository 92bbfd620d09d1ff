/**
 * The ledger's retention on the real recharge route and a real Redis, with fractions of a day so it runs
 * in seconds: a finished order keeps its full record (journal included) for `recordDays`, then only a
 * tombstone until `dedupeDays`. A repeat meanwhile gets the platform's duplicate answer, byte for byte,
 * and never runs the grant handler again; after `dedupeDays` the order id is new again. The same TTLs
 * bound the alias, the player's index and the day's index, and an operator's retry undoes them.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { waitFor, waitUntil } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { bootRecharge, granted, httpAnswer, httpOrder, type RechargeApp } from '../recharge/support.js';
import { rechargeSignAlias } from '../../src/platforms/recharge/toOrder.js';
import { StoreLedger, utcDay } from '../../src/ledger/StoreLedger.js';
import { retentionOf } from '../../src/ledger/options.js';
import { CapturingLogger } from '../helpers/logs.js';
import { KeySpace, RedisStore } from '../../src/store/index.js';
import { entryShard, parseTombstone } from '../../src/ledger/tombstones.js';
import { Desk } from '../../src/ops/desk.js';
import { DEDUPE_DAYS, DEDUPE_MS, RECORD_DAYS, RECORD_MS } from '../helpers/retentionDays.js';

describe('ledger retention: full record, then a tombstone, then nothing', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  let app: RechargeApp;
  let probe: Redis;
  let failNext = 0;
  before(async () => {
    probe = new Redis(redis.url);
    app = await bootRecharge({
      redisUrl: redis.url,
      ledger: { recordDays: RECORD_DAYS, dedupeDays: DEDUPE_DAYS, maxAttempts: 1 },
      grant: (order) => {
        if (failNext > 0) {
          failNext--;
          throw new Error('wallet down');
        }
        return { items: [{ diamonds: order.amount }] };
      },
    });
  });
  after(async () => {
    await app?.close();
    probe?.disconnect();
  });
  const k = () => app.ledger.keys;
  const gone = (key: string) =>
    waitUntil(
      `${key} expired`,
      () => probe.exists(key),
      (n) => n === 0,
      10_000,
      20,
    );
  // tombstones and aliases are fields of shard hashes (src/ledger/tombstones.ts), each judged by its own time
  const tombstoneShard = (key: string) => entryShard(probe, k().shards, 'tombstones', key);
  const aliasShard = (alias: string) => entryShard(probe, k().shards, 'aliases', alias);
  const tombstone = async (key: string) => probe.hget(await tombstoneShard(key), key);
  const aliasEntry = async (alias: string) => probe.hget(await aliasShard(alias), alias);
  // a tombstone is the state's letter and when it finished (base-36 ms); an alias `its end (base-36 ms)|ledger key`
  const finishedAt = (entry: string | null) => parseTombstone(entry ?? '')?.at ?? NaN;
  const aliasEnd = (entry: string | null) => parseInt(entry?.split('|')[0] ?? '', 36);
  const pastWindow = (what: string, read: () => Promise<string | null>, past: (v: string) => boolean) => waitUntil(`${what} past its window`, read, (v) => v === null || past(v), 10_000, 20);
  const runs = (key: string) => app.grants.filter((g) => g.dedupeKey === key).length;
  const ttlWithin = async (key: string, max: number, min = 1) => {
    const t = await probe.pttl(key);
    assert.ok(t >= min && t <= max, `${key}: pttl ${t} not in [${min}, ${max}]`);
  };

  it('a granted order: record and its indexes for recordDays, a tombstone answering duplicates until dedupeDays, then new again', async () => {
    const body = httpOrder();
    const key = `recharge:${String(body.cporder_no)}`;
    assert.equal((await app.post(body)).text, httpAnswer(1, 'succeed'));
    const record = await granted(app, key);

    const orderKey = k().order(key);
    await ttlWithin(orderKey, RECORD_MS);
    await ttlWithin(await tombstoneShard(key), DEDUPE_MS, RECORD_MS);
    assert.match((await tombstone(key))!, /^g[0-9a-z]{8}$/);
    assert.ok(Buffer.byteLength(key) + (await tombstone(key))!.length < 80, 'a tombstone is short');
    // the sign alias (the same signed request re-cut) dedupes as long as the tombstone by default
    const alias = rechargeSignAlias(String(body.Sign));
    await ttlWithin(await aliasShard(alias), DEDUPE_MS, RECORD_MS);
    assert.equal((await aliasEntry(alias))?.replace(/^[0-9a-z]{8}\|/, ''), key, 'the alias names the order, after its end');
    assert.ok(Math.abs(aliasEnd(await aliasEntry(alias)) - (record.createdAt + DEDUPE_MS)) < 1000, 'the alias ends aliasDays (here dedupeDays) after the arrival');
    await ttlWithin(k().user(record.userId), RECORD_MS);
    // the day's index: the record time and a hundredth of it (it is set now and then, not by every accept)
    await ttlWithin(k().day(utcDay(record.createdAt)), RECORD_MS + Math.floor(RECORD_MS / 100));
    await ttlWithin(k().inbox(record.userId), RECORD_MS);
    // the journal is in the record, no key of its own; a built-in platform's order needs no platform-id key
    assert.deepEqual(await probe.exists(k().journal(key), k().orderId(String(body.cporder_no))), 0);
    const timeline = await app.ledger.timeline(key);
    assert.deepEqual(
      timeline.map((e) => e.event),
      ['accepted', 'lease_taken', 'granted'],
    );

    await gone(orderKey);
    assert.ok(DEDUPE_MS - (Date.now() - finishedAt(await tombstone(key))) > 500, 'still inside the dedupe window (the machine was not too slow for this test)');
    const again = await app.post(body);
    assert.equal(again.text, httpAnswer(-1, 'duplicate order'), 'the duplicate answer, from the tombstone');
    assert.equal(await probe.exists(orderKey), 0, 'nothing recorded for the duplicate');
    assert.equal(runs(key), 1, 'the handler did not run again');
    const line = app.logger.find('recharge order is a duplicate').find((l) => JSON.stringify(l.fields).includes(String(body.cporder_no)));
    assert.deepEqual([line?.fields?.state, line?.fields?.recordExpired], ['granted', true], 'a log line says it was a duplicate of an expired record');

    await pastWindow(
      'the tombstone',
      () => tombstone(key),
      (v) => Date.now() - finishedAt(v) >= DEDUPE_MS,
    );
    await pastWindow(
      'the alias',
      () => aliasEntry(alias),
      (v) => Date.now() >= aliasEnd(v),
    );
    assert.equal(await app.ledger.tombstone(key), undefined, 'an entry past its window is not a tombstone any more, whatever the shard still holds');
    assert.equal((await app.post(body)).text, httpAnswer(1, 'succeed'), 'after dedupeDays the order id is new');
    await granted(app, key);
    assert.equal(runs(key), 2);
  });

  it('cancelled, declined and given-up orders start their retention too; a retry undoes it', async () => {
    // given up: the handler fails and maxAttempts is 1
    failNext = 1;
    const body = httpOrder();
    const key = `recharge:${String(body.cporder_no)}`;
    assert.equal((await app.post(body)).text, httpAnswer(1, 'succeed'));
    await waitFor('given up', async () => ((await app.ledger.get(key))?.state === 'given_up' ? true : undefined), 5000, 10);
    await ttlWithin(k().order(key), RECORD_MS);
    assert.match((await tombstone(key))!, /^u/);
    // an operator's retry: the record is kept again and the tombstone goes (the order is live again)
    assert.equal(await app.ledger.retry(key, { by: 'ops' }), true);
    assert.equal(await probe.pttl(k().order(key)), -1);
    assert.equal(await tombstone(key), null);
    await granted(app, key);
    assert.match((await tombstone(key))!, /^g/);

    // declined at once (a test order of the ledger API, not a platform's), and an operator's cancel
    const declined = await app.ledger.accept({ source: 'test', orderId: `d-${Date.now()}`, userId: 'u-ret', amount: 1, raw: {} }, { decline: 'test user' });
    assert.equal(declined.status, 'accepted');
    const dkey = declined.status === 'accepted' ? declined.record.dedupeKey : '';
    await ttlWithin(k().order(dkey), RECORD_MS);
    assert.match((await tombstone(dkey))!, /^d/);
    await ttlWithin(k().orderId(dkey.slice('test:'.length)), RECORD_MS);
  });

  it('a paid report after a declined one whose record expired is a new order; after the record, a repeat of the decline is a duplicate', async () => {
    const orderId = `dp-${Date.now()}`;
    const order = { source: 'test', orderId, userId: 'u-ret2', amount: 3, raw: {} };
    await app.ledger.accept(order, { decline: 'payment failed' });
    await gone(app.ledger.keys.order(`test:${orderId}`));
    assert.deepEqual(await app.ledger.accept(order, { decline: 'payment failed' }), { status: 'duplicate', state: 'declined', dedupeKey: `test:${orderId}`, recordExpired: true });
    const paid = await app.ledger.accept(order);
    assert.equal(paid.status, 'accepted');
    // the decline's tombstone is gone with the accept (the grant, which may already have run, writes its own)
    const after = await tombstone(`test:${orderId}`);
    assert.ok(after === null || after.startsWith('g'), `the decline is forgotten (tombstone ${after})`);
    await granted(app, `test:${orderId}`);
    assert.match((await tombstone(`test:${orderId}`))!, /^g/);
  });

  it("the player's index: newest orders of a player, for the desk, bounded and expiring with the records", async () => {
    const userId = `idx-${Date.now()}`;
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await app.ledger.accept({ source: 'test', orderId: `${userId}-${i}`, userId, amount: 1, raw: {} });
      if (r.status === 'accepted') keys.push(r.record.dedupeKey);
    }
    for (const key of keys) await granted(app, key);
    const desk = new Desk(app.store, app.ledger, { now: Date.now });
    assert.deepEqual(
      (await desk.find(userId)).orders.map((o) => o.dedupeKey),
      [...keys].reverse(),
    );
    await ttlWithin(k().user(userId), RECORD_MS);
    await gone(k().user(userId));
    for (const key of keys) await gone(k().order(key));
    assert.deepEqual((await desk.find(userId)).orders, []);
    // the desk still tells what became of one: its tombstone
    assert.equal((await app.ledger.tombstone(keys[0]!))?.state, 'granted');
  });

  it("a day's index gets its TTL on a process's first accept of the day and hourly after (the record time and an hour), not on every order", async () => {
    const store = new RedisStore({ connection: redis.url, keys: new KeySpace(`dayttl${Date.now()}:`), logger: new CapturingLogger() });
    const DAY = 86_400_000;
    let now = Date.UTC(2026, 11, 6, 10, 0, 0);
    const ledger = new StoreLedger(store, { now: () => now }, { retention: retentionOf({ recordDays: 200, dedupeDays: 400 }) });
    const accept = (id: string) => ledger.accept({ source: 'test', orderId: id, userId: 'u-day', amount: 1, raw: {} });
    const dayKey = ledger.keys.day('2026-12-06');
    try {
      await accept('d1');
      // a hundredth of 200 days is more than the hour: the hour
      const expected = 200 * DAY + 3_600_000;
      const ttl = await store.pttl(dayKey);
      assert.ok(Math.abs(ttl - expected) < 2000, `recordDays and an hour (pttl ${ttl}, expected ${expected})`);
      // taken away by hand, to see who sets it: the next accepts within the hour leave it alone
      await (store.client as Redis).persist(dayKey);
      now += 59 * 60_000;
      await accept('d2');
      assert.equal(await store.pttl(dayKey), -1, 'not set again within the hour');
      now += 60_000;
      await accept('d3');
      assert.ok(Math.abs((await store.pttl(dayKey)) - expected) < 2000, 'set again an hour later');
      now = Date.UTC(2026, 11, 7, 0, 0, 1);
      await accept('d4');
      assert.ok(Math.abs((await store.pttl(ledger.keys.day('2026-12-07'))) - expected) < 2000, "a new day's index at once");
      assert.equal(await store.zcard(dayKey), 3, 'every order of the day is in its index');
    } finally {
      await store.close();
    }
  });
});
