/**
 * One captured signed request, replayed with every field boundary moved. The recharge and gift signs
 * concatenate fields without separators, so each re-cut below carries the very sign of the original:
 * exactly one grant and one redemption may come of them, whatever path they arrive on.
 */
import assert from 'node:assert/strict';
import { useRedisServer } from '../helpers/redisServer.js';
import type { GiftHandler, GiftRequest } from '../../src/platforms/recharge/index.js';
import { GIFT_KEY, bootRecharge, granted, httpAnswer, httpOrder, httpSign, giftRedemption, giftSign, sendJson, uniqueNo, type RechargeApp } from './support.js';

/** The code of an HTTP recharge answer. */
const ret = (text: string): number => JSON.parse(JSON.parse(text).msg).ret as number;

describe('replaying one signed request with its fields re-cut', () => {
  const redis = useRedisServer();
  const gifts: GiftRequest[] = [];
  const giftHandler: GiftHandler = async (r) => {
    gifts.push(r);
    return { ok: true };
  };
  let app: RechargeApp;
  before(async () => (app = await bootRecharge({ redisUrl: redis.url, recharge: { giftKey: GIFT_KEY, giftHandler } })));
  after(async () => app.close());

  it('recharge over HTTP: every boundary shift of one order gets the duplicate or -2 answer, one grant', async () => {
    const serial = uniqueNo('').slice(0, 8);
    const order = httpOrder({ cporder_no: `06CP2024000111${serial}`, order_no: 'CH7777', fanli: '0', Sign: undefined });
    order.Sign = httpSign(order);
    assert.equal(ret((await app.post(order)).text), 1);
    await granted(app, `recharge:${order.cporder_no}`);

    const cp = String(order.cporder_no);
    const no = String(order.order_no);
    const time = String(order.Time);
    const user = String(order.UserID);
    const shifts: Array<[string, Record<string, unknown>]> = [
      ['cporder_no/order_no one right', { cporder_no: cp + no[0], order_no: no.slice(1) }],
      ['cporder_no/order_no all right', { cporder_no: cp + no, order_no: '' }],
      ['cporder_no/order_no one left', { cporder_no: cp.slice(0, -1), order_no: cp.slice(-1) + no }],
      ['ZoneID/cporder_no', { ZoneID: `${order.ZoneID}${cp[0]}`, cporder_no: cp.slice(1) }],
      ['UserID/ZoneID', { UserID: user.slice(0, -1), ZoneID: `${user.slice(-1)}${order.ZoneID}` }],
      ['order_no/Time', { order_no: no + time[0], Time: time.slice(1) }],
      ['order_no/Time, other way', { order_no: no.slice(0, -1), Time: no.slice(-1) + time }],
      ['Time/fanli', { Time: `${time}${order.fanli}`, fanli: '' }],
      ['Time/fanli, other way', { Time: time.slice(0, -1), fanli: time.slice(-1) + String(order.fanli) }],
    ];
    for (const [name, change] of shifts) {
      const shifted = { ...order, ...change };
      assert.equal(httpSign(shifted), order.Sign, `${name}: same sign`);
      const text = (await app.post(shifted)).text;
      assert.ok([-1, -5, -2].includes(ret(text)), `${name}: answered ${text}`);
      if (shifted.cporder_no !== cp) assert.equal(await app.ledger.get(`recharge:${String(shifted.cporder_no)}`), undefined, `${name}: nothing recorded`);
    }
    assert.equal(app.grants.filter((g) => g.raw.Sign === order.Sign).length, 1);
    assert.ok(app.logger.find('its sign belongs to another order', 'warn').length >= 1, 'the replay is logged');
  });

  it('recharge over HTTP then the socket: the HTTP sign moved into a socket order is the same order', async () => {
    // with fanli "0", the HTTP sign equals the socket sign of an order whose Time ends in that "0"
    const order = httpOrder({ fanli: '0' });
    assert.equal(ret((await app.post(order)).text), 1);
    const socketReplay = { ...order, Time: `${order.Time}0` };
    delete (socketReplay as Record<string, unknown>).fanli;
    const { reply } = await sendJson(app.socketPort, socketReplay);
    assert.ok([-1, -5, -2].includes(reply.ret as number), `answered ${JSON.stringify(reply)}`);

    // with an empty fanli both signs are the same text: a re-cut over the socket is a duplicate by its sign
    const plain = httpOrder({ fanli: '', Sign: undefined });
    plain.Sign = httpSign(plain);
    assert.equal(ret((await app.post(plain)).text), 1);
    const cp = String(plain.cporder_no);
    const recut = { ...plain, cporder_no: cp.slice(0, -1), order_no: cp.slice(-1) + String(plain.order_no) };
    delete (recut as Record<string, unknown>).fanli;
    const second = await sendJson(app.socketPort, recut);
    assert.ok([-1, -5].includes(second.reply.ret as number), `answered ${JSON.stringify(second.reply)}`);
    assert.equal(await app.ledger.get(`recharge:${String(recut.cporder_no)}`), undefined);
    await granted(app, `recharge:${cp}`);
    assert.equal(app.grants.filter((g) => g.raw.Sign === plain.Sign).length, 1);
  });

  it('gift codes: codeNo/giftId shifts of one redemption run the handler once', async () => {
    const r = giftRedemption({ codeNo: uniqueNo('A2922BC'), giftId: 'QJS0697' });
    const first = await sendJson(app.socketPort, r);
    assert.equal(first.reply.code, '1');
    const code = String(r.codeNo);
    const gift = String(r.giftId);
    const shifts = [
      { codeNo: code + gift[0], giftId: gift.slice(1) },
      { codeNo: code.slice(0, -1), giftId: code.slice(-1) + gift },
      { codeNo: code + gift.slice(0, -1), giftId: gift.slice(-1) },
    ];
    for (const change of shifts) {
      const shifted = { ...r, ...change };
      assert.equal(giftSign(shifted), r.sign);
      const { reply } = await sendJson(app.socketPort, shifted);
      assert.ok(['-5', '-2'].includes(reply.code as string), `answered ${JSON.stringify(reply)}`);
    }
    assert.equal(gifts.filter((g) => g.raw.sign === r.sign).length, 1);
    // the same request again is still the plain duplicate
    assert.equal((await sendJson(app.socketPort, r)).reply.code, '-5');
  });

  it('refuses ids, times and zones the platform never sends with -2', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ order_no: '' }, 'bad field order_no'],
      [{ Time: 16763329790 }, 'bad field Time'],
      [{ ZoneID: '04' }, 'bad field ZoneID'],
      [{ Amount: '0499' }, 'bad field Amount'],
      [{ cporder_no: 'CP 1' }, 'bad field cporder_no'],
    ];
    for (const [change, why] of cases) {
      const o = httpOrder({ ...change, Sign: undefined });
      o.Sign = httpSign(o);
      const text = (await app.post(o)).text;
      assert.equal(ret(text), -2, `${why}: ${text}`);
      assert.ok(JSON.parse(JSON.parse(text).msg).msg.startsWith(why), text);
    }
    assert.equal(httpAnswer(-2, 'x').includes('"result":false'), true);
  });

  it('keeps the unsigned fields apart from the signed ones on the order the handler gets', async () => {
    const order = httpOrder({ RoleID: 'role-9', currencyType: '1', ItemId: 'vip_pack_9999', BudanFlag: 1 });
    assert.equal(ret((await app.post(order)).text), 1);
    const record = await granted(app, `recharge:${order.cporder_no}`);
    const seen = app.grants.find((g) => g.dedupeKey === record.dedupeKey)!;
    assert.deepEqual(seen.unsigned, { roleId: 'role-9', currency: '1', productId: 'vip_pack_9999', budanFlag: 1 });
    assert.deepEqual(seen.signed, ['orderId', 'userId', 'zoneId', 'amount']);
    assert.equal(seen.roleId, undefined);
    assert.equal(seen.productId, undefined);
  });
});

describe('recharge.verifyOrder', () => {
  const redis = useRedisServer();
  const seen: unknown[] = [];
  let app: RechargeApp;
  before(
    async () =>
      (app = await bootRecharge({
        redisUrl: redis.url,
        recharge: {
          verifyOrder: (check) => {
            seen.push(check);
            if (check.unsigned.productId === 'throws') throw new Error('catalogue down');
            return check.unsigned.productId === 'vip_pack_9999' ? 'unknown product' : true;
          },
        },
      })),
  );
  after(async () => app.close());

  it('records what the game accepts, refuses what it refuses (-3, nothing recorded), retries when it throws (-7)', async () => {
    const good = httpOrder({ ItemId: 'gems_100' });
    assert.equal(ret((await app.post(good)).text), 1);
    const bad = httpOrder({ ItemId: 'vip_pack_9999' });
    assert.equal((await app.post(bad)).text, httpAnswer(-3, 'refused by the game'));
    assert.equal(await app.ledger.get(`recharge:${bad.cporder_no}`), undefined);
    const down = httpOrder({ ItemId: 'throws' });
    assert.equal(ret((await app.post(down)).text), -7);
    assert.equal(await app.ledger.get(`recharge:${down.cporder_no}`), undefined);
    assert.equal(app.logger.find('recharge refused: refused by the game', 'warn').length, 1);
    assert.deepEqual(Object.keys(seen[0] as object).sort(), ['amount', 'orderId', 'path', 'raw', 'unsigned', 'userId', 'zoneId']);
  });
});
