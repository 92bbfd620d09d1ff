import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { GameCenterRequestError } from '../../src/platforms/gamecenter/errors.js';
import { orderOutcome } from '../../src/platforms/gamecenter/schemas.js';
import { GameCenterDouble } from '../../src/testing/index.js';
import type { RecordedRequest } from '../../src/testing/index.js';
import { APP_ID, SECRET, useDouble } from './support.js';

const NOW = 1_700_000_000_000;
const USER = '645633159128785116'; // above 2^53: a plain JSON number would lose its last digits
const TOKEN = '213k3j3321k2k32j33k4k4';

function only(requests: RecordedRequest[]): RecordedRequest {
  assert.equal(requests.length, 1, `expected one request, got ${requests.length}`);
  return requests[0];
}

/** Checks the envelope every call shares and returns the API's own parameters. */
function apiParams(req: RecordedRequest, endpoint: string): Record<string, string> {
  assert.equal(req.method, 'POST');
  assert.equal(req.path, `/gameserver/${endpoint}`);
  assert.equal(req.contentType, 'application/x-www-form-urlencoded');
  assert.deepEqual(req.outcome, { code: 0 });
  const { appId, timestamp, nonce, signature, ...rest } = req.params;
  assert.equal(appId, APP_ID);
  assert.equal(timestamp, String(NOW));
  assert.match(nonce, /^[1-9]\d*$/);
  const canonical = Object.keys(req.params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${req.params[k]}`)
    .join('&');
  assert.equal(
    signature,
    createHash('sha256')
      .update(canonical + SECRET)
      .digest('hex'),
  );
  return rest;
}

describe('GameCenterClient against the double', () => {
  const h = useDouble();
  const client = () => h.client({}, { now: () => NOW });

  it('checkAuth posts userId and userToken and resolves true', async () => {
    h.double.addUser(USER, TOKEN);
    assert.equal(await client().checkAuth(USER, TOKEN), true);
    assert.deepEqual(apiParams(only(h.double.requests), 'auth.check_status'), { userId: USER, userToken: TOKEN });
  });

  it('friends returns ttkUid exactly, unicode names intact', async () => {
    h.double.addUser(USER, TOKEN);
    const photoUrl = 'https://totok-app-test.oss-me-east-1.aliyuncs.co/48c8.jpeg?Expires=1594209577&Signature=%2BLc%2FFVogjQQ%3D';
    h.double.friends.set(USER, [{ ttkUid: '86179877528939918', nickname: '师元君', photoUrl }]);
    const friends = await client().friends(TOKEN);
    assert.deepEqual(friends, [{ ttkUid: '86179877528939918', nickname: '师元君', photoUrl }]);
    assert.deepEqual(apiParams(only(h.double.requests), 'user.friends'), { userToken: TOKEN });
  });

  it('playingFriends and playingMembers return userId and thirdUid as exact strings', async () => {
    h.double.addUser(USER, TOKEN);
    const player = { userId: '86179877528939918', thirdUid: '86179877528939919', thirdType: 1, nickname: 'n', photoUrl: 'p' };
    h.double.playingFriends.set(USER, [player]);
    h.double.groups.set('adf234324dsfas', [{ ...player, thirdType: 9 }]);
    const c = client();
    assert.deepEqual(await c.playingFriends(TOKEN), [player]);
    assert.deepEqual(await c.playingMembers(TOKEN, 'adf234324dsfas'), [{ ...player, thirdType: 9 }]);
    assert.deepEqual(apiParams(h.double.requests[0], 'user.playing_friends'), { userToken: TOKEN });
    assert.deepEqual(apiParams(h.double.requests[1], 'user.playing_members'), { userToken: TOKEN, groupId: 'adf234324dsfas' });
  });

  it('syncRankData sends rank_type and ids as bare numbers with exact digits', async () => {
    await client().syncRankData(1, [
      [USER, 23],
      ['139328288232212', 12322],
      ['guest-7', 1.5],
    ]);
    assert.deepEqual(apiParams(only(h.double.requests), 'sync.rank_data'), {
      rank_type: '1',
      rank_data: '[[645633159128785116,23],[139328288232212,12322],["guest-7",1.5]]',
    });
    assert.deepEqual(
      h.double.rankSubmissions.map((s) => [s.userId, s.value, s.rankType]),
      [
        [USER, 23, 1],
        ['139328288232212', 12322, 1],
        ['guest-7', 1.5, 1],
      ],
    );
  });

  it('syncUserGameZoneData sends [[userId,zone,time]] and the type', async () => {
    await client().syncUserGameZoneData(1, [
      [USER, 0, 1582019617910],
      [USER, 32767, 1582019617911],
    ]);
    assert.deepEqual(apiParams(only(h.double.requests), 'sync.user_game_zone_data'), {
      user_game_zone_data: '[[645633159128785116,0,1582019617910],[645633159128785116,32767,1582019617911]]',
      user_game_zone_type: '1',
    });
    assert.deepEqual(
      h.double.userZoneEvents.map((e) => [e.type, e.userId, e.zone]),
      [
        [1, USER, 0],
        [1, USER, 32767],
      ],
    );
  });

  it('syncOrderGameZoneData sends [[orderId,zone]]', async () => {
    await client().syncOrderGameZoneData([
      ['144612098616033280', 3],
      ['141641699233734684', 4],
    ]);
    assert.deepEqual(apiParams(only(h.double.requests), 'sync.order_game_zone_data'), {
      order_game_zone_data: '[[144612098616033280,3],[141641699233734684,4]]',
    });
    assert.equal(h.double.orderZones.get('141641699233734684'), 4);
  });

  it('checkOrders joins ids with commas and keys the result by the id strings of the response', async () => {
    h.double.orders.set('144612098616033280', { status: 0, checked: 0 });
    h.double.orders.set('141641699233734684', {
      status: 1,
      checked: 1,
      payTime: 1582019617910,
      amount: 100,
      currency: 'AED',
      sku: '001',
      env: 1,
      gameZone: 1,
      orderRef: 'ref-1',
      orderToken: 'otk',
      cpOrderId: 'cp-1',
      payedAfterFailed: true,
    });
    h.double.orders.set('141641699233734685', { status: 3, checked: 1 });
    const result = await client().checkOrders(['144612098616033280', '141641699233734684', '141641699233734685', '999']);
    assert.deepEqual(apiParams(only(h.double.requests), 'order.check_status'), {
      orders: '144612098616033280,141641699233734684,141641699233734685,999',
    });
    assert.deepEqual([...result.keys()], ['144612098616033280', '141641699233734684', '141641699233734685']);
    const paid = result.get('141641699233734684');
    assert.ok(paid);
    assert.equal(paid.orderId, '141641699233734684');
    assert.equal(paid.gameId, '126847495400849409');
    assert.deepEqual([paid.checked, paid.status, paid.payTime, paid.amount, paid.currency, paid.sku, paid.env, paid.gameZone, paid.test], [1, 1, 1582019617910, 100, 'AED', '001', 1, 1, false]);
    assert.deepEqual([paid.orderRef, paid.orderToken, paid.payedAfterFailed, paid.cpOrderId], ['ref-1', 'otk', true, 'cp-1']);
    assert.equal(orderOutcome(paid), 'deliver');
    assert.equal(orderOutcome(result.get('144612098616033280')!), 'pending');
    assert.equal(orderOutcome(result.get('141641699233734685')!), 'cancel');
  });

  it('newExchange fixes channel 5 and USD, formats the amount and returns the orderId string', async () => {
    const orderId = await client().newExchange({ userId: USER, env: 0, sku: 'gem-100', orderRef: 'khalas-1', amount: 100.2 });
    assert.equal(orderId, '566422073705434171');
    assert.deepEqual(apiParams(only(h.double.requests), 'order.new_exchange'), {
      userId: USER,
      channel: '5',
      env: '0',
      sku: 'gem-100',
      orderRef: 'khalas-1',
      amount: '100.20',
      currency: 'USD',
    });
    assert.equal(h.double.orders.get(orderId)?.amount, 10020);
  });

  it('newTransfer pays AED and checkTransfers reads it back with exact ids', async () => {
    h.double.addUser(USER, TOKEN);
    const c = client();
    const transferId = await c.newTransfer({ userToken: TOKEN, amount: '7.5' });
    assert.equal(transferId, '566422073705434171');
    assert.deepEqual(apiParams(h.double.requests[0], 'transfer.new'), { userToken: TOKEN, amount: '7.50', currency: 'AED' });
    h.double.transfers.get(transferId)!.status = 2;
    const result = await c.checkTransfers([transferId, '1']);
    assert.deepEqual(apiParams(h.double.requests[1], 'transfer.check_status'), { transfers: `${transferId},1` });
    assert.deepEqual(Object.fromEntries(result), {
      [transferId]: { user_id: USER, gameId: '126847495400849409', transferId, amount: 750, currency: 'AED', status: 2 },
    });
  });

  it('sends nothing for empty batches and id lists', async () => {
    const c = client();
    await c.syncRankData(0, []);
    await c.syncUserGameZoneData(2, []);
    await c.syncOrderGameZoneData([]);
    assert.equal((await c.checkOrders([])).size, 0);
    assert.equal((await c.checkTransfers([])).size, 0);
    assert.equal(h.double.requests.length, 0);
  });

  it('accepts 999 rank pairs and 1000 zone rows, the largest batches the document allows', async () => {
    const c = client();
    await c.syncRankData(
      0,
      Array.from({ length: 999 }, (_, i) => [String(10_000_000_000_000_000n + BigInt(i)), i] as const),
    );
    await c.syncUserGameZoneData(
      1,
      Array.from({ length: 1000 }, (_, i) => [String(i + 1), i, NOW] as const),
    );
    await c.syncOrderGameZoneData(Array.from({ length: 1000 }, (_, i) => [String(i + 1), 1] as const));
    assert.deepEqual(
      h.double.requests.map((r) => r.outcome),
      [{ code: 0 }, { code: 0 }, { code: 0 }],
    );
    assert.equal(h.double.rankSubmissions.length, 999);
    assert.equal(h.double.rankSubmissions[998].userId, '10000000000000998');
  });

  describe('refuses locally, sending nothing', () => {
    const cases: Array<[string, (c: ReturnType<typeof client>) => Promise<unknown>, RegExp]> = [
      [
        '1000 rank pairs',
        (c) =>
          c.syncRankData(
            1,
            Array.from({ length: 1000 }, (_, i) => [String(i + 1), 1] as const),
          ),
        /fewer than 1000/,
      ],
      ['a rank type outside 0..2', (c) => c.syncRankData(3 as 0, [['1', 1]]), /rank type/],
      ['a non-finite rank value', (c) => c.syncRankData(0, [['1', Number.NaN]]), /finite/],
      [
        'the same user twice in one rank batch',
        (c) =>
          c.syncRankData(0, [
            ['1', 1],
            ['1', 2],
          ]),
        /twice/,
      ],
      [
        '1001 zone rows',
        (c) =>
          c.syncUserGameZoneData(
            2,
            Array.from({ length: 1001 }, (_, i) => [String(i), 1, NOW] as const),
          ),
        /at most 1000/,
      ],
      ['zone 32768', (c) => c.syncUserGameZoneData(1, [['1', 32768, NOW]]), /outside 0\.\.32767/],
      ['zone -1', (c) => c.syncOrderGameZoneData([['1', -1]]), /outside 0\.\.32767/],
      ['a fractional zone', (c) => c.syncOrderGameZoneData([['1', 1.5]]), /outside/],
      ['a zone event type outside 1..2', (c) => c.syncUserGameZoneData(3 as 1, [['1', 1, NOW]]), /type/],
      [
        'a create event twice in one batch',
        (c) =>
          c.syncUserGameZoneData(1, [
            ['1', 1, NOW],
            ['1', 1, NOW],
          ]),
        /twice/,
      ],
      ['1001 order zone rows', (c) => c.syncOrderGameZoneData(Array.from({ length: 1001 }, (_, i) => [String(i), 1] as const)), /at most 1000/],
      [
        'the same order twice',
        (c) =>
          c.syncOrderGameZoneData([
            ['1', 1],
            ['1', 2],
          ]),
        /twice/,
      ],
      ['an amount with 3 decimals', (c) => c.newExchange({ userId: '1', env: 1, sku: 's', orderRef: 'r', amount: 1.005 }), /2 decimal/],
      ['a zero transfer', (c) => c.newTransfer({ userToken: 't', amount: 0 }), /greater than 0/],
      ['an env outside 0..1', (c) => c.newExchange({ userId: '1', env: 2 as 0, sku: 's', orderRef: 'r', amount: 1 }), /env/],
      ['an empty userToken', (c) => c.friends(''), /userToken/],
      ['an order id with a comma', (c) => c.checkOrders(['1,2']), /invalid/],
    ];
    for (const [what, run, message] of cases) {
      it(what, async () => {
        await assert.rejects(run(client()), (e: unknown) => e instanceof GameCenterRequestError && message.test(e.message));
        assert.equal(h.double.requests.length, 0);
      });
    }
  });

  it('accepts created ids sent as bare numbers beyond 2^53', async () => {
    await h.double.stop();
    h.double = new GameCenterDouble({ appId: APP_ID, secret: SECRET, createdIdsAsBareNumbers: true });
    await h.double.start();
    const orderId = await client().newExchange({ userId: USER, env: 1, sku: 's', orderRef: 'r', amount: '3' });
    assert.equal(orderId, '566422073705434171');
    assert.match(h.double.requests[0].params.amount, /^3\.00$/);
  });
});
