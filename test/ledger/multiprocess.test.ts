/**
 * Reliability across real processes sharing one Redis: duplicates racing from two processes grant once,
 * and an order whose granting process is killed mid-handler is granted after its lease runs out.
 */
import assert from 'node:assert/strict';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { Redis } from 'ioredis';
import { registerPlatformBridge, type GrantHandler } from '../../src/index.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { spawnTs, waitFor, within } from '../helpers/processes.js';
import { CapturingLogger } from '../helpers/logs.js';

describe('ledger across processes', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  let probe: Redis;
  before(() => (probe = new Redis(redis.url)));
  after(() => probe.disconnect());

  function bridgeHere(grant: GrantHandler, leaseMs = 60_000) {
    const logger = new CapturingLogger();
    const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
    return { logger, bridge: registerPlatformBridge(server, { redis: redis.url, logger, ledger: { leaseMs, pollIntervalMs: 20 }, grant }) };
  }

  it('500 concurrent duplicates of one order over two processes: one accept, one grant', async () => {
    const orderId = `dup-${Date.now()}`;
    const runsKey = `runs:${orderId}`;
    const child = spawnTs('test/fixtures/ledger-process.ts', { REDIS_URL: redis.url, MODE: 'accept-many', ORDER_ID: orderId, COUNT: '250', RUNS_KEY: runsKey });
    const { bridge } = bridgeHere(async (o, ctx) => {
      await probe.rpush(runsKey, `${process.pid}:${ctx.idempotencyKey}:${ctx.attempt}`);
      return {};
    });
    try {
      const order = { source: 'test', orderId, userId: 'u1', amount: 6, raw: {} };
      // both sides connected and warm, then one go: the child's 250 and ours are sent at the same moment
      await bridge.ledger.get('test:warm-up');
      await waitFor('child ready', () => (/^ready$/m.test(child.output()) ? true : undefined), 20_000);
      await probe.rpush(`${runsKey}:go`, 'go');
      const started = Date.now();
      // in waves, until the child says its accepts are under way (and at least 250): so ours are still being
      // sent while its are, however long the child takes to wake up
      const here: Array<Awaited<ReturnType<typeof bridge.ledger.accept>>> = [];
      let childStarted = false;
      for (let wave = 0; wave < 400 && (here.length < 250 || !childStarted); wave++) {
        here.push(...(await Promise.all(Array.from({ length: 10 }, () => bridge.ledger.accept(order)))));
        childStarted ||= (await probe.exists(`${runsKey}:started`)) === 1;
      }
      const ended = Date.now();
      const childLine = await waitFor('child result', () => /accepted=(\d+)/.exec(child.output())?.[1]);
      const [childStart, childEnd] = /window=(\d+),(\d+)/.exec(child.output())!.slice(1).map(Number) as [number, number];
      assert.ok(childStart <= ended && started <= childEnd, `the two processes' accepts overlapped in time (here ${started}..${ended}, child ${childStart}..${childEnd})`);
      const acceptedHere = here.filter((o) => o.status === 'accepted').length;
      assert.equal(acceptedHere + Number(childLine), 1, 'exactly one accept across both processes');
      await waitFor('granted', async () => ((await bridge.ledger.get(`test:${orderId}`))?.state === 'granted' ? true : undefined));
      // give a second grant, if there were one, every chance to be recorded before counting
      await bridge.ledger.accept(order);
      assert.equal(await probe.llen(runsKey), 1, 'the grant handler ran once in total');
    } finally {
      child.kill('SIGKILL');
      await child.exited();
      await bridge.close();
    }
  });

  it('a process killed mid-grant: the order is granted after takeover, exactly once recorded', async () => {
    const orderId = `crash-${Date.now()}`;
    const runsKey = `runs:${orderId}`;
    const child = spawnTs('test/fixtures/ledger-process.ts', { REDIS_URL: redis.url, MODE: 'hang', ORDER_ID: orderId, RUNS_KEY: runsKey, LEASE_MS: '1000' });
    await waitFor('child started the grant', async () => ((await probe.llen(runsKey)) === 1 ? true : undefined), 20_000);
    child.kill('SIGKILL');
    await within(10_000, 'child exit', child.exited());

    const seen: number[] = [];
    const key = `test:${orderId}`;
    const orderKey = `platform:{ledger}:order:${key}`;
    assert.equal(await probe.hget(orderKey, 'state'), 'granting', 'the dead process still holds the lease');

    const { bridge, logger } = bridgeHere(async (o, ctx) => {
      seen.push(ctx.attempt);
      await probe.rpush(runsKey, `${process.pid}:${ctx.idempotencyKey}:${ctx.attempt}`);
      return { items: ['gem'] };
    }, 1000);
    try {
      const rec = await waitFor('granted after takeover', async () => {
        const r = await bridge.ledger.get(key);
        return r?.state === 'granted' ? r : undefined;
      });
      assert.deepEqual(seen, [2], 'one run here, told it is the second hand-over; the dead process never recorded an outcome');
      assert.equal(await probe.llen(runsKey), 2, 'the killed run and the takeover run');
      assert.equal(rec.attempts, 1);
      assert.equal(Number(await probe.hget(orderKey, 'fence')), 2, 'the takeover holds a newer fence');
      assert.equal(logger.find('taking over an order whose grant lease ran out', 'warn').length, 1);
    } finally {
      await bridge.close();
    }
  });
});
