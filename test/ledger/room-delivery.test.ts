/**
 * Grant delivery into a real Colyseus room, joined by a real SDK client: a grant made while the player is
 * offline arrives on their next join, and one made while they are connected arrives in their session,
 * once. The room has no bridge code: the lifecycle hooks send the `grant` message.
 */
import assert from 'node:assert/strict';
import { Room, type Client } from '@colyseus/core';
import type { GrantDelivery } from '../../src/index.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { spawnTs, waitFor, within } from '../helpers/processes.js';
import { Redis } from 'ioredis';
import { KeySpace } from '../../src/store/KeySpace.js';
import { LedgerKeys } from '../../src/ledger/keys.js';

/** A room with no bridge code at all: the register call's lifecycle hooks deliver grants to it. */
class ShopRoom extends Room {
  override onJoin(_client: Client, _options: { userId: string }) {}
}

describe('grant delivery to a real room', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let app: BootedBridge;
  before(async () => {
    app = await bootBridge({
      rooms: { shop: ShopRoom },
      // a sweep too slow to matter here: a grant made on another process reaches this one by pub/sub
      bridge: { redis: redis.url, grant: async (o) => ({ items: [{ sku: o.productId, n: 1 }] }), ledger: { pollIntervalMs: 20, deliverySweepMs: 60_000 } },
    });
  });
  after(async () => app.shutdown());

  const paid = (orderId: string, userId: string) => ({ source: 'test', orderId, userId, amount: 60, productId: 'gems-60', raw: {} });

  it('holds a grant for an offline player and delivers it on their next join', async () => {
    await app.bridge.ledger.accept(paid('offline-1', 'alice'));
    await waitFor('granted', async () => ((await app.bridge.ledger.get('test:offline-1'))?.state === 'granted' ? true : undefined));
    const room = await app.colyseus.sdk.joinOrCreate('shop', { userId: 'alice' });
    const got = await new Promise<GrantDelivery>((resolve) => room.onMessage('grant', resolve));
    assert.equal(got.orderId, 'offline-1');
    assert.equal(got.amount, 60);
    assert.deepEqual(got.items, [{ sku: 'gems-60', n: 1 }]);
    await room.leave();
  });

  it('delivers a grant to a connected player in their session, once', async () => {
    const room = await app.colyseus.sdk.joinOrCreate('shop', { userId: 'bob' });
    const got: GrantDelivery[] = [];
    room.onMessage('grant', (d: GrantDelivery) => void got.push(d));
    await app.bridge.ledger.accept(paid('online-1', 'bob'));
    await app.bridge.ledger.accept(paid('online-1', 'bob'));
    await waitFor('delivery', () => (got.length ? true : undefined), 5000);
    // a later grant proves the connection is live and the first was not repeated
    await app.bridge.ledger.accept(paid('online-2', 'bob'));
    await waitFor('second delivery', () => (got.length === 2 ? true : undefined), 5000);
    assert.deepEqual(
      got.map((g) => g.orderId),
      ['online-1', 'online-2'],
    );
    await room.leave();
  });

  it('a grant whose delivery a process that died had claimed reaches the connected player within seconds, once', async () => {
    const room = await app.colyseus.sdk.joinOrCreate('shop', { userId: 'carol' });
    const got: Array<{ d: GrantDelivery; at: number }> = [];
    room.onMessage('grant', (d: GrantDelivery) => void got.push({ d, at: Date.now() }));
    // what a process killed mid-delivery leaves behind: its claim on the delivery, never released
    const probe = new Redis(redis.url);
    try {
      const claimKey = new LedgerKeys(new KeySpace()).deliveryClaim('test:dead-claim-1');
      const claimedAt = Date.now();
      assert.equal(await probe.set(claimKey, 'a-process-that-died', 'PX', 3000, 'NX'), 'OK');
      await app.bridge.ledger.accept(paid('dead-claim-1', 'carol'));
      await waitFor('delivery once the dead claim ends', () => (got.length ? true : undefined), 8000, 20);
      assert.equal(got[0]!.d.orderId, 'dead-claim-1');
      assert.ok(got[0]!.at - claimedAt < 5000, `delivered ${got[0]!.at - claimedAt} ms after the dead process's claim, within 5 s`);
      assert.equal(await probe.hexists(new LedgerKeys(new KeySpace()).inbox('carol'), 'test:dead-claim-1'), 0, 'removed from the inbox once delivered');
      await app.bridge.ledger.accept(paid('dead-claim-2', 'carol'));
      await waitFor('a later grant', () => (got.length === 2 ? true : undefined), 5000, 20);
      assert.deepEqual(
        got.map((g) => g.d.orderId),
        ['dead-claim-1', 'dead-claim-2'],
      );
    } finally {
      probe.disconnect();
      await room.leave();
    }
  });

  it('after a Redis restart, a grant made on another process reaches a connected player by pub/sub (measured)', async () => {
    const room = await app.colyseus.sdk.joinOrCreate('shop', { userId: 'u1' });
    const got: Array<{ d: GrantDelivery; at: number }> = [];
    room.onMessage('grant', (d: GrantDelivery) => void got.push({ d, at: Date.now() }));
    await redis.stop();
    await redis.start(redis.port);
    await waitFor(
      'this process reconnected',
      async () =>
        await app.bridge.ledger.get('test:none').then(
          () => true,
          () => undefined,
        ),
    );
    // the other process: accepts the order for u1 and grants it there (test/fixtures/ledger-process.ts)
    const orderId = `restart-${Date.now()}`;
    const child = spawnTs('test/fixtures/ledger-process.ts', { REDIS_URL: redis.url, MODE: 'once', ORDER_ID: orderId, RUNS_KEY: `runs:${orderId}`, LEASE_MS: '5000' });
    try {
      await waitFor('the other process accepted', () => (/^accepted$/m.test(child.output()) ? true : undefined), 20_000);
      const acceptingAt = Number(/acceptingAt=(\d+)/.exec(child.output())![1]);
      await waitFor('delivery by pub/sub', () => (got.length ? true : undefined), 10_000);
      assert.equal(got[0]!.d.orderId, orderId);
      console.log(`      online delivery after a Redis restart, across processes: ${got[0]!.at - acceptingAt} ms from the other process's accept call`);
    } finally {
      child.kill('SIGTERM');
      await within(10_000, 'the other process exits', child.exited());
      await room.leave();
    }
  });
});
