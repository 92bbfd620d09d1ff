/**
 * Grants the client acknowledges, with real SDK clients: a `grant` message the client did not acknowledge
 * comes back at the next join and one it acknowledged does not; a player inside Colyseus's reconnection
 * window is waited for (debug, never error) and gets the grant when back. Run for a room with no bridge
 * code (lifecycle delivery) and a room with the PlatformPlugin.
 */
import assert from 'node:assert/strict';
import { Room, definePlugins, type Client } from '@colyseus/core';
import type { Room as SdkRoom } from '@colyseus/sdk';
import { Redis } from 'ioredis';
import { PlatformPlugin } from '../../src/index.js';
import { onGrant, type Grant } from '../../src/client.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor } from '../helpers/processes.js';

/** No bridge code: the lifecycle delivers. Answers `ping` so a test knows every earlier message has arrived. */
class ShopRoom extends Room {
  override onCreate() {
    this.onMessage('ping', (client) => client.send('pong', {}));
  }
  override onJoin(_client: Client, _options: { userId: string }) {}
  override onDrop(client: Client) {
    this.allowReconnection(client, 20);
  }
}

class ArenaRoom extends Room {
  override plugins = definePlugins([new PlatformPlugin()]);
  override onCreate() {
    this.onMessage('ping', (client) => client.send('pong', {}));
  }
  override onJoin(_client: Client, _options: { userId: string }) {}
  override onDrop(client: Client) {
    this.allowReconnection(client, 20);
  }
}

/** Every message of an earlier send has arrived once the pong to this ping has. */
async function drained(room: SdkRoom): Promise<void> {
  const pong = new Promise<void>((resolve) => room.onMessage('pong', () => resolve()));
  room.send('ping', {});
  await pong;
}

describe('grants the client acknowledges', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let app: BootedBridge;
  before(async () => {
    app = await bootBridge({
      rooms: { shop: ShopRoom, arena: ArenaRoom },
      bridge: { redis: redis.url, logLevel: 'debug', grant: async () => ({ items: [{ sku: 'gems', n: 60 }] }), ledger: { pollIntervalMs: 20 } },
    });
  });
  after(async () => app.shutdown());

  const paid = (orderId: string, userId: string) => ({ source: 'test', orderId, userId, amount: 60, raw: {} });
  const granted = (key: string) => waitFor(`${key} granted`, async () => ((await app.bridge.ledger.get(key))?.state === 'granted' ? true : undefined));
  const unacknowledged = (userId: string) => app.bridge.store.hgetall(app.bridge.store.keys.tagged('ledger', 'unacked', userId));
  /** Where versions before the hand-over kept them. */
  const keptByOlderVersion = (userId: string) => app.bridge.store.keys.tagged('grant-acks', userId);

  for (const roomName of ['shop', 'arena']) {
    describe(`in a ${roomName === 'shop' ? 'room without bridge code' : 'room with the PlatformPlugin'}`, () => {
      it('sends an unacknowledged grant again on the next join, and an acknowledged one not', async () => {
        const userId = `${roomName}-ack-player`;
        await app.bridge.ledger.accept(paid(`${roomName}-a1`, userId));
        await granted(`test:${roomName}-a1`);

        // join 1: a client that shows grants but never acknowledges them (e.g. an old build)
        const first = await app.colyseus.sdk.joinOrCreate(roomName, { userId });
        const seen1: Grant[] = [];
        first.onMessage('grant', (g: Grant) => void seen1.push(g));
        await waitFor('the grant in the first session', () => (seen1.length ? true : undefined), 5000);
        assert.equal(seen1[0]!.key, `test:${roomName}-a1`);
        assert.deepEqual(Object.keys(await unacknowledged(userId)), [`test:${roomName}-a1`]);
        // handed over in one step: out of the inbox, no delivery claim taken, journaled as delivered
        assert.deepEqual(await app.bridge.store.hgetall(app.bridge.store.keys.tagged('ledger', 'inbox', userId)), {});
        assert.equal(await app.bridge.store.get(app.bridge.store.keys.tagged('ledger', 'delivering', `test:${roomName}-a1`)), null);
        assert.deepEqual((await app.bridge.desk.timeline(`${roomName}-a1`))?.entries.at(-1)?.event, 'delivered');
        await first.leave();

        // join 2: the helper shows it once and acknowledges it
        const second = await app.colyseus.sdk.joinOrCreate(roomName, { userId });
        const shown2: Grant[] = [];
        onGrant(second, (g) => void shown2.push(g));
        await waitFor('the grant sent again', () => (shown2.length ? true : undefined), 5000);
        assert.deepEqual(
          shown2.map((g) => [g.key, g.orderId, g.amount]),
          [[`test:${roomName}-a1`, `${roomName}-a1`, 60]],
        );
        await waitFor('the acknowledgement recorded', async () => (Object.keys(await unacknowledged(userId)).length === 0 ? true : undefined), 5000);
        await drained(second);
        assert.equal(shown2.length, 1, 'shown once in the session');
        await second.leave();

        // join 3: nothing comes back
        app.logger.clear();
        const third = await app.colyseus.sdk.joinOrCreate(roomName, { userId });
        const seen3: Grant[] = [];
        third.onMessage('grant', (g: Grant) => void seen3.push(g));
        await waitFor('the join checked for unacknowledged grants', () =>
          app.logger.find('grants not acknowledged yet were sent again', 'debug').find((l) => l.fields?.room === third.roomId) ? true : undefined,
        );
        await drained(third);
        assert.deepEqual(seen3, []);
        await third.leave();
      });

      it('a grant made on the process where the player is connected is handed over in its own step: no inbox, waiting set or notice', async () => {
        const userId = `${roomName}-here-player`;
        const key = `test:${roomName}-h1`;
        const room = await app.colyseus.sdk.joinOrCreate(roomName, { userId });
        const shown: Grant[] = [];
        onGrant(room, (g) => void shown.push(g));
        await drained(room);
        const channel = app.bridge.store.keys.channel('grants');
        const heard: string[] = [];
        const probe = new Redis(redis.url);
        const listener = new Redis(redis.url);
        try {
          await listener.subscribe(channel);
          listener.on('message', (_c: string, m: string) => void heard.push(m));
          await app.bridge.ledger.accept(paid(`${roomName}-h1`, userId));
          await waitFor('the grant shown', () => (shown.length ? true : undefined), 5000);
          assert.deepEqual(
            shown.map((g) => [g.key, g.amount]),
            [[key, 60]],
          );
          // a marker published after it: pub/sub keeps a channel's order, so a notice of the grant would come first
          await probe.publish(channel, 'marker');
          await waitFor('the marker', () => (heard.includes('marker') ? true : undefined), 5000);
          assert.deepEqual(heard, ['marker'], 'no notice published for a grant handed over where it was made');
          assert.equal(await probe.zscore(app.bridge.store.keys.tagged('ledger', 'waiting'), userId), null);
          assert.equal(await probe.exists(app.bridge.store.keys.tagged('ledger', 'inbox', userId)), 0);
          const events = (await app.bridge.desk.timeline(`${roomName}-h1`))?.entries.map((e) => e.event);
          assert.deepEqual(events?.slice(-2), ['granted', 'delivered']);
          // acknowledged by the helper: nothing kept
          await waitFor('acknowledged', async () => (Object.keys(await unacknowledged(userId)).length === 0 ? true : undefined), 5000);
          await drained(room);
          assert.equal(shown.length, 1);
        } finally {
          listener.disconnect();
          probe.disconnect();
          await room.leave();
        }
      });

      it('sends again, once, a grant an older version kept unacknowledged, and its acknowledgement removes it there', async () => {
        const userId = `${roomName}-legacy-player`;
        const key = `test:${roomName}-old1`;
        const kept = { orderId: `${roomName}-old1`, dedupeKey: key, source: 'test', userId, amount: 7, grantedAt: Date.now() - 60_000 };
        await app.bridge.store.hset(keptByOlderVersion(userId), { [key]: JSON.stringify(kept) });

        const room = await app.colyseus.sdk.joinOrCreate(roomName, { userId });
        const shown: Grant[] = [];
        onGrant(room, (g) => void shown.push(g));
        await waitFor('the older grant sent again', () => (shown.length ? true : undefined), 5000);
        assert.deepEqual(
          shown.map((g) => [g.key, g.amount]),
          [[key, 7]],
        );
        await waitFor('acknowledged where it was kept', async () => (Object.keys(await app.bridge.store.hgetall(keptByOlderVersion(userId))).length === 0 ? true : undefined), 5000);
        await drained(room);
        assert.equal(shown.length, 1);
        await room.leave();

        const again = await app.colyseus.sdk.joinOrCreate(roomName, { userId });
        const seen: Grant[] = [];
        again.onMessage('grant', (g: Grant) => void seen.push(g));
        await drained(again);
        assert.deepEqual(seen, []);
        await again.leave();
      });

      it('waits for a player inside the reconnection window (debug, no error) and delivers on reconnect', async () => {
        const userId = `${roomName}-reconnect-player`;
        const room = await app.colyseus.sdk.joinOrCreate(roomName, { userId });
        room.reconnection.enabled = false; // the test reconnects by hand, at a known moment
        const token = room.reconnectionToken;
        await drained(room);
        app.logger.clear();
        await room.leave(false); // dropped, not consented: the room allows a reconnection

        await app.bridge.ledger.accept(paid(`${roomName}-r1`, userId));
        await waitFor('the delivery waiting for the player', () =>
          app.logger.find('grant delivery waits for the player to come back', 'debug').find((l) => l.fields?.order === `test:${roomName}-r1`) ? true : undefined,
        );
        const back = await app.colyseus.sdk.reconnect(token);
        const shown: Grant[] = [];
        onGrant(back, (g) => void shown.push(g));
        await waitFor('the grant after reconnecting', () => (shown.length ? true : undefined), 5000);
        assert.equal(shown[0]!.key, `test:${roomName}-r1`);
        await waitFor('acknowledged', async () => (Object.keys(await unacknowledged(userId)).length === 0 ? true : undefined), 5000);
        assert.deepEqual(
          app.logger.lines.filter((l) => l.level === 'error'),
          [],
        );
        await back.leave();
      });
    });
  }
});
