/**
 * The example server pointed at the simulator's GameCenter double, as README's `sim gamecenter` section
 * runs it: a real SDK client joins the battle room with a GameCenter token, and the double sees a type-1 zone
 * row on the first join, a rank flush within the configured interval, and the order the client reports
 * polled, which then reaches that client as a grant. A bad token is refused with a readable 525.
 */
import assert from 'node:assert/strict';
import { ColyseusSDK } from '@colyseus/sdk';
import { buildExampleServer, type ExampleApp } from '../../example-server/app.js';
import { readEnv } from '../../example-server/env.js';
import { GameCenterDouble } from '../../src/testing/index.js';
import { TRIAL_SECRETS } from '../../src/testing/trialDefaults.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';

const RANK_FLUSH_MS = 400;

describe('example server against the GameCenter double', function () {
  this.timeout(30_000);
  let sim: GameCenterDouble;
  let app: ExampleApp;
  let port: number;
  const simLog: string[] = [];

  before(async () => {
    // as `sim gamecenter` runs it
    sim = new GameCenterDouble({ appId: TRIAL_SECRETS.GAMECENTER_APP_ID, secret: TRIAL_SECRETS.GAMECENTER_SECRET, acceptAnyToken: true, unknownOrdersPaid: true, log: (l) => void simLog.push(l) });
    const { url } = await sim.start();
    port = await freePort();
    const env = readEnv({
      PORT: String(port),
      HOST: '127.0.0.1',
      RECHARGE_SOCKET_PORT: String(await freePort()),
      GAMECENTER_URL: url,
      GAMECENTER_RANK_FLUSH_MS: String(RANK_FLUSH_MS),
      GAMECENTER_ZONE_ACTIVE_MS: '400',
    });
    app = buildExampleServer(env, { gracefullyShutdown: false });
    await app.server.listen(port, '127.0.0.1');
  });
  after(async () => {
    await app?.server.gracefullyShutdown(false);
    await sim?.stop();
  });

  const calls = (api: string) => sim.requestsTo(api).filter((r) => 'code' in r.outcome && r.outcome.code === 0);
  const creates = () => calls('sync.user_game_zone_data').filter((r) => r.params.user_game_zone_type === '1');

  it('token check, type-1 on first join, a rank flush within the interval, an order polled and granted to the client', async () => {
    const bad = new ColyseusSDK(`ws://127.0.0.1:${port}`);
    bad.auth.token = 'bad';
    await assert.rejects(
      bad.joinOrCreate('battle', { userId: '645633159128785116' }),
      (e: { code?: number; message: string }) => e.code === 525 && /GameCenter refused the token \(922/.test(e.message),
    );

    const sdk = new ColyseusSDK(`ws://127.0.0.1:${port}`);
    sdk.auth.token = 'trial-token';
    const room = await sdk.joinOrCreate('battle', { userId: '645633159128785116' });
    const grants: Array<{ orderId: string; amount: number; currency?: string; items: Array<{ id: string; n: number }> }> = [];
    const paid: unknown[] = [];
    room.onMessage('grant', (g) => void grants.push(g));
    room.onMessage('paid', (p) => void paid.push(p));
    assert.equal(calls('auth.check_status').length, 1);

    const create = await waitFor('type-1 zone row', () => creates()[0], 5000);
    assert.match(create.params.user_game_zone_data!, /^\[\[645633159128785116,1,\d{13}\]\]$/);

    const scoredAt = Date.now();
    room.send('score', 7);
    await waitFor('rank flush', () => calls('sync.rank_data')[0], RANK_FLUSH_MS * 3 + 2000);
    assert.ok(Date.now() - scoredAt <= RANK_FLUSH_MS * 3 + 2000, 'within the configured interval');
    assert.equal(calls('sync.rank_data')[0]!.params.rank_data, '[[645633159128785116,7]]');

    room.send('paid', { orderId: '566422073705434999' });
    await waitFor('registered', () => paid[0], 5000);
    assert.deepEqual(paid[0], { orderId: '566422073705434999', ok: true, status: 'registered' });
    await waitFor('grant message', () => grants[0], 15_000);
    assert.ok(
      calls('order.check_status').some((r) => r.params.orders === '566422073705434999'),
      'polled',
    );
    assert.equal(calls('sync.order_game_zone_data').length, 1, 'its zone sent once');
    assert.equal(grants[0]!.orderId, '566422073705434999');
    assert.equal(grants[0]!.amount, 100, 'GameCenter cents');
    assert.equal(grants[0]!.currency, 'AED');
    assert.deepEqual(grants[0]!.items, [{ id: 'gem', n: 10 }], '1.00 AED is 10 gems');
    assert.equal(app.wallet.balance('645633159128785116'), 10);
    await room.leave();

    // rejoin: the score starts from the player's total, so the rank never goes down
    const again = await sdk.joinOrCreate('battle', { userId: '645633159128785116' });
    await waitFor('state', () => (again.state.players?.size ? true : undefined));
    const me = [...again.state.players.values()][0] as { score: number };
    assert.equal(me.score, 7);
    again.send('score', 2);
    await waitFor('cumulative score', () => (me.score === 9 ? true : undefined));
    assert.equal(creates().length, 1, 'no type-1 on rejoin');
    await again.leave();
  });
});
