/**
 * The room plugin inside real rooms, driven by real SDK clients: rank, role and settlement reports land
 * where the platform reads them, grants reach the room, and nothing a room or the host does wrong fails a
 * join or throws into the room.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { bootRooms, type RoomsApp } from './harness.js';
import { PlainRoom, PluginRoom } from './fixtures/rooms.js';
import { collect, nextMessage } from './support.js';
import type { Settlement } from '../../src/rooms/index.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor } from '../helpers/processes.js';

describe('PlatformPlugin in a real room', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let probe: Redis;
  let app: RoomsApp;
  const settled: Settlement[] = [];

  before(async () => {
    probe = new Redis(redis.url);
    probe.on('error', () => undefined); // Redis is stopped on purpose in one test
    app = await bootRooms({
      redis: redis.url,
      zoneId: 8061,
      rooms: { plugin: PluginRoom, plain: PlainRoom },
      bridge: {
        ledger: { pollIntervalMs: 20, deliverySweepMs: 200 },
        grant: async (order) => ({ items: [{ id: 'gem', n: order.amount }] }),
      },
      roomsOptions: {
        roleInfo: { extraFields: [{ name: 'Item5', default: 0 }], zoneNames: { '8061': 'Aurora' } },
        reports: { retryMinMs: 50, retryMaxMs: 200 },
        resolveUserId: (_client, options) => {
          if ((options as { userId?: string })?.userId === 'resolver-bomb') throw new Error('resolver exploded');
          return undefined;
        },
        settlement: {
          onSettlement: (s) => {
            settled.push(s);
            if (s.matchId === 'bomb') throw new Error('settlement handler exploded');
          },
        },
      },
    });
  });
  after(async () => {
    await app?.shutdown();
    probe?.disconnect();
  });

  async function grantTo(userId: string, orderId: string, amount = 6) {
    await app.bridge.ledger.accept({ source: 'test', orderId, userId, amount, raw: {} });
    await waitFor(`order ${orderId} granted`, async () => ((await app.bridge.ledger.get(`test:${orderId}`))?.state === 'granted' ? true : undefined));
  }

  it('reportRank lands in the process rank book, latest value per user and kind', async () => {
    const room = await app.colyseus.sdk.joinOrCreate('plugin', { userId: 'p1' });
    app.rooms.ranks.drain();
    room.send('rank', { userId: 'p1', kind: 'score', value: 10 });
    room.send('rank', { userId: 'p1', kind: 'score', value: 12 });
    room.send('rank', { userId: 'p2', kind: 'level', value: 3 });
    room.send('rank', { userId: 'p2', kind: 'nonsense', value: 3 });
    await waitFor('ranks', () => (app.rooms.ranks.size === 2 ? true : undefined));
    const book = app.rooms.ranks.drain();
    assert.deepEqual([[...book.score], [...book.level], [...book.checkpoint]], [[['p1', 12]], [['p2', 3]], []]);
    assert.equal(app.logger.find('reportRank ignored', 'warn').length, 1);
    await room.leave();
  });

  it('roleCreated / roleChanged write the role-info hash in the spec shape; rolesOf lists them with login time', async () => {
    const room = await app.colyseus.sdk.joinOrCreate('plugin', { userId: 'openid-9', roleId: '10811818251' });
    collect(room, 'ack');
    room.send('role', { userId: 'openid-9', zoneId: 8062, roleId: 10811818251, name: '奥勒莎✷阿娜', class: 1, level: 2 });
    room.send('role', { userId: 'openid-9', zoneId: 8062, roleId: '10811818252', name: '扎卡赖亚斯✡', class: 1, level: 2, extra: { Item5: 9, ignored: 1 } });
    room.send('role', { userId: 'openid-9', roleId: 1081181825, name: 'x', class: 3, level: 1 });
    room.send('roleChange', { userId: 'openid-9', roleId: 1081181825, level: 40, name: '奥勒莎✷阿娜' });
    const expected =
      '[{"serverID":8062,"roleIDs":[{"Item1":10811818251,"Item2":"\\u5965\\u52d2\\u838e\\u2737\\u963f\\u5a1c","Item3":1,"Item4":2,"Item5":0},' +
      '{"Item1":10811818252,"Item2":"\\u624e\\u5361\\u8d56\\u4e9a\\u65af\\u2721","Item3":1,"Item4":2,"Item5":9}]},' +
      '{"serverID":8061,"roleIDs":[{"Item1":1081181825,"Item2":"\\u5965\\u52d2\\u838e\\u2737\\u963f\\u5a1c","Item3":3,"Item4":40,"Item5":0}]}]';
    await waitFor('role info', async () => ((await probe.hget('idip_server_roleinfo', 'openid-9')) === expected ? true : undefined));
    await app.rooms.reports.settled();
    const roles = await app.rooms.roles.rolesOf('openid-9');
    assert.deepEqual(
      roles.map((r) => [r.roleId, r.roleName, r.serverId, r.serverName, r.level]),
      [
        ['10811818251', '奥勒莎✷阿娜', '8062', '8062', 2],
        ['10811818252', '扎卡赖亚斯✡', '8062', '8062', 2],
        ['1081181825', '奥勒莎✷阿娜', '8061', 'Aurora', 40],
      ],
    );
    assert.ok(
      roles.every((r) => r.loginTime > 0),
      'every role has a login time (created, or the join)',
    );
    await room.leave();
  });

  it('a bad report is dropped with a reason and never reaches the room', async () => {
    const room = await app.colyseus.sdk.joinOrCreate('plugin', { userId: 'bad' });
    const acks = collect(room, 'ack');
    room.send('role', { userId: 'bad', roleId: 1, class: 1, level: 1 });
    room.send('role', { userId: 'bad', roleId: 2 ** 60, name: 'huge', class: 1, level: 1 });
    room.send('settle', { matchId: '', results: [] });
    await waitFor('acks', () => (acks.length === 3 ? true : undefined));
    assert.equal(app.logger.find('roleCreated() ignored: name is required', 'warn').length, 1);
    assert.equal(app.logger.find('pass larger ids as strings', 'warn').length, 1);
    assert.equal(app.logger.find('settle() ignored: matchId', 'warn').length, 1);
    await room.leave();
  });

  it('settle records once per match and calls onSettlement once; a throwing handler is only logged', async () => {
    const room = await app.colyseus.sdk.joinOrCreate('plugin', { userId: 's1' });
    collect(room, 'ack');
    const settlement = { matchId: 'm-42', results: [{ userId: 's1', score: 7, rank: 1 }], mode: 'duel' };
    room.send('settle', settlement);
    room.send('settle', settlement);
    room.send('settle', { matchId: 'bomb', results: [] });
    await waitFor('settled', () => (settled.some((s) => s.matchId === 'bomb') ? true : undefined));
    await app.rooms.reports.settled();
    const m42 = settled.filter((s) => s.matchId === 'm-42');
    assert.equal(m42.length, 1);
    assert.deepEqual([m42[0]!.results, m42[0]!.extra, m42[0]!.zoneId, m42[0]!.roomName], [[{ userId: 's1', score: 7, rank: 1 }], { mode: 'duel' }, '8061', 'plugin']);
    assert.equal(app.logger.find('onSettlement handler threw', 'error').length, 1);
    await room.leave();
  });

  it('a grant waiting in the inbox reaches the room on the next join, after the room set the player up', async () => {
    await grantTo('g1', 'o-plugin');
    const room = await app.colyseus.sdk.joinOrCreate('plugin', { userId: 'g1', grants: 'relay' });
    const relayed = await nextMessage(room, 'relayed');
    assert.deepEqual(relayed, { orderId: 'o-plugin', items: [{ id: 'gem', n: 6 }] });
    await waitFor('inbox emptied', async () => ((await probe.keys('platform:{ledger}:inbox:g1')).length === 0 ? true : undefined));
    // granted while the player is in the room: delivered at once
    const next = nextMessage(room, 'relayed');
    await grantTo('g1', 'o-live', 3);
    assert.deepEqual(await next, { orderId: 'o-live', items: [{ id: 'gem', n: 3 }] });
    await room.leave();
  });

  it('rooms without the plugin get the default grant message through the lifecycle listeners', async () => {
    await grantTo('g2', 'o-plain', 9);
    const room = await app.colyseus.sdk.joinOrCreate('plain', { userId: 'g2' });
    const msg = await nextMessage(room, 'grant');
    assert.deepEqual({ ...msg, grantedAt: typeof msg.grantedAt }, { key: 'test:o-plain', orderId: 'o-plain', amount: 9, source: 'test', items: [{ id: 'gem', n: 9 }], grantedAt: 'number' });
    await room.leave();
  });

  it('a throwing resolver, a throwing onGrant handler and a failing room join leave the bridge and other joins intact', async () => {
    const bomb = await app.colyseus.sdk.joinOrCreate('plain', { userId: 'resolver-bomb' });
    assert.ok(bomb.roomId, 'joined despite the resolver throwing');
    assert.equal(app.logger.find('resolveUserId option threw', 'error').length, 1);

    await grantTo('g3', 'o-throw');
    const room = await app.colyseus.sdk.joinOrCreate('plugin', { userId: 'g3', grants: 'throw' });
    await waitFor('sink error logged', () => (app.logger.find("a room's grant sink threw", 'error').length > 0 ? true : undefined));
    assert.equal(await probe.hexists('platform:{ledger}:inbox:g3', 'test:o-throw'), 1, 'the grant stays in the inbox');
    await room.leave();

    // a listener whose own work throws (here: grant delivery) is contained, for rooms with and without the plugin
    // kept to be put back unchanged below
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const attach = app.bridge.deliveries.attach;
    app.bridge.deliveries.attach = () => {
      throw new Error('delivery exploded');
    };
    try {
      const [plain, plugin] = await Promise.all([app.colyseus.sdk.joinOrCreate('plain', { userId: 'boom-1' }), app.colyseus.sdk.joinOrCreate('plugin', { userId: 'boom-2' })]);
      assert.ok(plain.roomId && plugin.roomId, 'both joined');
      assert.equal(app.logger.find('the join listener failed', 'error').length, 1);
      assert.equal(app.logger.find('setting up grant delivery failed', 'error').length, 1);
      await Promise.all([plain.leave(), plugin.leave()]);
    } finally {
      app.bridge.deliveries.attach = attach;
    }

    await assert.rejects(app.colyseus.sdk.joinOrCreate('plain', { userId: 'x', failJoin: true }), /refused by the room/);
    const ok = await app.colyseus.sdk.joinOrCreate('plain', { userId: 'after' });
    assert.ok(ok.roomId);
    await Promise.all([bomb.leave(), ok.leave()]);
    await waitFor('all left', () => (app.rooms.online() === 0 ? true : undefined));
  });

  it('reports made while Redis is down are kept and sent when it returns', async () => {
    const room = await app.colyseus.sdk.joinOrCreate('plugin', { userId: 'offline-1' });
    const acks = collect(room, 'ack');
    await app.rooms.reports.settled();
    app.logger.clear();
    await redis.stop();
    room.send('role', { userId: 'offline-1', roleId: 501, name: 'down', class: 2, level: 5 });
    room.send('settle', { matchId: 'm-offline', results: [{ userId: 'offline-1', score: 1 }] });
    await waitFor('acks', () => (acks.length === 2 ? true : undefined));
    await waitFor('outage noticed', () => (app.logger.find('platform reports are kept in memory', 'warn').length ? true : undefined));
    assert.ok(app.rooms.reports.size >= 2);
    await redis.start();
    await waitFor('role info after redis returned', async () =>
      (await probe.hget('idip_server_roleinfo', 'offline-1').catch(() => null)) === '[{"serverID":8061,"roleIDs":[{"Item1":501,"Item2":"down","Item3":2,"Item4":5,"Item5":0}]}]' ? true : undefined,
    );
    await waitFor('settlement after redis returned', () => (settled.some((s) => s.matchId === 'm-offline') ? true : undefined));
    assert.equal(app.rooms.reports.size, 0);
    assert.equal(app.logger.find('redis is back', 'info').length, 1);
    await room.leave();
  });
});
