/**
 * Tombstones and aliases as fields of shard hashes (src/ledger/tombstones.ts), on a real redis-server and
 * on the in-process store alike: what a repeat is answered while an entry is inside its window and after
 * it, with the record gone (deleted here, as its TTL would); entries an older build kept as keys of their
 * own still dedupe; a write that cleans its shard deletes what is past its window; a shard's TTL. The
 * ledger's clock is moved instead of waiting days.
 */
import assert from 'node:assert/strict';
import { StoreLedger } from '../../src/ledger/StoreLedger.js';
import { retentionOf } from '../../src/ledger/options.js';
import { cleansShard, shardOf, SHARDS } from '../../src/ledger/tombstones.js';
import type { PaidOrder } from '../../src/ledger/types.js';
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
      /** Accepts and cancels an order, then drops its record as its TTL would. */
      const finished = async (orderId: string, alias?: string) => {
        assert.equal(await status(orderId, alias), 'accepted');
        assert.equal(await ledger.cancel(`test:${orderId}`, 'test'), 'cancelled');
        await store.del(ledger.keys.order(`test:${orderId}`));
      };

      it('a tombstone answers a repeat until dedupeDays from when the order finished, then the id is new', async () => {
        await finished('a');
        const shard = ledger.keys.tombstones('test:a');
        assert.equal(shard, `${ledger.keys.tombstonesPrefix}${shardOf('test:a')}`);
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
        assert.equal(await store.hget(ledger.keys.aliases('cp:1'), 'cp:1'), `${(now + 5 * DAY).toString(36)}|test:b`, 'where its window ends, and the order');
        now += 5 * DAY - 1;
        assert.equal(await status('c', 'cp:1'), 'duplicate:cancelled:test:b', "known by the alias, with the first order's state from its tombstone");
        now += 1;
        assert.equal(await status('d', 'cp:1'), 'accepted', 'past aliasDays the alias is free again');
        assert.equal(await store.hget(ledger.keys.aliases('cp:1'), 'cp:1'), `${(now + 5 * DAY).toString(36)}|test:d`, 'and names the new order');
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
        const shard = ledger.keys.tombstones(`test:${quiet[0]!}`);
        // the alias shard of the same number, cleaned by the same writes (aliases are written by the accept)
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
        assert.deepEqual(Object.keys(await store.hgetall(aliases)), ['cp:live'], 'and the ended alias of the same-numbered alias shard is gone');
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
        for (let n = 0; n < SHARDS; n++) {
          for (const v of Object.values(await store.hgetall(`${ledger.keys.tombstonesPrefix}${n}`))) {
            stored++;
            if (now - parseInt(v.slice(1), 36) < 10 * DAY) live++;
          }
        }
        assert.ok(live >= 2390 && live <= 2410, `${live} live`);
        // read here: about 1,050 dead beside 2,400 live (30 % of what is stored); without cleaning 7,200
        assert.ok(stored - live <= live * 0.6, `${stored - live} dead entries beside ${live} live ones`);
      });

      it(`tombstones spread over ${SHARDS} shards`, async () => {
        for (let i = 0; i < 200; i++) await finished(`spread${i}`);
        const shards = new Set(Array.from({ length: 200 }, (_, i) => ledger.keys.tombstones(`test:spread${i}`)));
        assert.ok(shards.size > SHARDS * 0.8, `${shards.size} shards used`);
        let total = 0;
        for (const s of shards) total += Object.keys(await store.hgetall(s)).length;
        assert.equal(total, 200);
      });
    });
  }
});
