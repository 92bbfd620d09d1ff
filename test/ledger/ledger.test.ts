import assert from 'node:assert/strict';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge, StoreUnavailableError, type GrantContext, type LedgerRecord, type PaidOrder, type PlatformBridgeOptions } from '../../src/index.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { CapturingLogger } from '../helpers/logs.js';
import { waitFor } from '../helpers/processes.js';

type Calls = Array<{ order: LedgerRecord; ctx: GrantContext }>;

let seq = 0;
const order = (over: Partial<PaidOrder> = {}): PaidOrder => ({
  source: 'test',
  orderId: `o-${++seq}-${Date.now()}`,
  userId: 'player-1',
  zoneId: '4',
  amount: 499,
  currency: '2',
  productId: 'pack5',
  budanFlag: 0,
  raw: { Amount: 499, extra: 'kept' },
  ...over,
});

function start(extra: Partial<PlatformBridgeOptions> & { fail?: (n: number) => boolean; hold?: Promise<void> } = {}) {
  const calls: Calls = [];
  const logger = new CapturingLogger();
  const { fail, hold, ...opts } = extra;
  const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
  const bridge = registerPlatformBridge(server, {
    logger,
    ledger: { pollIntervalMs: 20, backoffBaseMs: 10, backoffMaxMs: 40, leaseMs: 2000, deliverySweepMs: 100 },
    grant: async (o, ctx) => {
      calls.push({ order: o, ctx });
      await hold;
      if (fail?.(calls.length)) throw new Error(`wallet offline (${calls.length})`);
      return { items: [{ id: 'diamond', n: o.amount }] };
    },
    ...opts,
  });
  return { bridge, calls, logger };
}

function ledgerContract(name: string, redisUrl: () => string | undefined) {
  describe(`ledger on ${name}`, () => {
    let app: ReturnType<typeof start> | undefined;
    // a key prefix per test: on Redis, one test's leftovers must not show in the next one's counts
    const boot = (extra: Parameters<typeof start>[0] = {}) => (app = start({ redis: redisUrl(), keyPrefix: `lt${++seq}:`, ...extra }));
    afterEach(async () => app?.bridge.close());

    it('accepts an order once and grants it once with its key as idempotency key', async () => {
      let release!: () => void;
      const { bridge, calls } = boot({ hold: new Promise<void>((r) => (release = r)) });
      const o = order();
      const first = await bridge.ledger.accept(o);
      assert.equal(first.status, 'accepted');
      // the handler is held in its first run: a duplicate now sees the order being granted
      await waitFor('handler running', () => (calls.length === 1 ? true : undefined));
      const again = await bridge.ledger.accept({ ...o, amount: 1 });
      assert.deepEqual(again, { status: 'duplicate', state: 'granting', dedupeKey: `test:${o.orderId}` });
      release();
      const rec = await waitFor('granted', async () => ((await bridge.ledger.get(`test:${o.orderId}`))?.state === 'granted' ? bridge.ledger.get(`test:${o.orderId}`) : undefined));
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.ctx.idempotencyKey, `test:${o.orderId}`);
      assert.equal(calls[0]!.ctx.attempt, 1);
      assert.equal(calls[0]!.order.amount, 499, 'the duplicate did not change the order');
      assert.deepEqual(calls[0]!.order.raw, { Amount: 499, extra: 'kept' });
      assert.equal(rec!.attempts, 1);
      assert.deepEqual(rec!.result, { items: [{ id: 'diamond', n: 499 }] });
      assert.equal(typeof rec!.grantedAt, 'number');
      const dup = await bridge.ledger.accept(o);
      assert.deepEqual(dup, { status: 'duplicate', state: 'granted', dedupeKey: `test:${o.orderId}` });
      assert.equal(await bridge.ledger.queued(), 0);
    });

    it('keeps BudanFlag make-up orders under the same duplicate check', async () => {
      const { bridge, calls } = boot();
      const o = order({ budanFlag: 1 });
      assert.equal((await bridge.ledger.accept(o)).status, 'accepted');
      assert.equal((await bridge.ledger.accept({ ...o, budanFlag: 2 })).status, 'duplicate');
      await waitFor('grant', () => (calls.length ? true : undefined));
      assert.equal(calls[0]!.order.budanFlag, 1);
    });

    it('exactly one of 200 concurrent accepts of one order wins', async () => {
      const { bridge, calls } = boot();
      const o = order();
      const outcomes = await Promise.all(Array.from({ length: 200 }, () => bridge.ledger.accept(o)));
      assert.equal(outcomes.filter((x) => x.status === 'accepted').length, 1);
      await waitFor('granted', async () => ((await bridge.ledger.get(`test:${o.orderId}`))?.state === 'granted' ? true : undefined));
      assert.equal(calls.length, 1);
    });

    it('treats an order arriving under its alias as a duplicate', async () => {
      const { bridge } = boot({ grant: undefined });
      const a = order({ source: 'gamecenter', orderId: 'gc-1' });
      assert.equal((await bridge.ledger.accept(a, { alias: 'shared-77' })).status, 'accepted');
      const b = await bridge.ledger.accept(order({ source: 'recharge-http', orderId: 'rc-9' }), { alias: 'shared-77' });
      assert.deepEqual(b, { status: 'duplicate', state: 'pending', dedupeKey: 'gamecenter:gc-1' });
      assert.equal(await bridge.ledger.get('recharge-http:rc-9'), undefined, 'the second path recorded nothing');
    });

    it('records a declined order for audit and never grants it', async () => {
      const { bridge, calls } = boot();
      const o = order();
      const r = await bridge.ledger.accept(o, { decline: 'platform status 0' });
      assert.equal(r.status, 'accepted');
      const rec = await bridge.ledger.get(`test:${o.orderId}`);
      assert.deepEqual([rec!.state, rec!.reason], ['declined', 'platform status 0']);
      assert.equal(await bridge.ledger.queued(), 0);
      assert.equal(calls.length, 0);
    });

    it('a declined order later reported paid is granted once; a second paid report is a duplicate', async () => {
      const { bridge, calls } = boot();
      const o = order();
      const key = `test:${o.orderId}`;
      assert.equal((await bridge.ledger.accept(o, { decline: 'platform status 0' })).status, 'accepted');
      const declinedAt = (await bridge.ledger.get(key))!.createdAt;
      // the same failure reported again stays a duplicate, and nothing is granted
      assert.deepEqual(await bridge.ledger.accept(o, { decline: 'platform status 0' }), { status: 'duplicate', state: 'declined', dedupeKey: key });
      assert.equal(calls.length, 0);

      const paid = await bridge.ledger.accept({ ...o, amount: 500, raw: { Amount: 500, status: 1 } });
      assert.equal(paid.status, 'accepted');
      assert.equal(paid.status === 'accepted' && paid.afterDecline, true);
      const rec = await waitFor('granted', async () => ((await bridge.ledger.get(key))?.state === 'granted' ? bridge.ledger.get(key) : undefined));
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.order.amount, 500, 'granted from the paid report');
      assert.deepEqual(calls[0]!.order.raw, { Amount: 500, status: 1 });
      assert.deepEqual([rec!.reason, rec!.declinedReason, rec!.declinedAt], [undefined, 'platform status 0', declinedAt]);

      // a second paid report, and a late failure report, are duplicates of the granted order
      assert.deepEqual(await bridge.ledger.accept(o), { status: 'duplicate', state: 'granted', dedupeKey: key });
      assert.deepEqual(await bridge.ledger.accept(o, { decline: 'platform status 0' }), { status: 'duplicate', state: 'granted', dedupeKey: key });
      assert.equal(await bridge.ledger.queued(), 0);
      assert.equal(calls.length, 1);
    });

    it('retries a failing handler with backoff, showing state, attempts and last error, then grants', async () => {
      const { bridge, calls } = boot({ fail: (n) => n <= 2 });
      const o = order();
      await bridge.ledger.accept(o);
      const key = `test:${o.orderId}`;
      const failed = await waitFor('first failure recorded', async () => {
        const r = await bridge.ledger.get(key);
        return r && r.attempts >= 1 && r.lastError ? r : undefined;
      });
      assert.match(failed.lastError!, /wallet offline/);
      const rec = await waitFor('granted', async () => ((await bridge.ledger.get(key))?.state === 'granted' ? bridge.ledger.get(key) : undefined));
      assert.equal(calls.length, 3);
      assert.deepEqual(
        calls.map((c) => c.ctx.attempt),
        [1, 2, 3],
      );
      assert.ok(calls.every((c) => c.ctx.idempotencyKey === key));
      assert.equal(rec!.attempts, 3);
    });

    it('gives up after maxAttempts, logs it, and an operator retry grants it', async () => {
      let broken = true;
      const { bridge, calls, logger } = boot({ fail: () => broken, ledger: { pollIntervalMs: 20, backoffBaseMs: 5, backoffMaxMs: 10, maxAttempts: 3 } });
      const o = order();
      await bridge.ledger.accept(o);
      const key = `test:${o.orderId}`;
      const rec = await waitFor('given up', async () => ((await bridge.ledger.get(key))?.state === 'given_up' ? bridge.ledger.get(key) : undefined));
      assert.equal(rec!.attempts, 3);
      assert.equal(calls.length, 3);
      // the state is recorded first, then the journal entry, then the log line
      await waitFor('given-up logged', () => (logger.find('order given up', 'error').length ? true : undefined));
      assert.equal(logger.find('order given up', 'error').length, 1);
      broken = false;
      assert.equal(await bridge.ledger.retry(key), true);
      await waitFor('granted after retry', async () => ((await bridge.ledger.get(key))?.state === 'granted' ? true : undefined));
      assert.equal(calls.length, 4);
    });

    it('cancels a pending order, but not a granted one', async () => {
      const { bridge } = boot({ grant: undefined });
      const o = order();
      await bridge.ledger.accept(o);
      assert.equal(await bridge.ledger.cancel(`test:${o.orderId}`, 'checked=1 status=3'), 'cancelled');
      const rec = await bridge.ledger.get(`test:${o.orderId}`);
      assert.deepEqual([rec!.state, rec!.reason], ['cancelled', 'checked=1 status=3']);
      assert.equal(await bridge.ledger.cancel('test:missing', 'x'), 'not-found');
      assert.equal(await bridge.ledger.queued(), 0);
    });

    it('without a grant handler, keeps orders pending (nothing lost) and says so', async () => {
      const { bridge, logger } = boot({ grant: undefined });
      const o = order();
      await bridge.ledger.accept(o);
      assert.equal((await bridge.ledger.get(`test:${o.orderId}`))!.state, 'pending');
      assert.equal(await bridge.ledger.queued(), 1);
      assert.equal(logger.find('no `grant` handler configured', 'warn').length, 1);
    });

    it('delivers a grant to the player if attached, and keeps it in the inbox until they attach', async () => {
      const { bridge } = boot();
      const online: unknown[] = [];
      const detach = bridge.deliveries.attach('online-user', (d) => void online.push(d));
      const o1 = order({ userId: 'online-user' });
      await bridge.ledger.accept(o1);
      await waitFor('online delivery', () => (online.length === 1 ? true : undefined));
      assert.deepEqual(online[0], {
        orderId: o1.orderId,
        dedupeKey: `test:${o1.orderId}`,
        source: 'test',
        userId: 'online-user',
        amount: 499,
        currency: '2',
        productId: 'pack5',
        items: [{ id: 'diamond', n: 499 }],
        grantedAt: (online[0] as { grantedAt: number }).grantedAt,
        acceptedAt: (await bridge.ledger.get(`test:${o1.orderId}`))!.createdAt,
      });
      detach();

      const o2 = order({ userId: 'offline-user' });
      await bridge.ledger.accept(o2);
      await waitFor('granted', async () => ((await bridge.ledger.get(`test:${o2.orderId}`))?.state === 'granted' ? true : undefined));
      const later: Array<{ orderId: string }> = [];
      bridge.deliveries.attach('offline-user', (d) => void later.push(d));
      await waitFor('delivery on attach', () => (later.length === 1 ? true : undefined));
      assert.equal(later[0]!.orderId, o2.orderId);
      assert.equal(await bridge.deliveries.flush('offline-user'), 0, 'delivered once, then gone from the inbox');
    });

    it('keeps a grant in the inbox when the sink throws, and delivers it later', async () => {
      const { bridge, logger } = boot();
      const o = order({ userId: 'flaky' });
      await bridge.ledger.accept(o);
      await waitFor('granted', async () => ((await bridge.ledger.get(`test:${o.orderId}`))?.state === 'granted' ? true : undefined));
      const detach = bridge.deliveries.attach('flaky', () => {
        throw new Error('room gone');
      });
      await waitFor('sink error logged', () => (logger.find('room gone').length ? true : undefined));
      detach();
      const got: unknown[] = [];
      bridge.deliveries.attach('flaky', (d) => void got.push(d));
      await waitFor('redelivered', () => (got.length === 1 ? true : undefined));
    });
  });
}

ledgerContract('the in-process store', () => undefined);

describe('ledger on Redis', () => {
  const redis = useRedisServer();
  ledgerContract('Redis', () => redis.url);

  it('refuses with StoreUnavailableError while Redis is down, then accepts the retried order once', async function () {
    this.timeout(20_000);
    const app = start({ redis: redis.url, redisCommandTimeoutMs: 500 });
    try {
      const o = order();
      await redis.stop();
      await assert.rejects(app.bridge.ledger.accept(o), StoreUnavailableError);
      await redis.start(redis.port);
      const outcome = await waitFor('accept after Redis returns', async () => app.bridge.ledger.accept(o), 10_000, 100);
      assert.equal(outcome.status, 'accepted');
      assert.equal((await app.bridge.ledger.accept(o)).status, 'duplicate');
      await waitFor('granted', async () => ((await app.bridge.ledger.get(`test:${o.orderId}`))?.state === 'granted' ? true : undefined));
      assert.equal(app.calls.length, 1);
    } finally {
      await app.bridge.close();
    }
  });
});
