/** Shared setup for the GameCenter worker tests: an injected clock, a store per test on the suite's Redis, the double. */
import type { Clock } from '../../src/context.js';
import { GameCenterClient } from '../../src/platforms/gamecenter/client.js';
import type { GameCenterClientDeps } from '../../src/platforms/gamecenter/client.js';
import { ZonedDays } from '../../src/platforms/gamecenter/day.js';
import { parseGameCenterOptions } from '../../src/platforms/gamecenter/options.js';
import { KeySpace } from '../../src/store/KeySpace.js';
import { RedisStore } from '../../src/store/RedisStore.js';
import type { Store } from '../../src/store/Store.js';
import { GameCenterDouble } from '../../src/testing/index.js';
import { CapturingLogger } from '../helpers/logs.js';
import { useRedisServer } from '../helpers/redisServer.js';

export const APP_ID = 'app-1';
export const SECRET = 'double-secret';
/** 2023-11-14T22:13:20Z: an arbitrary fixed start, well inside one Dubai day (UTC+4). */
export const T0 = 1_700_000_000_000;

export class TestClock implements Clock {
  constructor(public t = T0) {}
  now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}

export interface World {
  clock: TestClock;
  logger: CapturingLogger;
  double: GameCenterDouble;
  /** One store per simulated process; all share the suite's Redis and this test's key prefix. */
  store(): Store;
  client(deps?: GameCenterClientDeps, over?: Partial<Parameters<typeof parseGameCenterOptions>[0]>): GameCenterClient;
}

let seq = 0;

/** mocha hooks: one redis-server for the suite, a fresh double, clock and key prefix per test. */
export function useWorld(opts: { timeZone?: string } = {}): World {
  const redis = useRedisServer();
  const w = {} as World;
  let stores: Store[] = [];
  beforeEach(async () => {
    const prefix = `gw${++seq}:`;
    const days = new ZonedDays(opts.timeZone ?? 'UTC');
    w.clock = new TestClock();
    w.logger = new CapturingLogger();
    w.double = new GameCenterDouble({ appId: APP_ID, secret: SECRET, now: w.clock.now, dayOf: (ms) => days.dayOf(ms) });
    await w.double.start();
    w.store = () => {
      const s = new RedisStore({ connection: redis.url, keys: new KeySpace(prefix), logger: w.logger });
      stores.push(s);
      return s;
    };
    w.client = (deps = {}, over = {}) =>
      new GameCenterClient(parseGameCenterOptions({ baseUrl: w.double.url, appId: APP_ID, secret: SECRET, retryBackoffMs: 1, timeoutMs: 5000, ...over }), w.logger, {
        now: w.clock.now,
        ...deps,
      });
  });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
    await w.double.stop();
  });
  return w;
}

/** Pairs of a recorded sync.rank_data request, parsed the simple way (test ids are small). */
export function rankPairs(rawData: string | undefined): Array<[number, number]> {
  return JSON.parse(rawData ?? '[]') as Array<[number, number]>;
}
