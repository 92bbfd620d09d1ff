/**
 * Grant handlers under a deadline and a lease: a handler that runs past `ledger.handlerTimeoutMs` has its
 * signal aborted and its attempt counted as failed (retried with backoff); one that ignores the signal
 * still frees its slot, and this process does not start the order again until it returns or a further
 * deadline passes. A process that claims an order it is still running keeps that run (no second run).
 */
import assert from 'node:assert/strict';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge, type GrantContext, type GrantHandler, type PlatformBridge } from '../../src/index.js';
import { GrantWorker } from '../../src/ledger/GrantWorker.js';
import { ledgerOptionsSchema } from '../../src/ledger/options.js';
import { StoreLedger } from '../../src/ledger/StoreLedger.js';
import { MemoryStore } from '../../src/store/index.js';
import type { LeaseEvent } from '../../src/workers/lease/Lease.js';
import { CapturingLogger } from '../helpers/logs.js';
import { waitUntil } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';

let seq = 0;

describe('grant handler deadlines', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let bridge: PlatformBridge | undefined;
  afterEach(async () => {
    await bridge?.close();
    bridge = undefined;
  });

  const boot = (grant: GrantHandler, handlerTimeoutMs: number) => {
    const logger = new CapturingLogger();
    const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
    bridge = registerPlatformBridge(server, {
      redis: redis.url,
      keyPrefix: `dl${++seq}:`,
      logger,
      ledger: { pollIntervalMs: 20, backoffBaseMs: 10, backoffMaxMs: 20, leaseMs: 2000, handlerTimeoutMs },
      grant,
    });
    return { bridge, logger };
  };

  it('a handler past its deadline: signal aborted, attempt failed and logged, retried, then granted', async () => {
    const calls: GrantContext[] = [];
    const reasons: unknown[] = [];
    const { bridge, logger } = boot(async (_o, ctx) => {
      calls.push(ctx);
      if (calls.length === 1) {
        // a handler that honours its signal: stops when aborted
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        reasons.push(ctx.signal.reason);
        throw ctx.signal.reason;
      }
      return { items: [{ id: 'gem', n: 1 }] };
    }, 200);
    const orderId = `slow-${seq}`;
    await bridge.ledger.accept({ source: 'test', orderId, userId: 'u1', amount: 1, raw: {} });
    const rec = await waitUntil(
      'granted',
      () => bridge.ledger.get(`test:${orderId}`),
      (r) => r?.state === 'granted',
    );
    assert.equal(calls.length, 2);
    assert.deepEqual(
      calls.map((c) => c.attempt),
      [1, 2],
    );
    assert.equal(calls[0]!.signal.aborted, true);
    assert.match(String((reasons[0] as Error).message), /did not finish within 200 ms/);
    assert.equal(calls[1]!.signal.aborted, false);
    assert.equal(rec!.attempts, 2, 'one failed attempt, one success');
    assert.match(rec!.lastError!, /did not finish within 200 ms \(handlerTimeoutMs\)/);
    const line = logger.find('grant handler timed out', 'warn');
    assert.equal(line.length, 1);
    assert.equal(line[0]!.fields!.order, `test:${orderId}`);
  });

  it('a handler that ignores its signal frees its slot; the order runs again here only after a further deadline, with an error logged', async () => {
    const starts: number[] = [];
    const { bridge, logger } = boot(async () => {
      starts.push(Date.now());
      if (starts.length === 1) await new Promise(() => undefined); // never settles, ignores the signal
      return {};
    }, 300);
    const orderId = `stuck-${seq}`;
    await bridge.ledger.accept({ source: 'test', orderId, userId: 'u1', amount: 1, raw: {} });
    await waitUntil(
      'granted on the retry',
      () => bridge.ledger.get(`test:${orderId}`),
      (r) => r?.state === 'granted',
    );
    assert.equal(starts.length, 2);
    // first deadline (300) + backoff (≥ 8) + the wait for the stuck run to return (300)
    assert.ok(starts[1]! - starts[0]! >= 600, `second run ${starts[1]! - starts[0]!} ms after the first`);
    assert.equal(logger.find('ignored its abort signal', 'error').length, 1);
  });
});

describe('process clock skew', function () {
  this.timeout(30_000);
  const redis = useRedisServer();

  it('a process whose clock runs 10 minutes ahead does not take over an order another process still runs', async () => {
    const bridges: PlatformBridge[] = [];
    const runs: string[] = [];
    let finish!: () => void;
    const slow = new Promise<void>((r) => (finish = r));
    const boot = (name: string, now: () => number) => {
      const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
      const b = registerPlatformBridge(server, {
        redis: redis.url,
        keyPrefix: 'skew:',
        logger: new CapturingLogger(),
        clock: { now },
        ledger: { pollIntervalMs: 20, leaseMs: 1000 },
        grant: async () => {
          runs.push(name);
          if (name === 'on-time') await slow;
          return {};
        },
      });
      bridges.push(b);
      return b;
    };
    try {
      const onTime = boot('on-time', Date.now);
      await onTime.ledger.accept({ source: 'test', orderId: 'skewed', userId: 'u1', amount: 1, raw: {} });
      await waitUntil(
        'the on-time process runs it',
        () => runs,
        (r) => r.length === 1,
      );
      boot('ahead', () => Date.now() + 600_000);
      // three leases long the fast process polls every 20 ms; on its own clock every lease has long ended
      const since = Date.now();
      await waitUntil(
        'three leases pass',
        async () => [Date.now() - since, await onTime.ledger.get('test:skewed')],
        ([age]) => (age as number) >= 3000,
        10_000,
        100,
      );
      assert.deepEqual(runs, ['on-time'], 'no takeover on a skewed clock');
      finish();
      await waitUntil(
        'granted',
        () => onTime.ledger.get('test:skewed'),
        (r) => r?.state === 'granted',
      );
      assert.deepEqual(runs, ['on-time']);
      assert.equal((await onTime.ledger.get('test:skewed'))!.attempts, 1);
    } finally {
      for (const b of bridges) await b.close();
    }
  });
});

describe('a process claiming an order it still runs', function () {
  it('keeps the running attempt under the new fence: one run, recorded once', async () => {
    // the store's clock is the test's: it jumps past the lease end while the handler runs here, as after
    // a stall of Redis's clock; the holder's own (monotonic) clock says it still holds the lease
    let storeNow = Date.now();
    const store = new MemoryStore(undefined, () => storeNow);
    const ledger = new StoreLedger(store, { now: Date.now });
    const logger = new CapturingLogger();
    const events: LeaseEvent[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    const worker = new GrantWorker({
      store,
      keys: ledger.keys,
      clock: { now: Date.now },
      logger,
      options: ledgerOptionsSchema.parse({ leaseMs: 60_000, pollIntervalMs: 10, handlerTimeoutMs: 60_000 }),
      handler: async () => {
        runs++;
        await gate;
        return {};
      },
      onGranted: () => undefined,
    });
    worker.leaseListeners.add((e) => events.push(e));
    ledger.onAccepted = () => worker.kick();
    worker.start();
    try {
      await ledger.accept({ source: 'test', orderId: 'own', userId: 'u1', amount: 1, raw: {} });
      await waitUntil(
        'handler running',
        () => runs,
        (n) => n === 1,
      );
      const key = ledger.keys.order('test:own');
      storeNow += 120_000;
      await waitUntil(
        'claimed again by this process',
        () => store.db.hget(key, 'fence'),
        (f) => f === '2',
      );
      release();
      const rec = await waitUntil(
        'granted',
        () => ledger.get('test:own'),
        (r) => r?.state === 'granted',
      );
      assert.equal(runs, 1, 'no second run');
      assert.equal(rec!.attempts, 1);
      assert.equal(logger.find('lease lost').length, 0);
      assert.deepEqual(events, [], 'not a takeover from another process, not a loss');
    } finally {
      await worker.stop(100);
    }
  });
});
