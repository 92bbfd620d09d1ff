/**
 * `colyseus-platform-bridge orders …` run as a child process against a real Redis, as an operator would:
 * finds a player's orders, lists the given-up ones, refuses a retry without --yes and retries with it
 * (journaled as the CLI's), cancels with a reason, and exports a day as CSV.
 */
import assert from 'node:assert/strict';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge } from '../../src/index.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { spawnTs, waitFor, within } from '../helpers/processes.js';
import { CapturingLogger } from '../helpers/logs.js';
import { Redis } from 'ioredis';
import { shardOf } from '../../src/ledger/tombstones.js';

describe('orders CLI', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  const prefix = `cli${Date.now()}:`;

  async function cli(...args: string[]): Promise<{ code: number | null; out: string }> {
    const child = spawnTs('src/cli.ts', { REDIS_URL: '', USER: 'ops-tester' }, ['orders', ...args, '--redis', redis.url, '--key-prefix', prefix]);
    const { code } = await within(20_000, `orders ${args.join(' ')}`, child.exited());
    return { code, out: child.output() };
  }

  before(async () => {
    const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
    const bridge = registerPlatformBridge(server, {
      redis: redis.url,
      keyPrefix: prefix,
      logger: new CapturingLogger(),
      grant: async (o) => {
        if (o.orderId !== 'c3') throw new Error('wallet down');
        return {};
      },
      ledger: { pollIntervalMs: 20, maxAttempts: 1 },
    });
    for (const id of ['c1', 'c2', 'c3']) await bridge.ledger.accept({ source: 'vngates', orderId: id, userId: 'player-9', amount: 250, currency: 'VND', raw: { transaction_id: id } });
    await waitFor('settled', async () => ((await bridge.desk.counts()).given_up === 2 && (await bridge.desk.get('c3'))?.state === 'granted' ? true : undefined));
    await bridge.close();
  });

  it('finds a player’s orders (table and --json)', async () => {
    const t = await cli('find', 'player-9');
    assert.equal(t.code, 0, t.out);
    const lines = t.out.trim().split('\n');
    assert.match(lines[0]!, /^created\s+ledger key\s+user\s+amount\s+currency\s+state\s+attempts\s+granted$/);
    assert.deepEqual(
      lines.slice(2).map((l) => l.split(/\s+/)[1]),
      ['vngates:c3', 'vngates:c2', 'vngates:c1'],
    );
    const j = await cli('find', 'player-9', '--json', '--limit', '2');
    const page = JSON.parse(j.out);
    assert.deepEqual([page.orders.map((o: { orderId: string }) => o.orderId), page.next], [['c3', 'c2'], '2']);
  });

  it('lists given-up orders, retries one only with --yes, and cancels another with a reason', async () => {
    const listed = JSON.parse((await cli('list', 'given_up', '--json')).out);
    assert.deepEqual(listed.orders.map((o: { orderId: string }) => o.orderId).sort(), ['c1', 'c2']);
    const dry = await cli('retry', 'c1');
    assert.equal(dry.code, 2);
    assert.match(dry.out, /would retry vngates:c1 \(state given_up, 1 failed attempts, last error: wallet down\)\nre-run with --yes/);
    assert.equal(JSON.parse((await cli('get', 'c1', '--json')).out).state, 'given_up', 'nothing changed without --yes');
    const done = await cli('retry', 'c1', '--yes');
    assert.equal(done.code, 0, done.out);
    assert.match(done.out, /retried vngates:c1: pending again/);
    assert.equal(JSON.parse((await cli('get', 'c1', '--json')).out).state, 'pending');
    const tl = JSON.parse((await cli('timeline', 'c1', '--json')).out);
    assert.deepEqual(
      tl.entries.map((e: { event: string }) => e.event),
      ['accepted', 'lease_taken', 'attempt_failed', 'given_up', 'retried'],
    );
    assert.equal(tl.entries.at(-1).by, 'cli:ops-tester');
    const table = await cli('timeline', 'c1');
    assert.match(table.out, /retried\s+by=cli:ops-tester/);

    assert.equal((await cli('cancel', 'c2', '--yes')).code, 2, 'a reason is required');
    assert.match((await cli('cancel', 'c2', '--reason', 'x', '--yes', '--record-days', '5', '--dedupe-days', '2')).out, /--dedupe-days: must be at least recordDays/);
    assert.match((await cli('cancel', 'c2', '--reason', 'x', '--yes', '--record-days', 'abc')).out, /--record-days: must be a positive number of days/);
    assert.equal(JSON.parse((await cli('get', 'c2', '--json')).out).state, 'given_up', 'a refused flag changes nothing');
    // the deployment's retention, not the defaults: the cancelled record and its tombstone expire on its schedule
    const cancelled = await cli('cancel', 'c2', '--reason', 'refunded by VNGates', '--yes', '--record-days', '2', '--dedupe-days', '3');
    assert.equal(cancelled.code, 0, cancelled.out);
    const probe = new Redis(redis.url);
    try {
      const day = 86_400_000;
      const [orderKey] = await probe.keys(`${prefix}*order:vngates:c2`);
      const [seenKey] = await probe.keys(`${prefix}*tombstones:${shardOf('vngates:c2')}`);
      assert.ok(orderKey && seenKey, 'the order hash and its tombstone shard');
      assert.match((await probe.hget(seenKey, 'vngates:c2'))!, /^c[0-9a-z]{8}$/, 'the tombstone says cancelled');
      const [recordTtl, seenTtl] = [await probe.pttl(orderKey), await probe.pttl(seenKey)];
      assert.ok(recordTtl > 2 * day - 60_000 && recordTtl <= 2 * day, `record ttl ${recordTtl}`);
      assert.ok(seenTtl > 3 * day - 60_000 && seenTtl <= 3 * day, `tombstone ttl ${seenTtl}`);
    } finally {
      probe.disconnect();
    }
    assert.equal((await cli('cancel', 'c3', '--reason', 'x', '--yes')).code, 1, 'a granted order is never cancelled');
    assert.equal((await cli('get', 'nope')).code, 1);
  });

  it('exports today as CSV', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const r = await cli('export', day, '--format', 'csv', '--time-zone', 'UTC');
    assert.equal(r.code, 0, r.out);
    const rows = r.out.trim().split('\r\n');
    assert.equal(rows[0], 'time,source,order_id,platform_ids,ledger_key,user_id,zone_id,amount,currency,state,granted_at');
    const byId = Object.fromEntries(rows.slice(1).map((row) => [row.split(',')[2], row.split(',')]));
    assert.deepEqual(Object.keys(byId).sort(), ['c1', 'c2', 'c3']);
    assert.deepEqual([byId.c3![7], byId.c3![8], byId.c3![9]], ['250', 'VND', 'granted']);
    assert.equal(byId.c2![9], 'cancelled');
  });
});
