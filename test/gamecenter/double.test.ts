/**
 * The double's own checks, reached by deliberately getting past the client's guards (wrong secret, a stuck
 * nonce source, the protected raw call), so we know the client tests would catch a client that broke them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GameCenterDuplicateOperationError, GameCenterInvalidParameterError, GameCenterTransportError } from '../../src/platforms/gamecenter/errors.js';
import type { GameCenterApi } from '../../src/platforms/gamecenter/client.js';
import { GameCenterDouble } from '../../src/testing/index.js';
import { APP_ID, SECRET, useDouble } from './support.js';

const DAY = 86_400_000;
const MIDNIGHT_UTC = Date.UTC(2024, 0, 10);

const invalid = (msg: string | RegExp) => (e: unknown) => {
  assert.ok(e instanceof GameCenterInvalidParameterError, String(e));
  if (typeof msg === 'string') assert.equal(e.msg, msg);
  else assert.match(e.msg, msg);
  return true;
};

const rows = (n: number, width: 2 | 3) => `[${Array.from({ length: n }, (_, i) => (width === 2 ? `[${i + 1},1]` : `[${i + 1},1,${MIDNIGHT_UTC}]`)).join(',')}]`;

describe('GameCenter double rejections', () => {
  let clock = MIDNIGHT_UTC;
  const h = useDouble({ now: () => clock });
  beforeEach(() => {
    clock = MIDNIGHT_UTC;
  });

  describe('request envelope', () => {
    it('a signature made with another secret is answered 999 invalid signature', async () => {
      await assert.rejects(h.client({ secret: 'not-the-secret' }).checkOrders(['1']), invalid('invalid signature'));
    });

    it('a sign variant other than the documented one is rejected too', async () => {
      await assert.rejects(h.client({ sign: { hexCase: 'upper' } }).checkOrders(['1']), invalid('invalid signature'));
      await assert.rejects(h.client({ sign: { hash: 'md5' } }).checkOrders(['1']), invalid('invalid signature'));
    });

    it('a nonce equal to the previous one is rejected; a different one is accepted again', async () => {
      let nonce = 42;
      const c = h.client({ retries: 0 }, { nonceSource: { next: () => nonce } });
      await c.checkOrders(['1']);
      await assert.rejects(c.checkOrders(['1']), invalid('nonce equals the previous request'));
      nonce = 43;
      await c.checkOrders(['1']);
      assert.deepEqual(
        h.double.requests.map((r) => r.outcome),
        [{ code: 0 }, { code: 999 }, { code: 0 }],
      );
    });

    it('a wrong appId, and a timestamp in seconds instead of milliseconds', async () => {
      await assert.rejects(h.client({ appId: 'other-app' }).checkOrders(['1']), invalid('unknown appId'));
      await assert.rejects(h.client({}, { now: () => 1_700_000_000 }).checkOrders(['1']), invalid('timestamp must be milliseconds'));
    });

    it('a GET and a JSON body are refused', async () => {
      const get = await fetch(`${h.double.url}/gameserver/order.check_status?orders=1`);
      assert.equal(((await get.json()) as { code: number }).code, 999);
      const json = await fetch(`${h.double.url}/gameserver/order.check_status`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ orders: '1' }),
      });
      assert.deepEqual(await json.json(), { code: 999, msg: 'content type must be application/x-www-form-urlencoded' });
    });

    it('accepts a request signed by hand with the documented formula', async () => {
      const params: Record<string, string> = { orders: '1', appId: APP_ID, timestamp: String(MIDNIGHT_UTC), nonce: '99' };
      params.signature = createHash('sha256').update(`appId=${APP_ID}&nonce=99&orders=1&timestamp=${MIDNIGHT_UTC}${SECRET}`).digest('hex');
      const res = await fetch(`${h.double.url}/gameserver/order.check_status`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
      });
      assert.deepEqual(await res.json(), { code: 0, msg: 'success', data: {} });
    });

    it('an unknown API is an HTTP 404, surfaced as a transport error', async () => {
      await assert.rejects(h.client().raw('order.refund' as GameCenterApi, {}), (e: unknown) => e instanceof GameCenterTransportError && e.kind === 'http' && e.status === 404 && !e.transient);
    });
  });

  describe('sync.rank_data', () => {
    it('a second submission for the same user and rank type on the same day is 998', async () => {
      const c = h.client();
      await c.syncRankData(1, [['645633159128785116', 10]]);
      clock = MIDNIGHT_UTC + DAY - 1;
      await assert.rejects(c.syncRankData(1, [['645633159128785116', 11]]), GameCenterDuplicateOperationError);
      await c.syncRankData(2, [['645633159128785116', 11]]);
      clock = MIDNIGHT_UTC + DAY;
      await c.syncRankData(1, [['645633159128785116', 12]]);
      assert.deepEqual(
        h.double.rankSubmissions.map((s) => [s.rankType, s.value, s.day]),
        [
          [1, 10, '2024-01-10'],
          [2, 11, '2024-01-10'],
          [1, 12, '2024-01-11'],
        ],
      );
    });

    it('a refused batch stores nothing, not even its new users', async () => {
      const c = h.client();
      await c.syncRankData(0, [['1', 1]]);
      await assert.rejects(
        c.syncRankData(0, [
          ['2', 1],
          ['1', 2],
        ]),
        GameCenterDuplicateOperationError,
      );
      assert.deepEqual(
        h.double.rankSubmissions.map((s) => s.userId),
        ['1'],
      );
    });

    it('1000 pairs sent past the client limit are 999; so is a rank type outside 0..2', async () => {
      const c = h.client();
      await assert.rejects(c.raw('sync.rank_data', { rank_type: 0, rank_data: rows(1000, 2) }), invalid(/less than 1000/));
      await assert.rejects(c.raw('sync.rank_data', { rank_type: 5, rank_data: '[[1,1]]' }), invalid(/rank_type/));
      await c.raw('sync.rank_data', { rank_type: 0, rank_data: rows(999, 2) });
      assert.equal(h.double.rankSubmissions.length, 999);
    });

    it('numeric ids quoted as JSON strings are 999', async () => {
      await assert.rejects(h.client().raw('sync.rank_data', { rank_type: 0, rank_data: '[["645633159128785116",1]]' }), invalid(/JSON numbers/));
    });
  });

  it('the day of the one-rank-per-day rule is configurable', async () => {
    await h.double.stop();
    // Gulf time (UTC+4): 21:00 UTC is already the next day there.
    const gulfDay = (ms: number) => new Date(ms + 4 * 3_600_000).toISOString().slice(0, 10);
    h.double = new GameCenterDouble({ appId: APP_ID, secret: SECRET, now: () => clock, dayOf: gulfDay });
    await h.double.start();
    const c = h.client();
    clock = MIDNIGHT_UTC + 19 * 3_600_000;
    await c.syncRankData(1, [['7', 1]]);
    clock = MIDNIGHT_UTC + 21 * 3_600_000;
    await c.syncRankData(1, [['7', 2]]);
    assert.deepEqual(
      h.double.rankSubmissions.map((s) => s.day),
      ['2024-01-10', '2024-01-11'],
    );
  });

  describe('sync.user_game_zone_data', () => {
    it('a second create (type 1) for the same user and zone is 998; other zones and active events are fine', async () => {
      const c = h.client();
      await c.syncUserGameZoneData(1, [['645633159128785116', 3, MIDNIGHT_UTC]]);
      await assert.rejects(c.syncUserGameZoneData(1, [['645633159128785116', 3, MIDNIGHT_UTC + 1]]), GameCenterDuplicateOperationError);
      await c.syncUserGameZoneData(1, [['645633159128785116', 4, MIDNIGHT_UTC]]);
      await c.syncUserGameZoneData(2, [['645633159128785116', 3, MIDNIGHT_UTC]]);
      await c.syncUserGameZoneData(2, [['645633159128785116', 3, MIDNIGHT_UTC + 1]]);
      assert.equal(h.double.userZoneEvents.length, 4);
    });

    it('more than 1000 rows, or a zone outside 0..32767, sent past the client, are 999', async () => {
      const c = h.client();
      await assert.rejects(c.raw('sync.user_game_zone_data', { user_game_zone_type: 2, user_game_zone_data: rows(1001, 3) }), invalid(/1000/));
      await assert.rejects(c.raw('sync.user_game_zone_data', { user_game_zone_type: 2, user_game_zone_data: `[[1,32768,${MIDNIGHT_UTC}]]` }), invalid(/outside/));
      await assert.rejects(c.raw('sync.user_game_zone_data', { user_game_zone_type: 2, user_game_zone_data: `[[1,-1,${MIDNIGHT_UTC}]]` }), invalid(/outside/));
      await assert.rejects(c.raw('sync.user_game_zone_data', { user_game_zone_type: 3, user_game_zone_data: '[]' }), invalid(/type/));
      await c.raw('sync.user_game_zone_data', { user_game_zone_type: 2, user_game_zone_data: rows(1000, 3) });
    });
  });

  describe('sync.order_game_zone_data', () => {
    it('a second submission for the same order is 998', async () => {
      const c = h.client();
      await c.syncOrderGameZoneData([['144612098616033280', 1]]);
      await assert.rejects(c.syncOrderGameZoneData([['144612098616033280', 2]]), GameCenterDuplicateOperationError);
      assert.equal(h.double.orderZones.get('144612098616033280'), 1);
    });

    it('more than 1000 rows or zone 32768 sent past the client are 999', async () => {
      const c = h.client();
      await assert.rejects(c.raw('sync.order_game_zone_data', { order_game_zone_data: rows(1001, 2) }), invalid(/1000/));
      await assert.rejects(c.raw('sync.order_game_zone_data', { order_game_zone_data: '[[1,32768]]' }), invalid(/outside/));
    });
  });

  it('money APIs check their fixed fields', async () => {
    const c = h.client();
    const exchange = { userId: '1', env: '1', sku: 's', orderRef: 'r', channel: '5', currency: 'USD', amount: '1.00' };
    await assert.rejects(c.raw('order.new_exchange', { ...exchange, channel: '4' }), invalid(/channel/));
    await assert.rejects(c.raw('order.new_exchange', { ...exchange, currency: 'AED' }), invalid(/currency/));
    await assert.rejects(c.raw('order.new_exchange', { ...exchange, amount: '1' }), invalid(/2 decimals/));
    await c.raw('order.new_exchange', exchange);
    await assert.rejects(c.raw('order.new_exchange', exchange), GameCenterDuplicateOperationError);
  });
});
