/**
 * Lifecycle listeners reach every room definition, however it was added: before the bridge, through
 * `server.define` after it (even after listen), or straight through the matchmaker (picked up at the next
 * refresh). On the in-process store: no Redis involved in what is checked here.
 */
import assert from 'node:assert/strict';
import { matchMaker } from '@colyseus/core';
import { bootRooms, type RoomsApp } from './harness.js';
import { PlainRoom, PluginRoom } from './fixtures/rooms.js';
import { waitFor } from '../helpers/processes.js';

class LateRoom extends PlainRoom {}
class DirectRoom extends PlainRoom {}
/** Authenticates statically: `client.auth.userId` is the verified id. */
class AuthRoom extends PlainRoom {
  static override async onAuth(token: string) {
    return token ? { userId: `verified-${token}` } : false;
  }
}

describe('room lifecycle hooks', function () {
  this.timeout(30_000);
  let app: RoomsApp;

  before(async () => {
    app = await bootRooms({ zoneId: 3, rooms: { early: PlainRoom, authed: AuthRoom }, later: { plugin: PluginRoom }, roomsOptions: { serverState: { intervalMs: 60_000 } } });
  });
  after(() => app?.shutdown());

  it('counts players of rooms defined before the bridge, after it, and after listen', async () => {
    app.server.define('afterListen', LateRoom);
    const rooms = await Promise.all([
      app.colyseus.sdk.joinOrCreate('early', { userId: 'e' }),
      app.colyseus.sdk.joinOrCreate('plugin', { userId: 'p' }),
      app.colyseus.sdk.joinOrCreate('afterListen', { userId: 'l' }),
    ]);
    await waitFor('three online', () => (app.rooms.online() === 3 ? true : undefined));
    await Promise.all(rooms.map((r) => r.leave()));
    await waitFor('none online', () => (app.rooms.online() === 0 ? true : undefined));
  });

  it('picks up a definition added straight through the matchmaker at the next refresh', async () => {
    matchMaker.defineRoomType('direct', DirectRoom);
    await app.rooms.serverState.tick();
    const room = await app.colyseus.sdk.joinOrCreate('direct', { userId: 'd' });
    await waitFor('direct counted', () => (app.rooms.online() === 1 ? true : undefined));
    await room.leave();
    await waitFor('direct left', () => (app.rooms.online() === 0 ? true : undefined));
  });

  it('uses the resolver-free defaults: client.auth is absent, so the join option names the player', async () => {
    const room = await app.colyseus.sdk.joinOrCreate('early', { userId: 'opt-user', roleId: 77 });
    await app.rooms.reports.settled();
    const roles = await app.bridge.store.hgetall(app.bridge.store.keys.key('roles', 'login', 'opt-user'));
    assert.deepEqual(Object.keys(roles), ['3|77']);
    const day = app.rooms.activity.dayOf(Date.now());
    assert.deepEqual((await app.rooms.activity.activeUsers('3', day)).map((a) => a.userId).sort(), ['d', 'e', 'l', 'opt-user', 'p']);
    await room.leave();
  });

  it('an authenticated user id wins over the one a client claims in its join options', async () => {
    const created: string[] = [];
    const active: string[] = [];
    const offCreated = app.rooms.roles.onCreated((e) => void created.push(`${e.userId}/${e.roleId}`));
    const offActive = app.rooms.activity.onActive((e) => void active.push(e.userId));
    app.colyseus.sdk.auth.token = 'abc';
    try {
      const room = await app.colyseus.sdk.joinOrCreate('authed', { userId: 'someone-else' });
      await app.rooms.reports.settled();
      assert.deepEqual(active, ['verified-abc']);
      const plugin = await app.colyseus.sdk.joinOrCreate('plugin', { userId: 'p2' });
      plugin.onMessage('ack', () => undefined);
      plugin.send('role', { userId: 'p2', roleId: 5, name: 'five', class: 1, level: 1 });
      plugin.send('role', { userId: 'p2', roleId: 5, name: 'five again', class: 1, level: 1 });
      await waitFor('role created', () => (created.length ? true : undefined));
      await app.rooms.reports.settled();
      assert.deepEqual(created, ['p2/5'], 'one creation event per role');
      await Promise.all([room.leave(), plugin.leave()]);
    } finally {
      app.colyseus.sdk.auth.token = '';
      offCreated();
      offActive();
    }
  });
});
