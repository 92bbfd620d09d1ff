/**
 * Well-signed callbacks whose fields cannot be stored as received must get a terminal refusal naming the
 * field (never the retry code, which would make the platform resend them forever), on every path: recharge
 * HTTP and socket, gift codes, SUD. Unknown fields with lone surrogates are stored losslessly (as JSON
 * escapes); nesting deeper than the limit is refused.
 */
import assert from 'node:assert/strict';
import { useRedisServer } from '../helpers/redisServer.js';
import { bootRecharge, exchange, giftRedemption, GIFT_KEY, httpAnswer, httpOrder, socketOrder, type RechargeApp } from './support.js';

const deepValue = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
/** The order's JSON with one more field whose value is raw JSON text. */
const withField = (order: Record<string, unknown>, name: string, json: string) => JSON.stringify(order).replace(/}$/, `,${JSON.stringify(name)}:${json}}`);

describe('recharge: inputs that cannot be stored as received', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let app: RechargeApp;
  let gifts = 0;
  before(
    async () =>
      (app = await bootRecharge({
        redisUrl: redis.url,
        maxBodyBytes: 64 * 1024,
        recharge: { zones: ['4', '50222', '270080'], giftKey: GIFT_KEY, giftHandler: async () => ((gifts += 1), { ok: true }) },
      })),
  );
  after(async () => app.close());
  beforeEach(() => app.logger.clear());

  // by key: orders accepted by earlier tests of this file may still be in the grant queue
  const nothingRecorded = async (no: unknown) => {
    assert.equal(await app.ledger.get(`recharge:${String(no)}`), undefined);
    assert.equal(app.grants.filter((g) => g.orderId === String(no)).length, 0);
  };

  for (const [field, escape] of [
    ['RoleID', '\\ud800'],
    ['propId', '\\udfff'],
  ] as const) {
    it(`HTTP: a lone surrogate in ${field} gets -2 naming the field, every time, and nothing is recorded`, async () => {
      const order = httpOrder();
      const text = JSON.stringify(order).replace(new RegExp(`"${field}":"[^"]*"`), `"${field}":"${escape}"`);
      assert.ok(text.includes(escape), 'the escape is in the body');
      const expected = httpAnswer(-2, `bad field ${field === 'propId' ? 'ItemId/propId' : field}: holds a lone UTF-16 surrogate (an escape such as \\ud800), which has no UTF-8 form`);
      for (let i = 0; i < 2; i++) {
        const res = await app.post(text);
        assert.deepEqual([res.status, res.text], [200, expected]);
      }
      assert.equal(app.logger.find(`recharge refused: bad field`, 'warn').length, 2);
      assert.equal(app.logger.find('could not be recorded', 'error').length, 0);
      await nothingRecorded(order.cporder_no);
    });
  }

  it('HTTP: a lone surrogate in an unknown field is stored losslessly (as a JSON escape) and accepted', async () => {
    const order = httpOrder();
    const res = await app.post(withField(order, 'note', '"a\\ud800b"'));
    assert.equal(res.status, 200);
    const rec = await app.ledger.get(`recharge:${order.cporder_no}`);
    assert.equal(rec?.raw.note, 'a\ud800b', 'the unknown field reads back exactly as received');
  });

  it('HTTP: an unknown field nested 5,000 levels deep gets -2 naming it; 30 levels are fine', async () => {
    const order = httpOrder();
    const res = await app.post(withField(order, 'deep', deepValue(5000)));
    assert.deepEqual([res.status, res.text], [400, httpAnswer(-2, 'malformed JSON: field deep is nested deeper than 32 levels')]);
    await nothingRecorded(order.cporder_no);
    const ok = httpOrder();
    assert.equal((await app.post(withField(ok, 'deep', deepValue(30)))).status, 200);
    assert.deepEqual((await app.ledger.get(`recharge:${ok.cporder_no}`))?.raw.deep, JSON.parse(deepValue(30)));
  });

  it('socket: a lone surrogate in RoleID and deep nesting get -2 on the socket too', async () => {
    const order = socketOrder();
    const r = await exchange(app.socketPort, JSON.stringify(order).replace(/"RoleID":"[^"]*"/, '"RoleID":"\\ud800"'));
    assert.match(r.text, /"ret":-2/);
    assert.match(r.text, /bad field RoleID: holds a lone UTF-16 surrogate/);
    const deep = socketOrder();
    const d = await exchange(app.socketPort, withField(deep, 'deep', deepValue(5000)));
    assert.match(d.text, /"ret":-2/);
    assert.match(d.text, /field deep is nested deeper than 32 levels/);
    await nothingRecorded(order.cporder_no);
    await nothingRecorded(deep.cporder_no);
  });

  it('gift: a lone surrogate in codeNo gets -2 naming it; the handler does not run', async () => {
    const gift = giftRedemption();
    const text = JSON.stringify(gift).replace(/"codeNo":"[^"]*"/, '"codeNo":"A\\ud800"');
    const r = await exchange(app.socketPort, text);
    assert.match(r.text, /"code":"-2"/);
    assert.match(r.text, /bad field codeNo: holds a lone UTF-16 surrogate/);
    assert.equal(gifts, 0);
  });
});
