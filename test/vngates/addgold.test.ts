/**
 * The VNGates /addgold payment callback on a real Colyseus server and Redis: the document's example,
 * signed by the configured template, is recorded in the ledger and granted once; duplicates and
 * unsuccessful payments change nothing that was granted; every bad request is refused with a reason and a
 * log line and leaves the ledger untouched; without a template nothing is accepted.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { LedgerRecord } from '../../src/ledger/types.js';
import { installVngates, parseVngatesOptions, type VngatesOptionsInput, type VngatesService } from '../../src/platforms/vngates/index.js';
import { RedisServer, useRedisServer } from '../helpers/redisServer.js';
import { waitFor } from '../helpers/processes.js';
import { bootHarness, type Harness } from '../sud/harness.js';
import { APP_ID, SECRET, TEMPLATE_FIELDS, addgoldExample, addgoldUrl, get, templateSign } from './support.js';

const SUCCESS = '{"status":1,"msg":"success"}';
const CATALOGUE: Record<string, number> = { 'com.team.demo.goivang1': 1000 };

describe('VNGates /addgold', function () {
  this.timeout(30_000);
  const open: Array<Harness<VngatesService>> = [];
  let probe: Redis;
  after(async () => {
    // one at a time: Colyseus's matchmaker is one per process
    for (const h of open) await h.close();
    probe?.disconnect();
  });
  const redis = useRedisServer();
  before(() => (probe = new Redis(redis.url)));

  let n = 0;
  const granted: LedgerRecord[] = [];
  async function boot(vngates: Partial<VngatesOptionsInput>, redisUrl = redis.url) {
    const keyPrefix = `vg${++n}:`;
    const h = await bootHarness({ redis: redisUrl, keyPrefix, redisCommandTimeoutMs: 300, ledger: { pollIntervalMs: 20 }, grant: (order) => void granted.push(order) }, (ctx, { ledger }) =>
      installVngates(ctx, parseVngatesOptions({ appId: APP_ID, ...vngates } as VngatesOptionsInput), { ledger }),
    );
    open.push(h);
    return { h, keys: async () => (await probe.keys(`${keyPrefix}*`)).sort() };
  }
  const enforcing: Partial<VngatesOptionsInput> = {
    secret: SECRET,
    signTemplate: { fields: TEMPLATE_FIELDS },
    verifyProduct: ({ productId, amount }) => {
      const price = productId === undefined ? undefined : CATALOGUE[productId];
      if (price === undefined) return `unknown product ${productId}`;
      return amount === price ? true : `amount ${amount} does not match the price ${price} of ${productId}`;
    },
  };

  beforeEach(() => void (granted.length = 0));

  describe('with a sign template', () => {
    let h: Harness<VngatesService>;
    let keys: () => Promise<string[]>;
    before(async () => ({ h, keys } = await boot(enforcing)));
    beforeEach(() => h.logger.clear());

    it('a re-cut of one signed payment (empty separator) is granted once: the rest are duplicates or refused', async () => {
      const fields = addgoldExample({ transaction_id: '88120001', user_id: '7230' });
      const sign = templateSign(fields);
      assert.deepEqual(await get(addgoldUrl(h.baseUrl, fields, sign)), { status: 200, text: SUCCESS });
      await waitFor('granted', async () => ((await h.ledger.get('vngates:88120001'))?.state === 'granted' ? true : undefined));
      const recuts: Array<Record<string, string>> = [
        { transaction_id: '881200017', user_id: '230' },
        { transaction_id: '8812000', user_id: '17230' },
        { user_id: '72304', char_id: '3' },
        { transaction_id: '881200017230', user_id: '' },
      ];
      for (const change of recuts) {
        const shifted = { ...fields, ...change };
        assert.equal(templateSign(shifted), sign, 'same signed text');
        const res = await get(addgoldUrl(h.baseUrl, shifted, sign));
        assert.equal(res.status, 200);
        assert.equal(await h.ledger.get(`vngates:${shifted.transaction_id}`).then((r) => (shifted.transaction_id === fields.transaction_id ? undefined : r)), undefined);
      }
      assert.equal(granted.filter((g) => g.raw.sign === sign).length, 1);
      assert.equal(h.logger.find('vngates addgold: duplicate transaction').length, 3);

      // an id outside vngates.idPattern is refused even when well signed: nothing recorded
      const odd = addgoldExample({ transaction_id: 'tx/8812', user_id: '7230' });
      const res = await get(addgoldUrl(h.baseUrl, odd));
      assert.equal(res.status, 200);
      assert.match(res.text, /"status":0/);
      assert.equal(await h.ledger.get('vngates:tx/8812'), undefined);
      assert.equal(h.logger.find('field transaction_id does not match vngates.idPattern', 'warn').length, 1);
    });

    it('records the document example, answers success, grants it once', async () => {
      const fields = addgoldExample();
      const res = await get(addgoldUrl(h.baseUrl, fields));
      assert.deepEqual(res, { status: 200, text: SUCCESS });
      const rec = await waitFor('granted', async () => {
        const r = await h.ledger.get('vngates:45179546928220');
        return r?.state === 'granted' ? r : undefined;
      });
      assert.deepEqual(
        { source: rec.source, orderId: rec.orderId, userId: rec.userId, roleId: rec.roleId, zoneId: rec.zoneId, amount: rec.amount, productId: rec.productId },
        { source: 'vngates', orderId: '45179546928220', userId: '229', roleId: '43', zoneId: '1', amount: 1000, productId: 'com.team.demo.goivang1' },
      );
      assert.deepEqual(rec.raw, { ...fields, sign: templateSign(fields) });
      assert.equal(granted.length, 1);

      // VNGates sends it again: same answer, nothing changes
      const before = await h.ledger.get('vngates:45179546928220');
      for (let i = 0; i < 3; i++) assert.deepEqual(await get(addgoldUrl(h.baseUrl, fields)), { status: 200, text: SUCCESS });
      assert.deepEqual(await h.ledger.get('vngates:45179546928220'), before);
      assert.equal(granted.length, 1);
      assert.equal(h.logger.find('duplicate transaction').length, 3);
    });

    it('a payment with status 0 is recorded as declined, answered success, never granted', async () => {
      const fields = addgoldExample({ transaction_id: 'tx-failed', status: '0' });
      assert.deepEqual(await get(addgoldUrl(h.baseUrl, fields)), { status: 200, text: SUCCESS });
      const rec = await h.ledger.get('vngates:tx-failed');
      assert.equal(rec?.state, 'declined');
      assert.equal(rec?.reason, 'status=0');
      assert.equal(await h.ledger.queued(), 0);
      assert.equal(granted.length, 0);
    });

    it('status 0 then status 1 for one transaction_id: granted once, logged; a second success is a duplicate', async () => {
      const failed = addgoldExample({ transaction_id: 'tx-late-paid', status: '0' });
      assert.deepEqual(await get(addgoldUrl(h.baseUrl, failed)), { status: 200, text: SUCCESS });
      assert.equal((await h.ledger.get('vngates:tx-late-paid'))?.state, 'declined');
      const paid = addgoldExample({ transaction_id: 'tx-late-paid' });
      assert.deepEqual(await get(addgoldUrl(h.baseUrl, paid)), { status: 200, text: SUCCESS });
      const rec = await waitFor('granted', async () => {
        const r = await h.ledger.get('vngates:tx-late-paid');
        return r?.state === 'granted' ? r : undefined;
      });
      assert.equal(granted.length, 1);
      assert.equal(rec.declinedReason, 'status=0');
      assert.deepEqual(rec.raw, { ...paid, sign: templateSign(paid) }, 'the paid report is what was granted');
      const line = h.logger.find('first reported not successful is now reported paid', 'warn');
      assert.equal(line.length, 1);
      assert.equal(line[0]!.fields?.transactionId, 'tx-late-paid');

      for (const again of [paid, failed]) assert.deepEqual(await get(addgoldUrl(h.baseUrl, again)), { status: 200, text: SUCCESS });
      assert.equal(h.logger.find('duplicate transaction').length, 2);
      assert.equal((await h.ledger.get('vngates:tx-late-paid'))?.state, 'granted');
      assert.equal(await h.ledger.queued(), 0);
      assert.equal(granted.length, 1);
    });

    it('accepts an uppercase sign', async () => {
      const fields = addgoldExample({ transaction_id: 'tx-upper' });
      assert.deepEqual(await get(addgoldUrl(h.baseUrl, fields, templateSign(fields).toUpperCase())), { status: 200, text: SUCCESS });
    });

    // each case uses transaction_id bad-<n>; nothing with that id may reach Redis
    const refusals: Array<{ name: string; url: () => string; text: string; log: RegExp }> = [
      {
        name: 'a sign made with another secret',
        url: () => addgoldUrl(h.baseUrl, addgoldExample({ transaction_id: 'bad-1' }), templateSign(addgoldExample({ transaction_id: 'bad-1' }), 'guess')),
        text: '{"status":0,"msg":"invalid sign"}',
        log: /refused: invalid sign/,
      },
      { name: 'no sign', url: () => addgoldUrl(h.baseUrl, addgoldExample({ transaction_id: 'bad-2' }), null), text: '{"status":0,"msg":"missing sign"}', log: /refused: missing sign/ },
      {
        name: 'a tampered amount',
        url: () => addgoldUrl(h.baseUrl, addgoldExample({ transaction_id: 'bad-3', amount: '9000.00' }), templateSign(addgoldExample({ transaction_id: 'bad-3' }))),
        text: '{"status":0,"msg":"invalid sign"}',
        log: /refused: invalid sign/,
      },
      {
        name: 'no user_id',
        url: () => {
          const { user_id: _u, ...rest } = addgoldExample({ transaction_id: 'bad-4' });
          return addgoldUrl(h.baseUrl, rest);
        },
        text: '{"status":0,"msg":"missing or invalid fields: user_id: missing"}',
        log: /user_id: missing/,
      },
      {
        name: 'an amount that is not a number',
        url: () => addgoldUrl(h.baseUrl, addgoldExample({ transaction_id: 'bad-5', amount: 'ten' })),
        text: '{"status":0,"msg":"missing or invalid fields: amount: expected a number"}',
        log: /amount: expected a number/,
      },
      {
        name: 'a field given twice',
        url: () => addgoldUrl(h.baseUrl, addgoldExample({ transaction_id: 'bad-6' })) + '&amount=1',
        text: '{"status":0,"msg":"field amount given more than once"}',
        log: /field amount given more than once/,
      },
      {
        name: 'an amount the catalogue does not match',
        url: () => addgoldUrl(h.baseUrl, addgoldExample({ transaction_id: 'bad-7', amount: '500' })),
        text: '{"status":0,"msg":"amount 500 does not match the price 1000 of com.team.demo.goivang1"}',
        log: /amount 500 does not match/,
      },
      {
        name: 'an unknown product',
        url: () => addgoldUrl(h.baseUrl, addgoldExample({ transaction_id: 'bad-8', product_id: 'com.x' })),
        text: '{"status":0,"msg":"unknown product com.x"}',
        log: /unknown product com\.x/,
      },
    ];
    refusals.forEach((r, i) => {
      it(`refuses ${r.name}: status 0 with the reason, a log line, nothing recorded`, async () => {
        assert.deepEqual(await get(r.url()), { status: 200, text: r.text });
        assert.equal(h.logger.find(r.log, 'warn').length, 1);
        assert.deepEqual(
          (await keys()).filter((k) => k.includes(`bad-${i + 1}`)),
          [],
        );
        assert.equal(await h.ledger.get(`vngates:bad-${i + 1}`), undefined);
      });
    });
  });

  it('without a sign template (the default): every payment refused with 503 and a log line saying what to set', async () => {
    const { h, keys } = await boot({});
    assert.ok(h.logger.find(/vngates\.signTemplate/, 'error').length >= 1, 'said at install');
    h.logger.clear();
    const res = await get(addgoldUrl(h.baseUrl, addgoldExample({ transaction_id: 'unconf-1' })));
    assert.deepEqual(res, { status: 503, text: '{"status":0,"msg":"sign cannot be verified yet (server not configured), retry later"}' });
    const line = h.logger.find('no signTemplate is configured', 'error');
    assert.equal(line.length, 1);
    assert.match(line[0]!.message, /vngates\.signTemplate.*vngates\.verifyMode "log-only".*vngates\.ipAllowList/);
    assert.deepEqual(
      (await keys()).filter((k) => k.includes('unconf-1')),
      [],
    );
    assert.equal(h.platforms.get('vngates')?.details?.acceptingPayments, false);
  });

  it('log-only or off without an ipAllowList is refused at configuration, naming the field', () => {
    for (const verifyMode of ['log-only', 'off'] as const) {
      assert.throws(
        () => parseVngatesOptions({ appId: APP_ID, verifyMode }),
        (err: Error) => /ipAllowList/.test(err.message) && /required with verifyMode/.test(err.message),
      );
    }
    assert.throws(() => parseVngatesOptions({ appId: APP_ID, signTemplate: { fields: ['transaction_id', '{secret}'] } }), /secret/);
  });

  it('log-only behind an allow-list: a mismatching sign is logged and the payment accepted', async () => {
    const { h } = await boot({ ...enforcing, verifyMode: 'log-only', ipAllowList: ['127.0.0.1'] });
    const fields = addgoldExample({ transaction_id: 'lo-1' });
    assert.deepEqual(await get(addgoldUrl(h.baseUrl, fields, 'deadbeef')), { status: 200, text: SUCCESS });
    assert.equal(h.logger.find('invalid sign (verifyMode log-only: accepted anyway)', 'warn').length, 1);
    assert.equal((await h.ledger.get('vngates:lo-1'))?.userId, '229');
  });

  it('an address outside the allow-list gets 403, logged, nothing recorded', async () => {
    const { h, keys } = await boot({ ...enforcing, ipAllowList: ['10.1.2.0/24'] });
    const before = await keys();
    assert.deepEqual(await get(addgoldUrl(h.baseUrl, addgoldExample({ transaction_id: 'ip-1' }))), { status: 403, text: '{"status":0,"msg":"caller address not allowed"}' });
    assert.equal(h.logger.find('vngates addgold refused: caller address not allowed', 'warn').length, 1);
    assert.deepEqual(await keys(), before);
  });

  it('answers in a configured format, the reason in place of {msg}', async () => {
    const { h } = await boot({ ...enforcing, answers: { success: { code: 0 }, duplicate: { code: 0, note: 'again' }, failure: { code: 1, error: 'refused: {msg}' } } });
    const fields = addgoldExample({ transaction_id: 'fmt-1' });
    assert.equal((await get(addgoldUrl(h.baseUrl, fields))).text, '{"code":0}');
    assert.equal((await get(addgoldUrl(h.baseUrl, fields))).text, '{"code":0,"note":"again"}');
    assert.equal((await get(addgoldUrl(h.baseUrl, fields, 'bad'))).text, '{"code":1,"error":"refused: invalid sign"}');
  });

  it('with Redis down: 503 with the failure body, so VNGates retries', async () => {
    const own = new RedisServer();
    await own.start();
    try {
      const { h } = await boot(enforcing, own.url);
      await own.stop();
      const fields = addgoldExample({ transaction_id: 'down-1' });
      assert.deepEqual(await get(addgoldUrl(h.baseUrl, fields)), { status: 503, text: '{"status":0,"msg":"temporarily unavailable, retry later"}' });
      assert.equal(h.logger.find('store unavailable', 'error').length, 1);
      await own.start(own.port);
      const ok = await waitFor('accepted once Redis is back', async () => {
        const r = await get(addgoldUrl(h.baseUrl, fields));
        return r.status === 200 ? r : undefined;
      });
      assert.equal(ok.text, SUCCESS);
    } finally {
      await own.dispose();
    }
  });
});
