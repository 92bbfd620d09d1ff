import assert from 'node:assert/strict';
import { request } from 'node:http';
import { useRedisServer } from '../helpers/redisServer.js';
import { bootRecharge, gate, granted, httpAnswer, httpOrder, httpSign, socketSign, type RechargeApp } from './support.js';

const SUCCESS = '{"result":true,"msg":"{\\"msg\\":\\"succeed\\",\\"ret\\":1}"}';

describe('recharge over HTTP', () => {
  const redis = useRedisServer();

  describe('accepting orders', () => {
    let app: RechargeApp;
    before(async () => (app = await bootRecharge({ redisUrl: redis.url, recharge: { zones: [4, 50222] } })));
    after(async () => app.close());

    it('answers the document example with the exact 1.4 success body, records it once and grants it once', async () => {
      const order = httpOrder();
      const res = await app.post(order);
      assert.equal(res.status, 200);
      assert.equal(res.text, SUCCESS);
      const record = await granted(app, `recharge:${order.cporder_no}`);
      assert.equal(record.source, 'recharge-http');
      assert.equal(record.orderId, order.cporder_no);
      assert.equal(record.userId, order.UserID);
      assert.equal(record.zoneId, '4');
      assert.equal(record.unsigned?.roleId, '47120000004');
      assert.equal(record.amount, 499);
      assert.equal(record.unsigned?.currency, '2');
      assert.equal(record.unsigned?.productId, 'com.fingerfun.nova.pack5');
      assert.equal(record.unsigned?.budanFlag, 0);
      assert.equal(record.raw.extendParams, order.extendParams);
      const calls = app.grants.filter((g) => g.orderId === order.cporder_no);
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.amount, 499);
      assert.equal(app.logger.find('recharge order accepted', 'info').filter((l) => l.fields?.cporder_no === order.cporder_no).length, 1);
    });

    it('answers a resent order -1 once it is granted, without a second grant', async () => {
      const order = httpOrder();
      assert.equal((await app.post(order)).text, SUCCESS);
      await granted(app, `recharge:${order.cporder_no}`);
      const again = await app.post(order);
      assert.equal(again.status, 200);
      assert.equal(again.text, httpAnswer(-1, 'duplicate order'));
      const withBudan = httpOrder({ cporder_no: order.cporder_no, order_no: order.order_no, BudanFlag: 1 });
      assert.equal((await app.post(withBudan)).text, httpAnswer(-1, 'duplicate order'), 'a make-up order is still a duplicate');
      assert.equal(app.grants.filter((g) => g.orderId === order.cporder_no).length, 1);
    });

    it('signs over the amount text as sent: "Amount":6.00 and a 19-digit role id as bare numbers', async () => {
      const order = httpOrder({ Amount: 6, RoleID: 0 });
      const text = JSON.stringify(order).replace('"Amount":6,', '"Amount":6.00,').replace('"RoleID":0,', '"RoleID":3534059070281430668,');
      const signed = text.replace(/"Sign":"[0-9A-F]+"/, `"Sign":"${httpSign({ ...order, Amount: '6.00' })}"`);
      const res = await app.post(signed);
      assert.equal(res.text, SUCCESS);
      const record = await app.ledger.get(`recharge:${order.cporder_no}`);
      assert.equal(record?.amount, 6);
      assert.equal(record?.unsigned?.roleId, '3534059070281430668');
    });

    it('accepts numbers sent as strings and a lower-case sign', async () => {
      const order = httpOrder({ Amount: '499', Time: '1676332979', ZoneID: 4, BudanFlag: '2' });
      order.Sign = String(order.Sign).toLowerCase();
      assert.equal((await app.post(order)).text, SUCCESS);
      assert.equal((await app.ledger.get(`recharge:${order.cporder_no}`))?.unsigned?.budanFlag, 2);
    });
  });

  describe('refusals', () => {
    let app: RechargeApp;
    before(async () => (app = await bootRecharge({ redisUrl: redis.url, maxBodyBytes: 2048, recharge: { zones: ['4'] } })));
    after(async () => app.close());
    beforeEach(() => app.logger.clear());

    async function assertNothingRecorded(cporderNo: unknown): Promise<void> {
      assert.equal(await app.ledger.get(`recharge:${String(cporderNo)}`), undefined);
      assert.equal(await app.ledger.queued(), 0);
    }

    function refusalLine(text: string) {
      const lines = app.logger.find(`recharge refused: ${text}`, 'warn');
      assert.equal(lines.length, 1, `one log line for "${text}", got ${JSON.stringify(app.logger.lines)}`);
      assert.equal(lines[0]!.fields?.peer, '127.0.0.1');
      return lines[0]!;
    }

    it('a wrong sign gets -4, a log line without the key, and nothing recorded', async () => {
      const order = httpOrder();
      order.Sign = httpSign(order, 'not-the-key');
      const res = await app.post(order);
      assert.deepEqual([res.status, res.text], [200, httpAnswer(-4, 'bad sign')]);
      const line = refusalLine('bad sign');
      assert.equal(line.fields?.cporder_no, order.cporder_no);
      assert.ok(!JSON.stringify(app.logger.lines).includes('test-recharge-key'));
      assert.ok(!JSON.stringify(app.logger.lines).includes(String(order.Sign)));
      await assertNothingRecorded(order.cporder_no);
    });

    it('the socket formula (no fanli) does not verify on HTTP when fanli is set', async () => {
      const order = httpOrder({ fanli: '10' });
      order.Sign = socketSign(order);
      assert.equal((await app.post(order)).text, httpAnswer(-4, 'bad sign'));
      await assertNothingRecorded(order.cporder_no);
    });

    it('a missing signed field gets -2 naming it', async () => {
      const order = httpOrder();
      delete order.UserID;
      const res = await app.post(order);
      assert.deepEqual([res.status, res.text], [200, httpAnswer(-2, 'bad field UserID: missing')]);
      refusalLine('bad field UserID: missing');
      await assertNothingRecorded(order.cporder_no);
    });

    it('a mistyped amount gets -2 naming it', async () => {
      const order = httpOrder({ Amount: 'abc' });
      const res = await app.post(order);
      assert.equal(res.text, httpAnswer(-2, 'bad field Amount: expected a positive whole amount (a number or a numeric string)'));
      refusalLine('bad field Amount');
      await assertNothingRecorded(order.cporder_no);
    });

    for (const [what, value] of [
      ['a fractional amount', '6.5'],
      ['a zero amount', 0],
      ['a negative amount', -499],
    ] as const) {
      it(`${what} gets -2`, async () => {
        const order = httpOrder({ Amount: value });
        assert.match((await app.post(order)).text, /bad field Amount/);
        await assertNothingRecorded(order.cporder_no);
      });
    }

    it('an empty order number gets -2 (it is the ledger identity)', async () => {
      const order = httpOrder({ cporder_no: '' });
      assert.equal((await app.post(order)).text, httpAnswer(-2, 'bad field cporder_no: expected the order number (it identifies the order)'));
      assert.equal(await app.ledger.queued(), 0);
    });

    it('a mistyped optional field gets -2 naming it', async () => {
      const order = httpOrder({ RoleID: { id: 1 } });
      assert.equal((await app.post(order)).text, httpAnswer(-2, 'bad field RoleID: expected a string or a number'));
      await assertNothingRecorded(order.cporder_no);
    });

    it('malformed JSON gets 400 and -2', async () => {
      const res = await app.post('{"Amount":499,"UserID":');
      assert.equal(res.status, 400);
      assert.match(res.text, /^\{"result":false,"msg":"\{\\"msg\\":\\"malformed JSON: invalid JSON( at position \d+)?\\",\\"ret\\":-2\}"\}$/);
      refusalLine('malformed JSON');
      assert.equal(await app.ledger.queued(), 0);
    });

    it("a JSON array or the document's typographic quotes get 400 and -2", async () => {
      assert.equal((await app.post('[1,2]')).text, httpAnswer(-2, 'malformed JSON: JSON value is an array, not an object'));
      const curly = await app.post('{\u201cAmount\u201d:499}');
      assert.equal(curly.status, 400);
      assert.match(curly.text, /malformed JSON/);
    });

    it('an oversized body gets 413 and -2 without being read', async () => {
      const order = httpOrder({ extendParams: 'x'.repeat(3000) });
      const res = await app.post(order);
      assert.deepEqual([res.status, res.text], [413, httpAnswer(-2, 'body larger than 2048 bytes')]);
      refusalLine('body larger than 2048 bytes');
      await assertNothingRecorded(order.cporder_no);
    });

    it('a zone not served gets -3', async () => {
      const order = httpOrder({ ZoneID: '5' });
      const res = await app.post(order);
      assert.deepEqual([res.status, res.text], [200, httpAnswer(-3, 'zone 5 is not served here')]);
      refusalLine('zone 5 is not served here');
      await assertNothingRecorded(order.cporder_no);
    });

    it('only POST reaches the route', async () => {
      const res = await fetch(`${app.baseUrl}/platform/recharge`);
      assert.equal(res.status, 404);
      await res.body?.cancel();
    });
  });

  describe('duplicate codes while a grant is running', () => {
    let app: RechargeApp;
    const hold = gate();
    const entered = gate();
    before(
      async () =>
        (app = await bootRecharge({
          redisUrl: redis.url,
          grant: async () => {
            entered.open();
            await hold.promise;
          },
        })),
    );
    after(async () => {
      hold.open();
      await app.close();
    });

    it("'auto' answers -5 while the grant is pending, -1 once it is settled", async () => {
      const order = httpOrder();
      assert.equal((await app.post(order)).text, SUCCESS);
      await entered.promise;
      assert.equal((await app.post(order)).text, httpAnswer(-5, 'duplicate order, grant in progress'));
      hold.open();
      await granted(app, `recharge:${order.cporder_no}`);
      assert.equal((await app.post(order)).text, httpAnswer(-1, 'duplicate order'));
      assert.equal(app.grants.length, 1);
    });
  });

  describe('fixed duplicate code and order number choice', () => {
    let app: RechargeApp;
    before(async () => (app = await bootRecharge({ redisUrl: redis.url, recharge: { duplicateCode: -5, dedupeField: 'order_no' } })));
    after(async () => app.close());

    it('answers the configured code and keys the ledger on the chosen field', async () => {
      const order = httpOrder();
      assert.equal((await app.post(order)).text, SUCCESS);
      await granted(app, `recharge:${order.order_no}`);
      assert.equal((await app.post(order)).text, httpAnswer(-5, 'duplicate order'));
      const other = httpOrder({ order_no: order.order_no });
      assert.equal((await app.post(other)).text, httpAnswer(-5, 'duplicate order'), 'same order_no, other cporder_no: the same order');
    });

    it('refuses an order without the chosen field', async () => {
      const order = httpOrder();
      delete order.order_no;
      assert.equal((await app.post(order)).text, httpAnswer(-2, 'bad field order_no: missing'));
    });
  });

  describe('IP allow-list and shutdown', () => {
    let app: RechargeApp;
    before(async () => (app = await bootRecharge({ redisUrl: redis.url, recharge: { ipAllowList: ['10.0.0.0/8'] } })));
    after(async () => app.close());

    it('refuses a caller outside the allow-list with 403 and -3', async () => {
      const order = httpOrder();
      const res = await app.post(order);
      assert.deepEqual([res.status, res.text], [403, httpAnswer(-3, 'caller address not allowed')]);
      const lines = app.logger.find('recharge refused: caller address not allowed', 'warn');
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.fields?.peer, '127.0.0.1');
      assert.equal(await app.ledger.get(`recharge:${order.cporder_no}`), undefined);
    });

    it('answers 503 and -6 once shutdown has begun', async () => {
      await app.stopIntake();
      const res = await app.post(httpOrder());
      assert.deepEqual([res.status, res.text], [503, httpAnswer(-6, 'server is shutting down, retry later')]);
      assert.equal(await app.ledger.queued(), 0);
    });
  });
});

describe('recharge over HTTP: freshness and streamed bodies', () => {
  const redis = useRedisServer();
  let app: RechargeApp;
  before(async () => (app = await bootRecharge({ redisUrl: redis.url, maxBodyBytes: 2048, recharge: { maxClockSkewSec: 300 } })));
  after(async () => app.close());

  it('with maxClockSkewSec, a fresh Time (seconds or milliseconds) is accepted and an old one gets -8', async () => {
    const nowSec = Math.floor(Date.now() / 1000);
    assert.equal((await app.post(httpOrder({ Time: nowSec }))).text, SUCCESS);
    assert.equal((await app.post(httpOrder({ Time: String(Date.now()) }))).text, SUCCESS);
    const old = httpOrder({ Time: nowSec - 3600 });
    const res = await app.post(old);
    assert.match(res.text, /^\{"result":false,"msg":"\{\\"msg\\":\\"Time is 360\d s away from server time \(limit 300 s\)\\",\\"ret\\":-8\}"\}$/);
    assert.equal(app.logger.find('away from server time', 'warn').length, 1);
    assert.equal(await app.ledger.get(`recharge:${old.cporder_no}`), undefined);
  });

  it('a streamed (chunked) body over the limit is answered 413, logged, and not recorded', async () => {
    const order = httpOrder({ Time: Math.floor(Date.now() / 1000), extendParams: 'y'.repeat(4000) });
    const url = new URL(`${app.baseUrl}/platform/recharge`);
    const outcome = await new Promise<string>((resolve) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(`status ${res.statusCode}`));
        res.on('error', () => resolve('reset'));
      });
      req.on('error', () => resolve('reset'));
      const text = JSON.stringify(order);
      // no content-length: the server only learns the size while reading
      req.write(text.slice(0, 1000));
      req.end(text.slice(1000));
    });
    assert.equal(outcome, 'status 413', 'the oversized stream is drained so the 413 answer reaches the platform');
    assert.equal(app.logger.find('recharge refused: body larger than 2048 bytes', 'warn').length, 1);
    assert.equal(await app.ledger.get(`recharge:${order.cporder_no}`), undefined);
  });
});
