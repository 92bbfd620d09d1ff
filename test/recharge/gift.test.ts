import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor } from '../helpers/processes.js';
import type { GiftHandler, GiftRequest } from '../../src/platforms/recharge/index.js';
import { GIFT_KEY, bootRecharge, exchange, gate, giftRedemption, giftSign, sendJson, type RechargeApp } from './support.js';

const SUCCESS_DESC = '"desc":"\\u6210\\u529f"';

/** The reply the document (4.4) describes: the request's text, then code and desc. */
function echoed(requestText: string, code: string, descJson: string): string {
  return `${requestText.slice(0, -1)},"code":"${code}",${descJson}}\n`;
}

describe('gift codes over the socket', () => {
  const redis = useRedisServer();

  /** A handler whose calls the test sees, and whose behaviour a test can swap. */
  const calls: GiftRequest[] = [];
  let behaviour: GiftHandler = async () => ({ ok: true });
  const handler: GiftHandler = (req) => {
    calls.push(req);
    return behaviour(req);
  };
  const callsFor = (codeNo: unknown) => calls.filter((c) => c.codeNo === codeNo).length;
  /** Where a redemption's claim lives (the ids in these tests need no escaping). */
  const claimKey = (r: Record<string, unknown>) => app.store.keys.key('gift', 'claim', String(r.userId), String(r.codeNo));

  let app: RechargeApp;
  before(async () => (app = await bootRecharge({ redisUrl: redis.url, recharge: { giftKey: GIFT_KEY, giftHandler: handler, zones: [270080] } })));
  after(async () => app.close());
  beforeEach(() => {
    behaviour = async () => ({ ok: true });
    app.logger.clear();
  });

  it('redeems the document example: the request echoed as received, code "1", desc 成功', async () => {
    const request = giftRedemption();
    const text = JSON.stringify(request);
    const r = await exchange(app.socketPort, text);
    assert.equal(r.text, echoed(text, '1', SUCCESS_DESC));
    assert.equal(JSON.parse(r.text).desc, '成功');
    assert.equal(callsFor(request.codeNo), 1);
    const call = calls.find((c) => c.codeNo === request.codeNo)!;
    assert.deepEqual(
      [call.userId, call.unsigned.roleId, call.giftId, call.zoneId, call.lTime, call.unsigned.changeTime, call.remoteAddress],
      [request.userId, '380395594', 'QJS0697', '270080', '1677082481', '2023-2-23 00:14:41', '127.0.0.1'],
    );
    assert.equal(call.idempotencyKey, `gift:${request.userId}:${request.codeNo}`);
    assert.equal(app.logger.find('gift code redeemed', 'info').length, 1);
    // the claim became its tombstone (the answer code); the full record sits beside it
    assert.equal(await app.store.get(claimKey(request)), '1');
    const record = JSON.parse((await app.store.get(app.store.keys.key('gift', 'record', String(request.userId), String(request.codeNo))))!);
    assert.deepEqual({ ...record, at: typeof record.at }, { ok: true, code: '1', desc: '成功', giftId: 'QJS0697', zoneId: '270080', roleId: '380395594', at: 'number' });
  });

  it('echoes numbers exactly as sent (bare numbers, long ids)', async () => {
    const request = giftRedemption({ roleId: 0, lTime: 1677082481, zoneId: 270080 });
    const text = JSON.stringify(request).replace('"roleId":0', '"roleId":3534059070281430668');
    const r = await exchange(app.socketPort, text);
    assert.equal(r.text, echoed(text, '1', SUCCESS_DESC));
    assert.equal(calls.find((c) => c.codeNo === request.codeNo)?.unsigned.roleId, '3534059070281430668');
  });

  it('a second redemption of the same code by the same user is a duplicate and does not run the handler', async () => {
    const request = giftRedemption();
    assert.equal((await sendJson(app.socketPort, request)).reply.code, '1');
    const again = await sendJson(app.socketPort, request);
    assert.deepEqual([again.reply.code, again.reply.desc], ['-5', 'gift code already redeemed by this user']);
    assert.equal(callsFor(request.codeNo), 1);
    const otherUser = giftRedemption({ codeNo: request.codeNo, userId: 'another-user' });
    assert.equal((await sendJson(app.socketPort, otherUser)).reply.code, '1', 'another user may redeem the same code');
  });

  it('a wrong sign gets "-4"; the handler does not run and nothing is claimed', async () => {
    const request = giftRedemption();
    request.sign = giftSign(request, 'wrong');
    const { reply } = await sendJson(app.socketPort, request);
    assert.deepEqual([reply.code, reply.desc], ['-4', 'bad sign']);
    assert.equal(callsFor(request.codeNo), 0);
    assert.equal(app.logger.find('gift code refused: bad sign', 'warn').length, 1);
    assert.equal(await app.store.get(claimKey(request)), null);
  });

  it('an upper-case sign verifies (compared case-insensitively)', async () => {
    const request = giftRedemption();
    request.sign = String(request.sign).toUpperCase();
    assert.equal((await sendJson(app.socketPort, request)).reply.code, '1');
  });

  it('a missing field gets "-2" naming it', async () => {
    const request = giftRedemption();
    delete request.giftId;
    const { reply } = await sendJson(app.socketPort, request);
    assert.deepEqual([reply.code, reply.desc], ['-2', 'bad field giftId: missing']);
    assert.equal(callsFor(request.codeNo), 0);
  });

  it('a zone not served gets "-3"', async () => {
    const request = giftRedemption({ zoneId: '1' });
    assert.deepEqual((await sendJson(app.socketPort, request)).reply.code, '-3');
    assert.equal(callsFor(request.codeNo), 0);
  });

  it('a handler that throws releases the claim: the retry runs the handler again', async () => {
    const request = giftRedemption();
    behaviour = async () => {
      throw new Error('inventory service down');
    };
    const first = await sendJson(app.socketPort, request);
    assert.deepEqual([first.reply.code, first.reply.desc], ['-7', 'gift handler failed, retry later']);
    assert.equal(app.logger.find('gift handler failed', 'error').length, 1);
    assert.equal(await app.store.get(claimKey(request)), null, 'the claim is released');
    behaviour = async () => ({ ok: true });
    const retry = await sendJson(app.socketPort, request);
    assert.equal(retry.reply.code, '1');
    assert.equal(callsFor(request.codeNo), 2);
    assert.equal((await sendJson(app.socketPort, request)).reply.code, '-5');
    assert.equal(callsFor(request.codeNo), 2);
  });

  it('a handler refusal is answered with its code and desc, recorded, and repeated without running again', async () => {
    const request = giftRedemption();
    behaviour = async () => ({ ok: false, code: '-100', desc: 'code expired' });
    const first = await sendJson(app.socketPort, request);
    assert.deepEqual([first.reply.code, first.reply.desc], ['-100', 'code expired']);
    const again = await sendJson(app.socketPort, request);
    assert.deepEqual([again.reply.code, again.reply.desc], ['-100', 'code expired']);
    assert.equal(callsFor(request.codeNo), 1);
    behaviour = async () => ({ ok: false });
    const plain = await sendJson(app.socketPort, giftRedemption());
    assert.deepEqual([plain.reply.code, plain.reply.desc], ['0', 'gift code refused']);
  });

  it('concurrent redemptions of one code: the handler runs once, the others are told it is in progress', async () => {
    const request = giftRedemption();
    const hold = gate();
    const entered = gate();
    behaviour = async () => {
      entered.open();
      await hold.promise;
      return { ok: true };
    };
    const first = sendJson(app.socketPort, request);
    await entered.promise;
    const others = await Promise.all(Array.from({ length: 8 }, () => sendJson(app.socketPort, request)));
    for (const o of others) assert.deepEqual([o.reply.code, o.reply.desc], ['-9', 'this redemption is in progress, retry later']);
    hold.open();
    assert.equal((await first).reply.code, '1');
    assert.equal(callsFor(request.codeNo), 1);
  });

  it('simultaneous redemptions on two processes sharing Redis run the handler once', async () => {
    const prefix = `shared${randomBytes(3).toString('hex')}:`;
    const seen: string[] = [];
    const hold = gate();
    const giftHandler: GiftHandler = async (req) => {
      seen.push(req.codeNo);
      await hold.promise;
      return { ok: true };
    };
    const a = await bootRecharge({ redisUrl: redis.url, keyPrefix: prefix, recharge: { giftKey: GIFT_KEY, giftHandler } });
    const b = await bootRecharge({ redisUrl: redis.url, keyPrefix: prefix, recharge: { giftKey: GIFT_KEY, giftHandler } });
    try {
      const request = giftRedemption();
      const replies = Promise.all(Array.from({ length: 10 }, (_, i) => sendJson(i % 2 ? a.socketPort : b.socketPort, request)));
      const inProgress = () => a.logger.find('in progress', 'warn').length + b.logger.find('in progress', 'warn').length;
      await waitFor('nine redemptions to be told "in progress"', () => (inProgress() === 9 ? true : undefined), 5000, 10);
      assert.deepEqual(seen, [request.codeNo]);
      hold.open();
      const codes = (await replies).map((r) => String(r.reply.code)).sort();
      assert.deepEqual(codes, ['-9', '-9', '-9', '-9', '-9', '-9', '-9', '-9', '-9', '1']);
      assert.deepEqual(seen, [request.codeNo]);
    } finally {
      hold.open();
      await a.close();
      await b.close();
    }
  });
});

describe('gift codes without a gift key', () => {
  const redis = useRedisServer();
  let app: RechargeApp;
  before(async () => (app = await bootRecharge({ redisUrl: redis.url })));
  after(async () => app.close());

  it('are answered "-3" and logged', async () => {
    const request = giftRedemption();
    const { reply } = await sendJson(app.socketPort, request);
    assert.deepEqual([reply.code, reply.desc, reply.codeNo], ['-3', 'gift codes are not enabled on this server', request.codeNo]);
    assert.equal(app.logger.find('gift codes are not enabled', 'warn').length, 1);
  });
});
