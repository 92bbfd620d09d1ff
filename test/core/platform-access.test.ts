/**
 * Room code that reaches the platforms at call time: room classes declared before the bridge exists use
 * `static onAuth = platformOnAuth(...)`, and `platformService(...)` in handlers; real SDK joins against the
 * testing kit's GameCenter and VNGates doubles.
 */
import assert from 'node:assert/strict';
import { Room, type Client } from '@colyseus/core';
import { platformOnAuth, platformService } from '../../src/index.js';
import { GameCenterDouble, VngatesDouble } from '../../src/testing/index.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';

// declared before any bridge exists, as a game's room module is
class GameCenterRoom extends Room {
  static override onAuth = platformOnAuth('gamecenter');
  override onCreate() {
    // Colyseus does not await a message handler: the test waits for the reply, and a failure is an unhandled rejection that fails it
    this.onMessage('paid', (client, m: { orderId: string }) => {
      void (async () => {
        const outcome = await platformService('gamecenter').registerOrder({ orderId: m.orderId, userId: client.auth.userId, zone: 1 });
        client.send('registered', { outcome: typeof outcome });
      })();
    });
  }
  override onJoin(client: Client) {
    client.send('who', client.auth);
  }
}
class VngatesRoom extends Room {
  static override onAuth = platformOnAuth('vngates', { cacheMs: 0 });
  override onJoin(client: Client) {
    client.send('who', client.auth);
  }
}

const first = <T>(room: { onMessage(type: string, cb: (m: T) => void): unknown }, type: string) => new Promise<T>((resolve) => room.onMessage(type, resolve));

describe('platformOnAuth and platformService', function () {
  this.timeout(30_000);

  describe('with GameCenter and VNGates configured', () => {
    const gamecenter = new GameCenterDouble({ appId: 'gc-app', secret: 'gc-secret' });
    gamecenter.addUser('8617', 'good-token');
    const vngates = new VngatesDouble({ appId: 'vg-app', users: { 'token-229': { userId: '229', username: 'gamegate36i' } } });
    let app: BootedBridge;
    before(async () => {
      const gc = await gamecenter.start();
      const vg = await vngates.start();
      app = await bootBridge({
        rooms: { gc: GameCenterRoom, vg: VngatesRoom },
        bridge: { gamecenter: { baseUrl: gc.url, appId: 'gc-app', secret: 'gc-secret' }, vngates: { appId: 'vg-app', userinfoUrl: vg.url } },
      });
    });
    after(async () => {
      await app.shutdown();
      await gamecenter.stop();
      await vngates.stop();
    });

    it('a GameCenter token checked with auth.check_status makes client.auth { userId }; registerOrder works from a handler', async () => {
      app.colyseus.sdk.auth.token = 'good-token';
      const room = await app.colyseus.sdk.joinOrCreate('gc', { userId: '8617' });
      const who = first<unknown>(room, 'who');
      assert.deepEqual(await who, { userId: '8617' });
      assert.ok(gamecenter.requestsTo('auth.check_status').some((r) => r.params.userId === '8617' && 'code' in r.outcome && r.outcome.code === 0));
      const registered = first<{ outcome: string }>(room, 'registered');
      room.send('paid', { orderId: 'gc-order-1' });
      assert.equal((await registered).outcome, 'object');
      await room.leave();
    });

    it('a token GameCenter refuses refuses the join with AUTH_FAILED', async () => {
      app.colyseus.sdk.auth.token = 'bad';
      await assert.rejects(app.colyseus.sdk.joinOrCreate('gc', { userId: '8617' }), (err: { code?: number; message?: string }) => {
        assert.equal(err.code, 525);
        assert.match(err.message ?? '', /GameCenter refused the token \(922/);
        return true;
      });
    });

    it('a VNGates token checked with userinfo makes client.auth { userId, username }; an unknown one is refused', async () => {
      app.colyseus.sdk.auth.token = 'token-229';
      const room = await app.colyseus.sdk.joinOrCreate('vg', {});
      assert.deepEqual(await first<unknown>(room, 'who'), { userId: '229', username: 'gamegate36i' });
      assert.equal(vngates.requests.at(-1)?.access_token, 'token-229');
      await room.leave();
      app.colyseus.sdk.auth.token = 'token-unknown';
      await assert.rejects(app.colyseus.sdk.joinOrCreate('vg', {}), /VNGates refused the access token/);
    });
  });

  describe('with the platform not configured', () => {
    let app: BootedBridge;
    before(async () => (app = await bootBridge({ rooms: { gc: GameCenterRoom } })));
    after(async () => app.shutdown());

    it('refuses the join, naming the option to set', async () => {
      app.colyseus.sdk.auth.token = 'any';
      await assert.rejects(app.colyseus.sdk.joinOrCreate('gc', { userId: '1' }), /gamecenter is not configured \(set the `gamecenter` option/);
      assert.throws(() => platformService('vngates'), /vngates is not configured/);
    });

    it('after the bridge closed, says no bridge is registered', async () => {
      await app.shutdown();
      assert.throws(() => platformService('gamecenter'), /no platform bridge is registered/);
    });
  });
});
