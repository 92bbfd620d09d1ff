import assert from 'node:assert/strict';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor } from '../helpers/processes.js';
import type { GiftRequest } from '../../src/platforms/recharge/index.js';
import { GIFT_KEY, bootRecharge, giftRedemption, granted, httpAnswer, httpOrder, sendJson, socketOrder, type RechargeApp } from './support.js';

const SUCCESS = '{"result":true,"msg":"{\\"msg\\":\\"succeed\\",\\"ret\\":1}"}';

describe('recharge while Redis is down', () => {
  const redis = useRedisServer();
  const gifts: GiftRequest[] = [];
  let app: RechargeApp;
  before(
    async () =>
      (app = await bootRecharge({
        redisUrl: redis.url,
        recharge: { giftKey: GIFT_KEY, giftHandler: async (req) => (gifts.push(req), { ok: true }) },
      })),
  );
  after(async () => app.close());

  it('answers -6 (HTTP 503) on every path, and once Redis is back the retried order is accepted and granted once', async function () {
    this.timeout(30_000);
    const order = httpOrder();
    const overSocket = socketOrder();
    const gift = giftRedemption();
    await redis.stop();

    const res = await app.post(order);
    assert.deepEqual([res.status, res.text], [503, httpAnswer(-6, 'store unavailable, retry later')]);
    const socketReply = await sendJson(app.socketPort, overSocket);
    assert.deepEqual([socketReply.reply.ret, socketReply.reply.msg], [-6, 'store unavailable, retry later']);
    const giftReply = await sendJson(app.socketPort, gift);
    assert.deepEqual([giftReply.reply.code, giftReply.reply.desc], ['-6', 'store unavailable, retry later']);
    assert.equal(gifts.length, 0, 'the gift handler does not run when the redemption cannot be claimed');
    const refusals = app.logger.find('refused: store unavailable', 'warn');
    assert.equal(refusals.length, 3);
    assert.deepEqual(refusals.map((l) => l.fields?.path).sort(), ['http', 'socket', 'socket']);

    await redis.start(redis.port);
    // the platform retries with the same order; the first attempt that reaches Redis records it
    const accepted = await waitFor(
      'the retried order to be accepted',
      async () => {
        const r = await app.post(order);
        return r.status === 503 ? undefined : r;
      },
      15_000,
      50,
    );
    assert.deepEqual([accepted.status, accepted.text], [200, SUCCESS]);
    await granted(app, `recharge:${order.cporder_no}`);
    assert.equal((await app.post(order)).text, httpAnswer(-1, 'duplicate order'));
    assert.equal(app.grants.filter((g) => g.orderId === order.cporder_no).length, 1);

    assert.equal((await sendJson(app.socketPort, overSocket)).reply.ret, 1);
    assert.equal((await sendJson(app.socketPort, gift)).reply.code, '1');
    assert.equal(gifts.length, 1);
  });
});
