/**
 * An order's journal across real processes on one Redis: it arrives twice, its grant fails twice, the
 * process granting it is killed, another process takes it over and grants it, and the player's room gets
 * it. The timeline reads exactly that, in that order, with the processes and the errors.
 */
import assert from 'node:assert/strict';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { Redis } from 'ioredis';
import { consoleLogger, registerPlatformBridge, type Store } from '../../src/index.js';
import { MemoryStore, RedisStore } from '../../src/store/index.js';
import { Journal } from '../../src/ledger/journal.js';
import { entriesOf, orderJournalAppendScript } from '../../src/ledger/orderJournal.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { spawnTs, waitFor, within } from '../helpers/processes.js';

describe('order journal', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  let probe: Redis;
  before(() => (probe = new Redis(redis.url)));
  after(() => probe.disconnect());

  it('reads: accepted, duplicate, failed twice, taken over after a kill, granted, delivered', async () => {
    const orderId = `journal-${Date.now()}`;
    const runsKey = `runs:${orderId}`;
    const child = spawnTs('test/fixtures/ledger-process.ts', { REDIS_URL: redis.url, MODE: 'journal', ORDER_ID: orderId, RUNS_KEY: runsKey, LEASE_MS: '4000', BACKOFF_MS: '5' });
    // a lease long enough that a loaded machine's stalls never end it early: the only takeover is after the kill
    try {
      await waitFor('third grant attempt started', async () => ((await probe.llen(runsKey)) === 3 ? true : undefined), 20_000);
      child.kill('SIGKILL');
      await within(10_000, 'child exit', child.exited());
    } finally {
      child.kill('SIGKILL');
    }
    const childPid = child.proc.pid!;

    const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
    const bridge = registerPlatformBridge(server, {
      redis: redis.url,
      logLevel: 'error',
      ledger: { leaseMs: 1000, pollIntervalMs: 20 },
      grant: async () => ({ items: ['gem'] }),
    });
    try {
      const key = `test:${orderId}`;
      await waitFor('granted after takeover', async () => ((await bridge.ledger.get(key))?.state === 'granted' ? true : undefined));
      const delivered: unknown[] = [];
      const detach = bridge.deliveries.attach('u1', (d) => void delivered.push(d), { roomId: 'room-7' });
      await waitFor('delivered', () => (delivered.length === 1 ? true : undefined));
      detach();
      const timeline = await waitFor('delivery journaled', async () => {
        const t = await bridge.desk.timeline(orderId);
        return t?.entries.at(-1)?.event === 'delivered' ? t : undefined;
      });
      assert.equal(timeline.key, key);
      const e = timeline.entries;
      assert.deepEqual(
        e.map((x) => x.event),
        // (on failure, the entries themselves say what happened)
        // leased to the accepting process in the accept step itself, before the duplicate of the same turn
        ['accepted', 'lease_taken', 'duplicate', 'attempt_failed', 'lease_taken', 'attempt_failed', 'lease_taken', 'taken_over', 'granted', 'delivered'],
        JSON.stringify(e),
      );
      const child = `/${childPid}`;
      assert.ok(String(e[0]!.process).endsWith(child), 'accepted by the child process');
      assert.deepEqual([e[0]!.source, e[0]!.orderId, e[0]!.userId, e[0]!.amount], ['test', orderId, 'u1', 6]);
      assert.deepEqual([e[2]!.state, e[2]!.answer], ['granting', 'duplicate'], 'the duplicate found it being granted and was answered');
      assert.equal(e[3]!.error, 'wallet service down (run 1)');
      assert.equal(e[5]!.error, 'wallet service down (run 2)');
      assert.deepEqual(
        [1, 3, 4, 5, 6].map((i) => e[i]!.attempt),
        [1, 1, 2, 2, 3],
        'attempts count hand-overs',
      );
      assert.ok(String(e[6]!.process).endsWith(child), 'the third lease was the killed process');
      assert.ok(String(e[7]!.process).endsWith(`/${process.pid}`), 'taken over here');
      assert.deepEqual([e[7]!.attempt, e[8]!.attempt], [4, 4]);
      assert.deepEqual(e[9]!.rooms, ['room-7']);
      for (let i = 1; i < e.length; i++) assert.ok(e[i]!.at >= e[i - 1]!.at, 'entries in time order');
      // the journal is part of the order's record, which expires the default 90 days after the grant
      const ttl = await probe.pttl(`platform:{ledger}:order:${key}`);
      assert.ok(ttl > 89 * 86_400_000 && ttl <= 90 * 86_400_000, `record expires after the default 90 days (pttl ${ttl})`);
      assert.equal(await probe.exists(`platform:{ledger}:journal:${key}`), 0, 'no journal key of its own');
    } finally {
      await bridge.close();
    }
  });

  for (const kind of ['memory', 'redis'] as const) {
    it(`an order's own journal keeps the first entry and the newest within the bound, and never recreates a gone order (${kind})`, async () => {
      const store: Store = kind === 'memory' ? new MemoryStore() : new RedisStore({ connection: redis.url, logger: consoleLogger('error') });
      try {
        const order = `platform:{ledger}:order:test:jb-${kind}`;
        await store.hset(order, { state: 'granted', jn: '1', j1: JSON.stringify({ at: 0, event: 'accepted' }) });
        for (let i = 1; i <= 5; i++) await store.run(orderJournalAppendScript, [order], [JSON.stringify({ at: i, event: 'delivered' }), 3]);
        const hash = await store.hgetall(order);
        assert.deepEqual(
          entriesOf(hash).map((e) => e.at),
          [0, 4, 5],
        );
        assert.equal(hash.jn, '6');
        // an order journaled before the journal moved into its hash has no count yet: it starts at 1
        const older = `platform:{ledger}:order:test:jb-old-${kind}`;
        await store.hset(older, { state: 'granted' });
        await store.run(orderJournalAppendScript, [older], [JSON.stringify({ at: 9, event: 'delivered' }), 3]);
        assert.deepEqual([(await store.hgetall(older)).jn, entriesOf(await store.hgetall(older)).map((e) => e.at)], ['1', [9]]);
        const gone = `platform:{ledger}:order:test:jb-gone-${kind}`;
        await store.run(orderJournalAppendScript, [gone], [JSON.stringify({ at: 1, event: 'delivered' }), 3]);
        assert.deepEqual(await store.hgetall(gone), {});
      } finally {
        await store.close();
      }
    });
  }

  for (const kind of ['memory', 'redis'] as const) {
    it(`keeps at most maxEntries per order, always the first, and sets its TTL (${kind})`, async () => {
      const store: Store = kind === 'memory' ? new MemoryStore() : new RedisStore({ connection: redis.url, logger: consoleLogger('error') });
      try {
        const journal = new Journal(store, { maxEntries: 4, ttlDays: 1 });
        const key = `platform:{ledger}:journal:bound-${kind}`;
        for (let i = 0; i < 9; i++) await journal.append(key, { at: i, event: i === 0 ? 'accepted' : 'duplicate' });
        assert.deepEqual(
          (await journal.read(key)).map((e) => e.at),
          [0, 6, 7, 8],
        );
        const ttl = await store.pttl(key);
        assert.ok(ttl > 86_000_000 && ttl <= 86_400_000, `ttl ${ttl}`);
        const forever = new Journal(store, { maxEntries: 4, ttlDays: 0 });
        await forever.append(`${key}:x`, { at: 1, event: 'accepted' });
        assert.equal(await store.pttl(`${key}:x`), -1);
      } finally {
        await store.close();
      }
    });
  }
});
