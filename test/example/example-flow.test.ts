/**
 * The example game end to end, in-process: a real SDK client in the `battle` room, a signed recharge over
 * HTTP for that player, and the `grant` message arriving in the client's session.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ColyseusSDK } from '@colyseus/sdk';
import { buildExampleServer, type ExampleApp } from '../../example-server/app.js';
import { readEnv, TRIAL_SECRETS } from '../../example-server/env.js';
import { freePort } from '../helpers/ports.js';
import { waitFor } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { listenColyseus, stopColyseus } from '../helpers/colyseusLifecycle.js';

const md5Upper = (s: string) => createHash('md5').update(s).digest('hex').toUpperCase();

describe('example game flow', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let app: ExampleApp;
  let port: number;

  before(async () => {
    port = await freePort();
    const env = readEnv({ PORT: String(port), REDIS_URL: redis.url, RECHARGE_SOCKET_PORT: String(await freePort()), HOST: '127.0.0.1' });
    app = buildExampleServer(env, { gracefullyShutdown: false });
    await listenColyseus(app.server, port);
  });
  after(async () => stopColyseus(app.server));

  it('a recharge for a connected player reaches their room as a grant message, once', async () => {
    const sdk = new ColyseusSDK(`ws://127.0.0.1:${port}`);
    const room = await sdk.joinOrCreate('battle', { userId: '1100010000000000000000000000000009649219' });
    const grants: Array<{ orderId: string; amount: number; items: unknown }> = [];
    room.onMessage('grant', (g) => void grants.push(g));

    // the spec's 1.3 example, re-signed with the trial key
    const order: Record<string, unknown> = {
      Amount: 499,
      BudanFlag: 0,
      cc: '20A3E6A5B99D284B421860AD002092A1',
      ChargeTime: 1676332979,
      cporder_no: `0612023021401023533000-${Date.now()}`,
      Id: '2134689',
      propId: 'com.fingerfun.nova.pack5',
      order_no: '0612023021401023533000',
      RoleID: '47120000004',
      Time: 1676332979,
      UserID: '1100010000000000000000000000000009649219',
      ZoneID: '4',
      cmdId: 1,
      extendParams: 'b1ebc2aa-48d3-466a-b71b-89ee152ccf40',
      currencyType: '2',
      fanli: '0',
      deviceGroupId: '0000',
    };
    order.Sign = md5Upper(`${order.Amount}${order.UserID}${order.ZoneID}${order.cporder_no}${order.order_no}${order.Time}${order.fanli}${TRIAL_SECRETS.RECHARGE_KEY}`);
    const post = () => fetch(`http://127.0.0.1:${port}/platform/recharge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) }).then((r) => r.text());

    assert.equal(await post(), '{"result":true,"msg":"{\\"msg\\":\\"succeed\\",\\"ret\\":1}"}');
    await waitFor('grant message', () => (grants.length ? true : undefined), 5000);
    assert.equal(grants[0]!.orderId, order.cporder_no);
    assert.equal(grants[0]!.amount, 499);
    // Amount 499 with currencyType 2 is 4.99 US dollars: the example credits 10 gems per dollar
    assert.deepEqual(grants[0]!.items, [{ id: 'gem', n: 49 }]);
    assert.equal(app.wallet.balance(String(order.UserID)), 49);

    // the platform retrying the same order: a duplicate answer, no second grant
    assert.match(await post(), /\\"ret\\":-[15]/);
    room.send('score', 5);
    await waitFor('room state', () => (room.state.players?.size ? true : undefined));
    assert.equal(grants.length, 1);
    assert.equal(app.wallet.balance(String(order.UserID)), 49);
    await room.leave();
  });
});
