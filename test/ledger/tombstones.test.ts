/**
 * Tombstones and aliases as fields of shard hashes (src/ledger/tombstones.ts), on a real redis-server and
 * on the in-process store alike: what a repeat is answered while an entry is inside its window and after
 * it, with the record gone (deleted here, as its TTL would); entries an older build kept as keys of their
 * own still dedupe; a write that cleans its shard deletes what is past its window; a shard's TTL; shards
 * split as they fill, so each stays a small hash and every entry is still found. The ledger's clock is
 * moved instead of waiting days.
 */
import assert from 'node:assert/strict';
import { StoreLedger } from '../../src/ledger/StoreLedger.js';
import { retentionOf } from '../../src/ledger/options.js';
import { SHARD_BASE, cleansShard, entryShard, parseLayout, shardOf, type ShardKind } from '../../src/ledger/tombstones.js';
import type { PaidOrder } from '../../src/ledger/types.js';
import type { Redis } from 'ioredis';
import { KeySpace, MemoryStore, RedisStore, type Store } from '../../src/store/index.js';
import { CapturingLogger } from '../helpers/logs.js';
import { useRedisServer } from '../helpers/redisServer.js';

const DAY = 86_400_000;

describe('tombstones and aliases in shard hashes', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let n = 0;

  for (const kind of ['redis', 'memory'] as const) {
    describe(`on the ${kind} store`, () => {
      let store: Store;
      let ledger: StoreLedger;
      let now: number;
      beforeEach(() => {
        const keys = new KeySpace(`tomb${++n}:`);
        store = kind === 'redis' ? new RedisStore({ connection: redis.url, keys, logger: new CapturingLogger() }) : new MemoryStore(keys);
        now = Date.now();
        ledger = new StoreLedger(store, { now: () => now }, { retention: retentionOf({ recordDays: 1, dedupeDays: 10, aliasDays: 5 }) });
      });
      afterEach(() => store.close());

      const order = (orderId: string): PaidOrder => ({ source: 'test', orderId, userId: 'u1', amount: 1, raw: {} });
      const status = async (orderId: string, alias?: string) => {
        const r = await ledger.accept(order(orderId), alias ? { alias } : {});
        return r.status === 'duplicate' ? `duplicate:${r.state}${r.recordExpired ? ':expired' : ''}:${r.dedupeKey}` : r.status;
      };
      const shardOfEntry = (kind: ShardKind, name: string) => entryShard(store, ledger.keys.shards, kind, name);
      /** Every shard hash of a kind the layout has now. */
      const allShards = async (kind: ShardKind) => {
        const l = parseLayout(await store.hget(ledger.keys.shards, kind));
        const prefix = kind === 'tombstones' ? ledger.keys.tombstonesPrefix : ledger.keys.aliasesPrefix;
        return Array.from({ length: SHARD_BASE * 2 ** l.level + l.next }, (_, i) => `${prefix}${i}`);
      };
      /** Accepts and cancels an order, then drops its record as its TTL would. */
      const finished = async (orderId: string, alias?: string) => {
        assert.equal(await status(orderId, alias), 'accepted');
        assert.equal(await ledger.cancel(`test:${orderId}`, 'test'), 'cancelled');
        await store.del(ledger.keys.order(`test:${orderId}`));
      };

      it('a tombstone answers a repeat until dedupeDays from when the order finished, then the id is new', async () => {
        await finished('a');
        const shard = await shardOfEntry('tombstones', 'test:a');
        assert.equal(shard, `${ledger.keys.tombstonesPrefix}${shardOf('test:a')}`, 'before any split, the first layout');
        assert.equal(await store.hget(shard, 'test:a'), `c${now.toString(36)}`, "the state's letter and the time in base-36 ms");
        const ttl = await store.pttl(shard);
        assert.ok(ttl > 9 * DAY && ttl <= 10 * DAY, `the shard expires a window after its last write (pttl ${ttl})`);
        now += 10 * DAY - 1;
        assert.equal(await status('a'), 'duplicate:cancelled:expired:test:a');
        assert.deepEqual(await ledger.tombstone('test:a'), { state: 'cancelled', at: now - (10 * DAY - 1) });
        now += 1;
        assert.equal(await ledger.tombstone('test:a'), undefined, 'past its window, whatever the shard still holds');
        assert.equal(await status('a'), 'accepted', 'after dedupeDays the id is new');
      });

      it('an alias answers a repeat of another id until aliasDays from the arrival', async () => {
        await finished('b', 'cp:1');
        assert.equal(await store.hget(await shardOfEntry('aliases', 'cp:1'), 'cp:1'), `${(now + 5 * DAY).toString(36)}|test:b`, 'where its window ends, and the order');
        now += 5 * DAY - 1;
        assert.equal(await status('c', 'cp:1'), 'duplicate:cancelled:test:b', "known by the alias, with the first order's state from its tombstone");
        now += 1;
        assert.equal(await status('d', 'cp:1'), 'accepted', 'past aliasDays the alias is free again');
        assert.equal(await store.hget(await shardOfEntry('aliases', 'cp:1'), 'cp:1'), `${(now + 5 * DAY).toString(36)}|test:d`, 'and names the new order');
      });

      it('an alias 0.1.0 kept as a key of its own (no TTL) still dedupes', async () => {
        assert.equal(await status('old'), 'accepted');
        await store.set(ledger.keys.legacyAlias('cp:old'), 'test:old');
        assert.equal(await status('other', 'cp:old'), 'duplicate:pending:test:old', 'known by the old alias key: the first order, in its state');
        assert.equal(await status('fresh', 'cp:new'), 'accepted', 'an alias neither keeps is new');
      });

      it('one write in four (by its name) cleans its shard: deletes the entries past their window; other writes leave them', async () => {
        const target = shardOf('test:s0');
        const quiet: string[] = [];
        let cleaner: string | undefined;
        for (let i = 0; (quiet.length < 9 || !cleaner) && i < 100_000; i++) {
          const id = `s${i}`;
          if (shardOf(`test:${id}`) !== target) continue;
          if (cleansShard(`test:${id}`)) cleaner ??= id;
          else if (quiet.length < 9) quiet.push(id);
        }
        assert.ok(quiet.length === 9 && cleaner, 'enough names in one shard');
        const shard = await shardOfEntry('tombstones', `test:${quiet[0]!}`);
        // the alias shard the names' places fall in (before any split, the same number), cleaned by the same
        // writes (aliases are written by the accept)
        const aliases = `${ledger.keys.aliasesPrefix}${target}`;
        await store.hset(aliases, { 'cp:ended': `${(now + DAY).toString(36)}|test:x`, 'cp:live': `${(now + 20 * DAY).toString(36)}|test:y` });
        for (const id of quiet.slice(0, 8)) await finished(id);
        assert.equal(Object.keys(await store.hgetall(shard)).length, 8);
        now += 10 * DAY;
        await finished(quiet[8]!);
        assert.equal(Object.keys(await store.hgetall(shard)).length, 9, 'a write that does not clean leaves the dead entries');
        assert.deepEqual(Object.keys(await store.hgetall(aliases)).sort(), ['cp:ended', 'cp:live']);
        await finished(cleaner);
        assert.deepEqual(
          Object.keys(await store.hgetall(shard)).sort(),
          [`test:${quiet[8]!}`, `test:${cleaner}`].sort(),
          'the cleaning write left only the live entries (its shard held fewer than the sample)',
        );
        assert.deepEqual(Object.keys(await store.hgetall(aliases)), ['cp:live'], 'and the ended alias of the alias shard of the same place is gone');
      });

      it('under steady churn the dead entries stay a bounded share of what the shards hold', async function () {
        this.timeout(120_000);
        // 9,600 orders finished over 40 days with a 10-day window: about 2,400 live at the end, about 38 a
        // shard, so cleaning writes sample their shards rather than read them whole
        const step = (40 * DAY) / 9600;
        for (let i = 0; i < 9600; i++) {
          now += step;
          assert.equal(await status(`churn${i}`), 'accepted');
          assert.equal(await ledger.cancel(`test:churn${i}`, 'test'), 'cancelled');
        }
        let live = 0;
        let stored = 0;
        for (const shard of await allShards('tombstones')) {
          for (const v of Object.values(await store.hgetall(shard))) {
            stored++;
            if (now - parseInt(v.slice(1), 36) < 10 * DAY) live++;
          }
        }
        assert.ok(live >= 2390 && live <= 2410, `${live} live`);
        // read here: about 1,050 dead beside 2,400 live (30 % of what is stored); without cleaning 7,200
        assert.ok(stored - live <= live * 0.6, `${stored - live} dead entries beside ${live} live ones`);
      });

      it(`tombstones spread over the first ${SHARD_BASE} shards`, async () => {
        for (let i = 0; i < 200; i++) await finished(`spread${i}`);
        const shards = new Set(await Promise.all(Array.from({ length: 200 }, (_, i) => shardOfEntry('tombstones', `test:spread${i}`))));
        assert.ok(shards.size > SHARD_BASE * 0.8, `${shards.size} shards used`);
        let total = 0;
        for (const s of shards) total += Object.keys(await store.hgetall(s)).length;
        assert.equal(total, 200);
      });

      it('shards split as they fill: each stays a small hash, every entry is in the one shard the layout names, repeats still dedupe', async function () {
        this.timeout(180_000);
        const N = 12_000;
        const aliasOf = (i: number) => `cp:grow${i}`;
        for (let i = 0; i < N; i++) {
          now += 1;
          assert.equal(await status(`grow${i}`, aliasOf(i)), 'accepted');
          assert.equal(await ledger.cancel(`test:grow${i}`, 'test'), 'cancelled');
        }
        for (const kind of ['tombstones', 'aliases'] as const) {
          const layout = parseLayout(await store.hget(ledger.keys.shards, kind));
          // 12,000 entries over the first 64 shards would be 188 a shard; split, about 40-80
          assert.ok(layout.level >= 1 && SHARD_BASE * 2 ** layout.level + layout.next >= 150, `${kind} layout ${JSON.stringify(layout)}`);
          const where = new Map<string, string>();
          let largest = 0;
          for (const shard of await allShards(kind)) {
            const names = Object.keys(await store.hgetall(shard));
            largest = Math.max(largest, names.length);
            for (const name of names) {
              assert.ok(!where.has(name), `${name} is in ${where.get(name)} and ${shard}`);
              where.set(name, shard);
            }
            if (kind === 'tombstones' && store instanceof RedisStore && names.length > 0) {
              assert.equal(await (store.client as Redis).object('ENCODING', shard), 'listpack', `${shard} (${names.length} fields) is still a small hash`);
            }
          }
          assert.ok(largest <= 128, `the fullest ${kind} shard holds ${largest} fields`);
          assert.equal(where.size, N, `every ${kind} entry is stored once`);
          for (let i = 0; i < N; i += 7) {
            const name = kind === 'tombstones' ? `test:grow${i}` : aliasOf(i);
            assert.equal(where.get(name), await shardOfEntry(kind, name), `${name} is where the layout says`);
          }
        }
        for (const i of [0, 1, 2_345, 6_000, N - 1]) {
          await store.del(ledger.keys.order(`test:grow${i}`));
          assert.equal(await status(`grow${i}`), 'duplicate:cancelled:expired:test:grow' + i, 'a repeat of a split-away tombstone is a duplicate');
          assert.equal(await status(`again${i}`, aliasOf(i)), `duplicate:cancelled:test:grow${i}`, 'a repeat by a split-away alias too');
        }
      });
    });
  }
});
