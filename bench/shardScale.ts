/**
 * `redis_bytes_per_tombstone_at_scale`: what a recharge order's tombstone and sign alias cost once many
 * are stored, where `redis_bytes_per_tombstone` reads 1,000. The shard hashes they are fields of split as
 * they fill (src/ledger/tombstones.ts), so the cost should not grow with the count: value = the shards'
 * MEMORY USAGE per order after LARGE orders, baseline = the same after SMALL, on fresh key prefixes of the
 * bench's Redis (the records and indexes the accepts write are deleted first; MEMORY USAGE leaves out the
 * keyspace's own dictionaries, about 3 bytes an entry for the shards' keys). Orders are accepted with a sign
 * alias and cancelled, 64 at a time, through the ledger itself.
 */
import { Redis } from 'ioredis';
import { StoreLedger } from '../src/ledger/StoreLedger.js';
import { consoleLogger } from '../src/logger.js';
import { KeySpace } from '../src/store/KeySpace.js';
import { RedisStore } from '../src/store/RedisStore.js';
import { keysByPattern } from './lib/keyGroups.js';
import type { Figure } from './lib/report.js';

const SMALL = 4_000;
const LARGE = 40_000;

interface ShardReading {
  perOrder: number;
  shards: number;
  hashtables: number;
  largest: number;
  layout: Record<string, string>;
}

async function readingAt(redisUrl: string, probe: Redis, orders: number): Promise<ShardReading> {
  const prefix = `scale${orders}-${process.pid}:`;
  const store = new RedisStore({ connection: redisUrl, keys: new KeySpace(prefix), logger: consoleLogger('error') });
  const ledger = new StoreLedger(store, { now: () => Date.now() });
  try {
    let next = 0;
    const worker = async () => {
      for (let n = next++; n < orders; n = next++) {
        const orderId = String(1_000_000_000 + n);
        // a sign alias as the recharge route writes it: 32 hex digits
        const sign = `${((n * 2654435761) % 2 ** 32).toString(16).padStart(8, '0')}0D92A08C915FCA860C5019ED`;
        await ledger.accept({ source: 'recharge', orderId, userId: `u${n % 5000}`, amount: 499, raw: {} }, { alias: `recharge-sign:${sign}` });
        await ledger.cancel(`recharge:${orderId}`, 'bench');
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    let usage = 0;
    let hashtables = 0;
    let largest = 0;
    const keys = [...(await keysByPattern(probe, prefix)).values()].flat();
    const shards = keys.filter((k) => /\{ledger\}:(tombstones|aliases):\d+$/.test(k));
    for (const key of shards) {
      usage += Number(await probe.memory('USAGE', key, 'SAMPLES', '0'));
      if ((await probe.object('ENCODING', key)) === 'hashtable') hashtables++;
      largest = Math.max(largest, await probe.hlen(key));
    }
    const layout = await probe.hgetall(`${prefix}{ledger}:shards`);
    usage += Number((await probe.memory('USAGE', `${prefix}{ledger}:shards`)) ?? 0);
    return { perOrder: usage / orders, shards: shards.length, hashtables, largest, layout };
  } finally {
    await store.close();
    for (const key of [...(await keysByPattern(probe, prefix)).values()].flat()) await probe.unlink(key);
  }
}

export async function benchShardScale(redisUrl: string): Promise<Figure> {
  const probe = new Redis(redisUrl);
  try {
    const small = await readingAt(redisUrl, probe, SMALL);
    const large = await readingAt(redisUrl, probe, LARGE);
    const text = (n: number, r: ShardReading) =>
      `${n} orders: ${r.perOrder.toFixed(1)} B/order in ${r.shards} shards (${r.hashtables} hashtable-encoded, the fullest ${r.largest} fields), layout ${JSON.stringify(r.layout)}`;
    return {
      value: large.perOrder,
      unit: 'B/order',
      baseline: small.perOrder,
      ratio: large.perOrder / small.perOrder,
      target: '≤ 150',
      ok: large.perOrder <= 150 && large.hashtables === 0,
      note: `MEMORY USAGE of the tombstone and alias shard hashes (and their layout) per recharge order, accepted with a sign alias and cancelled; value ${text(LARGE, large)}; baseline ${text(SMALL, small)}; the shards' keys in the keyspace add about 3 B an entry`,
    };
  } finally {
    probe.disconnect();
  }
}
