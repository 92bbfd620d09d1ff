/**
 * The serverstate entry fed by room lifecycle events: real server, real SDK clients, the value in Redis
 * compared as an exact JSON string. The clock is injected; refreshes are triggered by hand.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { bootRooms, ManualClock, type RoomsApp } from './harness.js';
import { PlainRoom, PluginRoom } from './fixtures/rooms.js';
import { fixedMachine, SPEC_UPDATE_TIME_MS } from './support.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor } from '../helpers/processes.js';

describe('serverstate from room lifecycle', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let probe: Redis;
  let app: RoomsApp;
  let queueNum = 0;
  let gameStateThrows = false;
  const clock = new ManualClock(SPEC_UPDATE_TIME_MS);

  before(async () => {
    probe = new Redis(redis.url);
    app = await bootRooms({
      redis: redis.url,
      zoneId: 1,
      rooms: { plain: PlainRoom },
      // defined after the bridge is registered: hooked through the wrapped server.define
      later: { plugin: PluginRoom },
      bridge: { clock },
      roomsOptions: {
        serverState: {
          intervalMs: 60_000,
          serverBeginTime: '2018-10-11 00:00:00',
          machine: fixedMachine,
          roleCap: 2,
          gameState: () => {
            if (gameStateThrows) throw new Error('game state unavailable');
            return { queueNum };
          },
        },
      },
    });
  });
  after(async () => {
    await app?.shutdown();
    probe?.disconnect();
  });

  const entry = async () => {
    await app.rooms.reports.settled();
    await app.rooms.serverState.tick();
    return probe.hget('serverstate', '1');
  };

  it('writes the spec shape, keys in order, counting a player in two rooms once', async () => {
    const a1 = await app.colyseus.sdk.joinOrCreate('plain', { userId: 'a' });
    const b = await app.colyseus.sdk.joinOrCreate('plain', { userId: 'b' });
    const a2 = await app.colyseus.sdk.joinOrCreate('plugin', { userId: 'a' });
    const c = await app.colyseus.sdk.joinOrCreate('plugin', { userId: 'c' });
    assert.equal(
      await entry(),
      '{"ZoneID":1,"OnlineNum":3,"QueueNum":0,"RoleNum":0,"ServerBeginTime":"2018-10-11 00:00:00","UpdateTime":"2018-10-19 14:26:29",' +
        '"fCpuUsage":3.5,"fTotalCpuUsage":20,"CurProcessMemory":120,"TotalProcessMemory":2048,"FiveMinuteAddAccountNum":3,"forceup":0}',
    );
    await Promise.all([a1.leave(), b.leave(), a2.leave(), c.leave()]);
    await waitFor('everyone gone', () => (app.rooms.online() === 0 ? true : undefined));
  });

  it('follows leaves (the last leave of a room comes after its dispose) and new accounts age out after five minutes', async () => {
    const x = await app.colyseus.sdk.joinOrCreate('plain', { userId: 'x' });
    const y = await app.colyseus.sdk.joinOrCreate('plain', { userId: 'y' });
    assert.match((await entry())!, /"OnlineNum":2,.*"FiveMinuteAddAccountNum":5,/);
    await x.leave();
    await waitFor('x left', () => (app.rooms.online() === 1 ? true : undefined));
    assert.match((await entry())!, /"OnlineNum":1,/);
    await y.leave();
    await waitFor('y left', () => (app.rooms.online() === 0 ? true : undefined));
    clock.advance(5 * 60_000 + 1);
    assert.equal(
      await entry(),
      '{"ZoneID":1,"OnlineNum":0,"QueueNum":0,"RoleNum":0,"ServerBeginTime":"2018-10-11 00:00:00","UpdateTime":"2018-10-19 14:31:29",' +
        '"fCpuUsage":3.5,"fTotalCpuUsage":20,"CurProcessMemory":120,"TotalProcessMemory":2048,"FiveMinuteAddAccountNum":0,"forceup":0}',
    );
  });

  it('takes QueueNum from the game, sets forceup at the role cap, and survives a throwing gameState callback', async () => {
    queueNum = 4;
    const room = await app.colyseus.sdk.joinOrCreate('plugin', { userId: 'r1' });
    for (const [userId, roleId] of [
      ['r1', 11],
      ['r2', 12],
    ] as const) {
      room.send('role', { userId, roleId, name: `n${roleId}`, class: 1, level: 1 });
    }
    await waitFor('two role accounts', async () => ((await entry())?.includes('"RoleNum":2,') ? true : undefined));
    assert.match((await entry())!, /"QueueNum":4,"RoleNum":2,.*"forceup":1\}$/);
    gameStateThrows = true;
    app.logger.clear();
    clock.advance(1000);
    assert.match((await entry())!, /"QueueNum":0,.*"UpdateTime":"2018-10-19 14:31:30"/);
    assert.equal(app.logger.find('gameState callback threw', 'error').length, 1);
    gameStateThrows = false;
    await room.leave();
  });

  it('withdraws this process at shutdown: the zone entry goes when its last process does', async () => {
    assert.notEqual(await probe.hget('serverstate', '1'), null);
    await app.shutdown();
    assert.equal(await probe.hget('serverstate', '1'), null);
  });
});
