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
import { waitFor } from '../helpers/processes.js';

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
      bridge: { redis: redis.url, grant: async (o) => ({ items: [{ sku: o.productId, n: 1 }] }), ledger: { pollIntervalMs: 20 } },
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
    assert.deepEqual(got.map((g) => g.orderId), ['online-1', 'online-2']);
    await room.leave();
  });
});
