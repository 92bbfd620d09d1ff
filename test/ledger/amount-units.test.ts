/**
 * What `order.amount` and `order.currency` mean when the grant handler sees them, per source, as README's
 * grant section documents: GameCenter's `amount` in cents with its ISO currency; the recharge platform's
 * `Amount` in the unit of its `currencyType` code (1 yuan, 2 US cents, 8 TWD), the code in `order.unsigned.currency`
 * (the recharge sign does not cover it);
 * VNGates' `amount` as the float it sends, with no currency. All through one bridge on a real server.
 */
import assert from 'node:assert/strict';
import type { LedgerRecord } from '../../src/ledger/types.js';
import { GameCenterDouble } from '../../src/testing/index.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { waitFor } from '../helpers/processes.js';
import { KEY, httpOrder } from '../recharge/support.js';
import { APP_ID, SECRET, TEMPLATE_FIELDS, addgoldExample, addgoldUrl, get } from '../vngates/support.js';

describe('order.amount and order.currency per source, as the grant handler sees them', function () {
  this.timeout(30_000);
  const grants: LedgerRecord[] = [];
  let gc: GameCenterDouble;
  let b: BootedBridge;

  before(async () => {
    gc = new GameCenterDouble({ appId: 'app-1', secret: 'double-secret' });
    await gc.start();
    b = await bootBridge({
      bridge: {
        grant: (order) => void grants.push(order),
        recharge: { key: KEY },
        vngates: { appId: APP_ID, secret: SECRET, signTemplate: { fields: TEMPLATE_FIELDS } },
        gamecenter: { baseUrl: gc.url, appId: 'app-1', secret: 'double-secret', pollTickMs: 50 },
      },
    });
  });
  after(async () => {
    await b?.shutdown();
    await gc?.stop();
  });
  const grantOf = (source: string) => waitFor(`${source} grant`, () => grants.find((g) => g.source === source), 10_000);

  it('GameCenter: cents, with the currency GameCenter names', async () => {
    gc.orders.set('566422073705434171', { status: 1, checked: 1, amount: 199, currency: 'AED', env: 1 });
    await b.bridge.gamecenter!.registerOrder({ orderId: '566422073705434171', userId: 'u-gc' });
    const g = await grantOf('gamecenter');
    assert.equal(g.amount, 199, '1.99 AED arrives as 199');
    assert.equal(g.currency, 'AED');
  });

  it('recharge: Amount in the unit of currencyType, the code as order.unsigned.currency', async () => {
    for (const [amount, code] of [
      [499, '2'],
      [30, '1'],
    ] as const) {
      const res = await fetch(`${b.baseUrl}/platform/recharge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(httpOrder({ Amount: amount, currencyType: code })),
      });
      assert.match(await res.text(), /succeed/);
    }
    await waitFor('two recharge grants', () => (grants.filter((g) => g.source === 'recharge-http').length === 2 ? true : undefined), 10_000);
    const r = grants.filter((g) => g.source === 'recharge-http').map((g) => [g.amount, g.unsigned?.currency]);
    assert.deepEqual(
      r.sort(),
      [
        [30, '1'],
        [499, '2'],
      ],
      '499 US cents (currencyType 2) and 30 yuan (currencyType 1)',
    );
  });

  it('VNGates: the float it sends, no currency', async () => {
    const fields = addgoldExample({ transaction_id: '45179546928299', amount: '1000.50' });
    const res = await get(addgoldUrl(b.baseUrl, fields));
    assert.equal(res.status, 200, res.text);
    const g = await grantOf('vngates');
    assert.equal(g.amount, 1000.5);
    assert.equal(g.currency, undefined);
  });
});
