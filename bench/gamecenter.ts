/**
 * GameCenter figures of DESIGN.md: `rank_flush_requests` (requests to flush 100,000 changed users) and
 * `poll_tick_ms` (one order-poll tick with 100,000 pending of which 1,000 are due, beside the same tick with
 * only those 1,000 pending). Both run the real workers against the GameCenter double on loopback and a real
 * Redis; each takes that Redis's URL and uses its own key prefix.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../src/context.js';
import { consoleLogger } from '../src/logger.js';
import { StoreLedger } from '../src/ledger/StoreLedger.js';
import { GameCenterClient } from '../src/platforms/gamecenter/client.js';
import { ZonedDays } from '../src/platforms/gamecenter/day.js';
import { parseGameCenterOptions } from '../src/platforms/gamecenter/options.js';
import { OrderPoller } from '../src/platforms/gamecenter/orders/OrderPoller.js';
import { RankFlusher } from '../src/platforms/gamecenter/ranks/RankFlusher.js';
import { RankStore } from '../src/platforms/gamecenter/ranks/RankStore.js';
import type { RankEntry } from '../src/platforms/gamecenter/ranks/RankSink.js';
import { KeySpace } from '../src/store/KeySpace.js';
import { RedisStore } from '../src/store/RedisStore.js';
import { GameCenterDouble } from '../src/testing/index.js';
import type { Figure } from './lib/report.js';

const APP_ID = 'bench-app';
const SECRET = 'bench-secret';
const logger = consoleLogger('warn', '[bench]');

async function withDouble<T>(clock: Clock, fn: (double: GameCenterDouble) => Promise<T>): Promise<T> {
  const double = new GameCenterDouble({ appId: APP_ID, secret: SECRET, now: () => clock.now() });
  await double.start();
  try {
    return await fn(double);
  } finally {
    await double.stop();
  }
}

function clientFor(double: GameCenterDouble, clock: Clock, fetchImpl?: typeof fetch): GameCenterClient {
  const options = parseGameCenterOptions({ baseUrl: double.url, appId: APP_ID, secret: SECRET, timeoutMs: 30_000 });
  return new GameCenterClient(options, logger, fetchImpl ? { now: () => clock.now(), fetch: fetchImpl } : { now: () => clock.now() });
}

function openStore(redisUrl: string): RedisStore {
  return new RedisStore({ connection: redisUrl, keys: new KeySpace(`bench-gc-${randomUUID().slice(0, 8)}:`), logger, commandTimeoutMs: 30_000 });
}

/**
 * 100,000 changed users of one rank type through RankStore and RankFlusher: requests made vs ⌈100000/999⌉.
 *
 * The double looks for a same-day duplicate by scanning every submission it holds, which is quadratic over
 * 100,000 users (about a minute). So after each answer the bench moves the double's submissions into its
 * own index and does that cross-request check itself; the double still checks signatures, batch limits
 * and duplicates within a request.
 */
export async function benchRankFlush(redisUrl: string): Promise<Figure> {
  const users = 100_000;
  const clock: Clock = { now: () => 1_700_000_000_000 };
  const store = openStore(redisUrl);
  try {
    return await withDouble(clock, async (double) => {
      const stored = new Set<string>();
      let duplicates = 0;
      const fetchIndexing: typeof fetch = async (input, init) => {
        const res = await fetch(input, init);
        for (const sub of double.rankSubmissions.splice(0)) {
          const key = `${sub.rankType}|${sub.userId}|${sub.day}`;
          if (stored.has(key)) duplicates++;
          stored.add(key);
        }
        return res;
      };
      const client = clientFor(double, clock, fetchIndexing);
      const days = new ZonedDays('UTC');
      const sink = new RankStore({ store, clock, days, logger });
      const flusher = new RankFlusher({ store, client, clock, days, logger, options: { batchSize: 999, leaseMs: 120_000, retryMs: 60_000 } });
      const entries: RankEntry[] = Array.from({ length: users }, (_, i) => ({ userId: String(10_000_000 + i), type: 1, value: i % 977 }));
      await sink.record(entries);
      const result = await flusher.flush();
      const value = double.requestsTo('sync.rank_data').length;
      const baseline = Math.ceil(users / 999);
      const ratio = value / baseline;
      return {
        value,
        unit: 'requests',
        baseline,
        ratio,
        target: 'ratio 1.0',
        ok: ratio === 1 && result.sent === users && stored.size === users && duplicates === 0,
        note: `${result.sent} users sent, ${stored.size} stored by the double, ${duplicates} duplicates`,
      };
    });
  } finally {
    await store.close();
  }
}

/** Median wall time of `poller.tick()` over `rounds` ticks, each with all `due` orders due again. */
async function tickTimes(poller: OrderPoller, clock: { t: number }, expected: number, rounds: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    clock.t += 3_000;
    const start = performance.now();
    const r = await poller.tick();
    out.push(performance.now() - start);
    if (r.claimed !== expected) throw new Error(`tick claimed ${r.claimed} orders, expected ${expected}`);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One order-poll tick with 100,000 pending of which 1,000 due, against the same tick with 1,000 pending. */
export async function benchPollTick(redisUrl: string): Promise<Figure> {
  const due = 1_000;
  const pending = 100_000;
  const rounds = 9;
  const clock = { t: 1_700_000_000_000, now: () => clock.t };
  const big = openStore(redisUrl);
  const small = openStore(redisUrl);
  try {
    return await withDouble(clock, async (double) => {
      const client = clientFor(double, clock);
      const options = { claimLimit: 1000, checkChunkSize: 100, concurrency: 4, leaseMs: 60_000, acceptRetryMs: 3_000, sandboxOrders: 'grant' as const };
      const make = (store: RedisStore) => new OrderPoller({ store, client, ledger: new StoreLedger(store, clock), clock, logger, options });
      const heavy = make(big);
      const light = make(small);
      const dueIds = Array.from({ length: due }, (_, i) => String(500_000_000_000 + i));
      for (const id of dueIds) double.orders.set(id, { status: 0, checked: 0 });
      const register = async (poller: OrderPoller, ids: string[]) => {
        for (let i = 0; i < ids.length; i += 2_000) await Promise.all(ids.slice(i, i + 2_000).map((orderId) => poller.register({ orderId, userId: '1' })));
      };
      await register(heavy, dueIds);
      await register(light, dueIds);
      // the other 99,000 were first seen a day later, so none of them falls due during the measurement
      const start = clock.t;
      clock.t += 86_400_000;
      await register(
        heavy,
        Array.from({ length: pending - due }, (_, i) => String(600_000_000_000 + i)),
      );
      clock.t = start;
      // one warm-up tick each (script loading, connection set-up), then alternate so drift hits both alike
      await tickTimes(heavy, clock, due, 1);
      clock.t -= 3_000;
      await tickTimes(light, clock, due, 1);
      const heavyTimes: number[] = [];
      const lightTimes: number[] = [];
      for (let i = 0; i < rounds; i++) {
        heavyTimes.push(...(await tickTimes(heavy, clock, due, 1)));
        clock.t -= 3_000;
        lightTimes.push(...(await tickTimes(light, clock, due, 1)));
      }
      if ((await heavy.pending()) !== pending) throw new Error('pending orders were lost');
      const value = median(heavyTimes);
      const baseline = median(lightTimes);
      const ratio = value / baseline;
      return { value, unit: 'ms', baseline, ratio, target: 'ratio ≤ 1.5', ok: ratio <= 1.5, note: `median of ${rounds} ticks, ${due} due each, 10 order.check_status calls per tick` };
    });
  } finally {
    await Promise.all([big.close(), small.close()]);
  }
}
