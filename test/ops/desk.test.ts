/**
 * The desk from code, on the in-process store and on a real Redis: find an order by its platform id, its
 * alias or its key; a player's orders newest first, paged; lists of given-up, pending and stuck granting
 * orders; retry and cancel with their rules and journal entries; a day's export in a chosen time zone.
 */
import assert from 'node:assert/strict';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge, type PlatformBridgeOptions } from '../../src/index.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor } from '../helpers/processes.js';
import { CapturingLogger } from '../helpers/logs.js';

async function text(gen: AsyncGenerator<string>): Promise<string> {
  let s = '';
  for await (const c of gen) s += c;
  return s;
}

function suite(name: string, redisUrl: () => string | undefined) {
  describe(`desk on ${name}`, () => {
    const bridges: Array<{ close(): Promise<void> }> = [];
    afterEach(async () => {
      for (const b of bridges.splice(0)) await b.close();
    });
    // real time moved by `shift` (so backoffs come due), or frozen at `t` where exact times matter
    let shift = 0;
    let t: number | undefined;
    const clock = { now: () => t ?? Date.now() + shift };
    beforeEach(() => {
      shift = 0;
      t = undefined;
    });
    const boot = (o: Partial<PlatformBridgeOptions> = {}) => {
      const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
      const bridge = registerPlatformBridge(server, { redis: redisUrl(), keyPrefix: `desk${Math.random().toString(36).slice(2)}:`, logger: new CapturingLogger(), clock, ...o });
      bridges.push(bridge);
      return bridge;
    };
    const order = (orderId: string, userId = 'p1', extra = {}) => ({
      source: 'recharge-http',
      orderId,
      dedupeKey: `recharge:${orderId}`,
      userId,
      zoneId: '3',
      amount: 600,
      currency: 'CNY',
      raw: { order_no: orderId, cporder_no: `cp-${orderId}` },
      ...extra,
    });

    it('finds an order by platform id, ledger key or alias; and a player’s orders newest first, paged', async () => {
      const b = boot({ grant: undefined });
      for (let i = 1; i <= 5; i++) {
        shift += 1000;
        await b.ledger.accept(order(`o${i}`), i === 3 ? { alias: 'cp:game-3' } : {});
      }
      await b.ledger.accept(order('x1', 'p2'));
      assert.equal((await b.desk.get('o2'))?.dedupeKey, 'recharge:o2');
      assert.equal((await b.desk.get('recharge:o4'))?.orderId, 'o4');
      assert.equal((await b.desk.get('game-3'))?.orderId, 'o3', 'by alias (GameCenter cp: prefix)');
      assert.equal(await b.desk.get('nope'), undefined);
      const p1 = await b.desk.find('p1', { limit: 2 });
      assert.deepEqual(
        p1.orders.map((o) => o.orderId),
        ['o5', 'o4'],
      );
      const p2 = await b.desk.find('p1', { limit: 2, cursor: p1.next });
      assert.deepEqual(
        p2.orders.map((o) => o.orderId),
        ['o3', 'o2'],
      );
      const p3 = await b.desk.find('p1', { limit: 2, cursor: p2.next });
      assert.deepEqual([p3.orders.map((o) => o.orderId), p3.next], [['o1'], undefined]);
      assert.deepEqual(
        (await b.desk.find('p2')).orders.map((o) => o.orderId),
        ['x1'],
      );
    });

    it('keeps only the newest ledger.ordersPerUser in a player’s index', async () => {
      const b = boot({ grant: undefined, ledger: { ordersPerUser: 3 } });
      for (let i = 1; i <= 5; i++) {
        shift += 1000;
        await b.ledger.accept(order(`k${i}`));
      }
      assert.deepEqual(
        (await b.desk.find('p1')).orders.map((o) => o.orderId),
        ['k5', 'k4', 'k3'],
      );
      assert.equal((await b.desk.get('k1'))?.state, 'pending', 'the order itself is kept');
    });

    it('lists given-up orders, retries one (journaled with who) and cancels another; never cancels a granted one', async () => {
      let broken = true;
      const b = boot({
        grant: async () => {
          if (broken) throw new Error('wallet down');
          return {};
        },
        ledger: { pollIntervalMs: 20, backoffBaseMs: 5, backoffMaxMs: 5, maxAttempts: 2 },
      });
      await b.ledger.accept(order('g1'));
      await b.ledger.accept(order('g2'));
      await waitFor('both given up', async () => ((await b.desk.list({ state: 'given_up' })).orders.length === 2 ? true : undefined));
      assert.deepEqual(await b.desk.counts(), { pending: 0, granting: 0, given_up: 2, exact: true });
      broken = false;
      assert.deepEqual(await b.desk.retry('g1', { by: 'alice', address: '10.0.0.5' }), { outcome: 'retried', key: 'recharge:g1' });
      await waitFor('g1 granted', async () => ((await b.desk.get('g1'))?.state === 'granted' ? true : undefined));
      assert.deepEqual(await b.desk.retry('g1'), { outcome: 'not-given-up', key: 'recharge:g1' });
      assert.deepEqual(await b.desk.cancel('g1', 'refunded'), { outcome: 'already-terminal', key: 'recharge:g1' });
      assert.deepEqual(await b.desk.cancel('g2', 'refunded by platform', { by: 'bob' }), { outcome: 'cancelled', key: 'recharge:g2' });
      assert.deepEqual(await b.desk.retry('zzz'), { outcome: 'not-found' });
      await assert.rejects(() => b.desk.cancel('g2', '  '), /needs a reason/);
      assert.equal((await b.desk.list({ state: 'given_up' })).orders.length, 0);
      const g1 = (await b.desk.timeline('g1'))!.entries;
      const retried = g1.find((e) => e.event === 'retried')!;
      assert.deepEqual([retried.by, retried.address], ['alice', '10.0.0.5']);
      assert.equal(g1.at(-1)!.event, 'granted');
      const g2 = (await b.desk.timeline('g2'))!.entries;
      assert.deepEqual([g2.at(-1)!.event, g2.at(-1)!.by, g2.at(-1)!.reason], ['cancelled', 'bob', 'refunded by platform']);
      assert.deepEqual([g2.at(-2)!.event, g2.at(-3)!.event], ['given_up', 'attempt_failed']);
    });

    it('lists pending orders and orders granting for longer than a threshold; cancels pending, not granting', async () => {
      let release!: () => void;
      const hold = new Promise<void>((r) => (release = r));
      const b = boot({
        grant: async (o) => {
          if (o.orderId === 's1') await hold;
          return {};
        },
        ledger: { pollIntervalMs: 20 },
      });
      await b.ledger.accept(order('s1'));
      await waitFor('s1 granting', async () => ((await b.desk.get('s1'))?.state === 'granting' ? true : undefined));
      assert.deepEqual(await b.desk.counts(), { pending: 0, granting: 1, given_up: 0, exact: true });
      assert.deepEqual((await b.desk.list({ state: 'granting', olderThanMs: 5 * 60_000 })).orders, []);
      shift += 10 * 60_000;
      assert.deepEqual(
        (await b.desk.list({ state: 'granting', olderThanMs: 5 * 60_000 })).orders.map((o) => o.orderId),
        ['s1'],
      );
      assert.deepEqual((await b.desk.list({ state: 'granting', olderThanMs: 20 * 60_000 })).orders, []);
      assert.deepEqual((await b.desk.list({ state: 'pending' })).orders, []);
      assert.deepEqual(await b.desk.cancel('s1', 'x'), { outcome: 'in-progress', key: 'recharge:s1' });
      release();
      await waitFor('s1 granted', async () => ((await b.desk.get('s1'))?.state === 'granted' ? true : undefined));
    });

    it('pages pending orders by schedule', async () => {
      const b = boot({ grant: undefined });
      for (let i = 1; i <= 5; i++) {
        shift += 1000;
        await b.ledger.accept(order(`q${i}`));
      }
      const first = await b.desk.list({ state: 'pending', limit: 3 });
      assert.deepEqual(
        first.orders.map((o) => o.orderId),
        ['q1', 'q2', 'q3'],
      );
      const rest = await b.desk.list({ state: 'pending', limit: 3, cursor: first.next });
      assert.deepEqual(
        rest.orders.map((o) => o.orderId),
        ['q4', 'q5'],
      );
      assert.equal((await b.desk.counts()).pending, 5);
    });

    it('exports one day in the chosen time zone as CSV and JSON lines', async () => {
      const b = boot({ grant: undefined });
      t = Date.UTC(2026, 2, 1, 15, 59, 59); // 2026-03-01 23:59:59 in Shanghai
      await b.ledger.accept(order('d1'));
      t = Date.UTC(2026, 2, 1, 16, 0, 0); // 2026-03-02 00:00:00 in Shanghai, still March 1st in UTC
      await b.ledger.accept(order('d2', 'p2', { amount: 30 }));
      t = Date.UTC(2026, 2, 2, 15, 59, 59);
      await b.ledger.accept(order('d3'));
      t = Date.UTC(2026, 2, 2, 16, 0, 0);
      await b.ledger.accept(order('d4'));
      const csv = await text(b.desk.export('2026-03-02', { timeZone: 'Asia/Shanghai', format: 'csv' }));
      assert.equal(
        csv,
        'time,source,order_id,platform_ids,ledger_key,user_id,zone_id,amount,currency,state,granted_at\r\n' +
          '2026-03-02T00:00:00.000+08:00,recharge-http,d2,cporder_no=cp-d2,recharge:d2,p2,3,30,CNY,pending,\r\n' +
          '2026-03-02T23:59:59.000+08:00,recharge-http,d3,cporder_no=cp-d3,recharge:d3,p1,3,600,CNY,pending,\r\n',
      );
      const lines = (await text(b.desk.export('2026-03-01', { timeZone: 'UTC' })))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => l.order_id),
        ['d1', 'd2'],
      );
      assert.equal(lines[0].time, '2026-03-01T15:59:59.000+00:00');
      await assert.rejects(() => text(b.desk.export('2026-3-1')), /YYYY-MM-DD/);
    });
  });
}

suite('the in-process store', () => undefined);
describe('desk on Redis', () => {
  const redis = useRedisServer();
  suite('Redis', () => redis.url);
});
