/**
 * Gift-code retention on the real socket and a real Redis, with fractions of a day so it runs in
 * seconds: a finished redemption keeps its full record for `giftRecordDays`, then only its tombstone
 * (the answer code) and its sign binding until `giftDedupeDays`. A duplicate meanwhile gets the duplicate
 * answer on the wire and never runs the handler; after `giftDedupeDays` the code is new again.
 */
import assert from 'node:assert/strict';
import { waitUntil } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';
import type { GiftHandler } from '../../src/platforms/recharge/index.js';
import { GIFT_KEY, bootRecharge, exchange, giftRedemption, type RechargeApp } from './support.js';
import { DAY, RECORD_DAYS, DEDUPE_DAYS } from '../helpers/retentionDays.js';

/** The reply the document (4.4) describes: the request's text, then code and desc. */
const echoed = (requestText: string, code: string, desc: string) => `${requestText.slice(0, -1)},"code":"${code}","desc":"${desc}"}\n`;

describe('gift-code retention: full record, then a tombstone, then nothing', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  let app: RechargeApp;
  const calls: string[] = [];
  let answer: Awaited<ReturnType<GiftHandler>> = { ok: true };
  before(async () => {
    app = await bootRecharge({
      redisUrl: redis.url,
      recharge: { giftKey: GIFT_KEY, giftRecordDays: RECORD_DAYS, giftDedupeDays: DEDUPE_DAYS, giftHandler: async (r) => (calls.push(r.codeNo), answer) },
    });
  });
  after(async () => app?.close());
  const claim = (r: Record<string, unknown>) => app.store.keys.key('gift', 'claim', String(r.userId), String(r.codeNo));
  const record = (r: Record<string, unknown>) => app.store.keys.key('gift', 'record', String(r.userId), String(r.codeNo));
  const signKey = (r: Record<string, unknown>) => app.store.keys.key('gift', 'sign', String(r.sign));
  const gone = (key: string) =>
    waitUntil(
      `${key} expired`,
      () => app.store.pttl(key),
      (t) => t === -2,
      10_000,
      20,
    );
  const count = (r: Record<string, unknown>) => calls.filter((c) => c === r.codeNo).length;

  it('answers "-5" from the tombstone after the record expired, then redeems the code as new after the dedupe window', async () => {
    answer = { ok: true };
    const request = giftRedemption();
    const text = JSON.stringify(request);
    assert.equal((await exchange(app.socketPort, text)).text, echoed(text, '1', '\\u6210\\u529f'));

    const [claimTtl, recordTtl, signTtl] = await Promise.all([claim(request), record(request), signKey(request)].map((k) => app.store.pttl(k)));
    assert.ok(recordTtl! > 0 && recordTtl! <= RECORD_DAYS * DAY, `record pttl ${recordTtl}`);
    assert.ok(claimTtl! > RECORD_DAYS * DAY && claimTtl! <= DEDUPE_DAYS * DAY, `tombstone pttl ${claimTtl}`);
    assert.ok(signTtl! > RECORD_DAYS * DAY && signTtl! <= DEDUPE_DAYS * DAY, `sign binding pttl ${signTtl}`);
    assert.equal(await app.store.get(claim(request)), '1');

    await gone(record(request));
    assert.ok((await app.store.pttl(claim(request))) > 500, 'still inside the dedupe window (the machine was not too slow for this test)');
    assert.equal((await exchange(app.socketPort, text)).text, echoed(text, '-5', 'gift code already redeemed by this user'));
    // the same signed text re-cut (codeNo/giftId boundary moved) is still caught by the sign binding
    const recut = { ...request, codeNo: `${String(request.codeNo)}Q`, giftId: 'JS0697' };
    assert.equal(JSON.parse((await exchange(app.socketPort, JSON.stringify(recut))).text).code, '-5');
    assert.equal(count(request), 1, 'the handler did not run again');

    await gone(claim(request));
    await gone(signKey(request));
    assert.equal((await exchange(app.socketPort, text)).text, echoed(text, '1', '\\u6210\\u529f'));
    assert.equal(count(request), 2, 'after the dedupe window the same code is new');
  });

  it("repeats a recorded refusal's code (with its desc while the record lives) without running the handler", async () => {
    answer = { ok: false, code: '-100', desc: 'code expired' };
    const request = giftRedemption();
    const text = JSON.stringify(request);
    assert.equal((await exchange(app.socketPort, text)).text, echoed(text, '-100', 'code expired'));
    assert.equal((await exchange(app.socketPort, text)).text, echoed(text, '-100', 'code expired'));
    await gone(record(request));
    assert.equal((await exchange(app.socketPort, text)).text, echoed(text, '-100', 'gift code refused'));
    assert.equal(count(request), 1);
  });
});
