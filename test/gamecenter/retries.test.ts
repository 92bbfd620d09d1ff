import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GameCenterInternalError, GameCenterTransportError } from '../../src/platforms/gamecenter/errors.js';
import type { RecordedRequest } from '../../src/testing/index.js';
import { useDouble } from './support.js';

const USER = '645633159128785116';
const TOKEN = 'tok-1';
const ORDER = '141641699233734684';

/** A loopback port with nothing listening: connecting is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Counts attempts; optionally fails the first ones the way undici reports a refused connection. */
function countingFetch(refuseFirst = 0): { fetch: typeof fetch; calls: () => number; bodies: URLSearchParams[] } {
  let calls = 0;
  const bodies: URLSearchParams[] = [];
  const wrapped: typeof fetch = (input, init) => {
    calls++;
    bodies.push(new URLSearchParams(typeof init?.body === 'string' ? init.body : undefined));
    if (calls <= refuseFirst) {
      const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
      return Promise.reject(new TypeError('fetch failed', { cause }));
    }
    return fetch(input, init);
  };
  return { fetch: wrapped, calls: () => calls, bodies };
}

function assertFreshlySigned(requests: RecordedRequest[]): void {
  const nonces = requests.map((r) => r.params.nonce);
  const signatures = requests.map((r) => r.params.signature);
  assert.equal(new Set(nonces).size, nonces.length, `nonces repeat: ${nonces.join(',')}`);
  assert.equal(new Set(signatures).size, signatures.length);
}

const transportError = (check: (e: GameCenterTransportError) => void) => (e: unknown) => {
  assert.ok(e instanceof GameCenterTransportError, String(e));
  check(e);
  return true;
};

describe('gamecenter retries and timeouts', () => {
  const h = useDouble();

  describe('read-only calls are retried', () => {
    it('on code 900, each attempt with a fresh timestamp, nonce and signature', async () => {
      h.double.orders.set(ORDER, { status: 1, checked: 1 });
      h.double.failNext('order.check_status', { code: 900, msg: 'internal error' }, 2);
      let clock = 1_700_000_000_000;
      const result = await h.client({ retries: 2 }, { now: () => clock++ }).checkOrders([ORDER]);
      assert.equal(result.get(ORDER)?.status, 1);
      const attempts = h.double.requestsTo('order.check_status');
      assert.deepEqual(
        attempts.map((r) => r.outcome),
        [{ code: 900 }, { code: 900 }, { code: 0 }],
      );
      assert.deepEqual(
        attempts.map((r) => r.params.timestamp),
        ['1700000000000', '1700000000001', '1700000000002'],
      );
      assertFreshlySigned(attempts);
      assert.deepEqual(
        h.logger.lines.map((l) => [l.level, l.message, l.fields]),
        [['info', 'GameCenter call ok', { api: 'order.check_status', items: 1, code: 0, attempts: 3 }]],
        'a call that finally succeeded is one success line, not a failed call',
      );
    });

    it('until retries run out, then the last typed error is thrown and logged once', async () => {
      h.double.failNext('transfer.check_status', { code: 900 }, 3);
      await assert.rejects(h.client({ retries: 2 }).checkTransfers(['1']), GameCenterInternalError);
      assert.equal(h.double.requestsTo('transfer.check_status').length, 3);
      assert.equal(h.logger.lines.length, 1);
      assert.deepEqual(h.logger.lines[0].fields, { endpoint: 'transfer.check_status', code: 900, msg: 'error', attempts: 3 });
    });

    it('on HTTP 500, a dropped connection and a non-JSON page', async () => {
      h.double.addUser(USER, TOKEN);
      h.double.failNext('user.friends', { httpStatus: 500 });
      h.double.failNext('user.friends', { drop: true });
      h.double.failNext('user.friends', { httpStatus: 200, body: '<html>maintenance</html>' });
      assert.deepEqual(await h.client({ retries: 3 }).friends(TOKEN), []);
      const attempts = h.double.requestsTo('user.friends');
      assert.deepEqual(
        attempts.map((r) => r.outcome),
        [{ httpStatus: 500 }, { drop: true }, { httpStatus: 200 }, { code: 0 }],
      );
      assertFreshlySigned(attempts);
    });

    it('not on API errors other than 900', async () => {
      h.double.addUser(USER, TOKEN);
      await assert.rejects(h.client({ retries: 2 }).checkAuth(USER, 'bad'));
      assert.equal(h.double.requests.length, 1);
    });

    it('surface HTTP 500 as a transport error when retries run out', async () => {
      h.double.failNext('user.playing_friends', { httpStatus: 502 }, 2);
      await assert.rejects(
        h.client({ retries: 1 }).playingFriends(TOKEN),
        transportError((e) => assert.deepEqual([e.kind, e.status, e.reachedServer], ['http', 502, true])),
      );
      assert.equal(h.double.requests.length, 2);
    });
  });

  describe('timeouts', () => {
    it('a hanging server gives a GameCenterTransportError of kind timeout', async () => {
      h.double.failNext('transfer.check_status', { hang: true });
      await assert.rejects(
        h.client({ timeoutMs: 100, retries: 0 }).checkTransfers(['1']),
        transportError((e) => {
          assert.equal(e.kind, 'timeout');
          assert.equal(e.reachedServer, 'unknown');
          assert.equal(e.endpoint, 'transfer.check_status');
        }),
      );
    });

    it('a read-only call that timed out is retried and can succeed', async () => {
      h.double.addUser(USER, TOKEN);
      h.double.failNext('auth.check_status', { hang: true });
      // The budget must also cover the successful second attempt on a loaded machine, hence not tighter.
      assert.equal(await h.client({ timeoutMs: 400, retries: 1 }).checkAuth(USER, TOKEN), true);
      assert.deepEqual(
        h.double.requests.map((r) => r.outcome),
        [{ hang: true }, { code: 0 }],
      );
    });
  });

  describe('money calls are never retried', () => {
    const exchange = { userId: USER, env: 1 as const, sku: 'gem', orderRef: 'khalas-9', amount: 9.99 };

    it('new_exchange: not on 900, not on HTTP 500, not on a dropped connection', async () => {
      const c = h.client({ retries: 5 });
      h.double.failNext('order.new_exchange', { code: 900 });
      await assert.rejects(c.newExchange(exchange), GameCenterInternalError);
      h.double.failNext('order.new_exchange', { httpStatus: 500 });
      await assert.rejects(
        c.newExchange(exchange),
        transportError((e) => assert.equal(e.status, 500)),
      );
      h.double.failNext('order.new_exchange', { drop: true });
      await assert.rejects(
        c.newExchange(exchange),
        transportError((e) => assert.equal(e.reachedServer, 'unknown')),
      );
      assert.equal(h.double.requestsTo('order.new_exchange').length, 3);
    });

    it('new_exchange timing out is surfaced as ambiguous and logged as an error', async () => {
      h.double.failNext('order.new_exchange', { hang: true });
      await assert.rejects(
        h.client({ timeoutMs: 100, retries: 5 }).newExchange(exchange),
        transportError((e) => assert.deepEqual([e.kind, e.reachedServer], ['timeout', 'unknown'])),
      );
      assert.equal(h.double.requestsTo('order.new_exchange').length, 1);
      assert.equal(h.logger.lines.length, 1);
      assert.equal(h.logger.lines[0].level, 'error');
      assert.equal(h.logger.lines[0].fields?.endpoint, 'order.new_exchange');
    });

    it('transfer.new: not on 900, not on a timeout', async () => {
      h.double.addUser(USER, TOKEN);
      h.double.failNext('transfer.new', { code: 900 });
      await assert.rejects(h.client({ retries: 5 }).newTransfer({ userToken: TOKEN, amount: 1 }), GameCenterInternalError);
      h.double.failNext('transfer.new', { hang: true });
      await assert.rejects(
        h.client({ timeoutMs: 100, retries: 5 }).newTransfer({ userToken: TOKEN, amount: 1 }),
        transportError((e) => assert.equal(e.kind, 'timeout')),
      );
      assert.equal(h.double.requestsTo('transfer.new').length, 2);
      assert.equal(h.double.transfers.size, 0);
    });

    it('not even when the connection was refused (reachedServer false tells the caller it is safe to repeat)', async () => {
      const counter = countingFetch();
      const c = h.client({ baseUrl: `http://127.0.0.1:${await closedPort()}`, retries: 5 }, { fetch: counter.fetch });
      await assert.rejects(
        c.newTransfer({ userToken: TOKEN, amount: 1 }),
        transportError((e) => assert.deepEqual([e.kind, e.reachedServer, e.errno], ['network', false, 'ECONNREFUSED'])),
      );
      assert.equal(counter.calls(), 1);
    });
  });

  describe('sync calls are retried only when the request provably never arrived', () => {
    it('a refused connection is retried, with a fresh nonce, and then succeeds', async () => {
      const counter = countingFetch(2);
      await h.client({ retries: 2 }, { fetch: counter.fetch }).syncRankData(1, [[USER, 5]]);
      assert.equal(counter.calls(), 3);
      const nonces = counter.bodies.map((b) => b.get('nonce'));
      assert.equal(new Set(nonces).size, 3, `nonces repeat: ${nonces.join(',')}`);
      assert.equal(h.double.requests.length, 1);
      assert.equal(h.double.rankSubmissions.length, 1);
    });

    it('against a real closed port: all attempts refused, then reachedServer false', async () => {
      const counter = countingFetch();
      const c = h.client({ baseUrl: `http://127.0.0.1:${await closedPort()}`, retries: 2 }, { fetch: counter.fetch });
      await assert.rejects(
        c.syncOrderGameZoneData([['1', 1]]),
        transportError((e) => assert.equal(e.reachedServer, false)),
      );
      assert.equal(counter.calls(), 3);
      assert.equal(h.logger.lines.length, 1);
      assert.equal(h.logger.lines[0].fields?.attempts, 3);
    });

    it('not on 900, HTTP 500, a dropped connection or a timeout', async () => {
      const c = h.client({ retries: 5 });
      h.double.failNext('sync.rank_data', { code: 900 });
      await assert.rejects(c.syncRankData(0, [[USER, 1]]), GameCenterInternalError);
      h.double.failNext('sync.user_game_zone_data', { httpStatus: 500 });
      await assert.rejects(c.syncUserGameZoneData(1, [[USER, 1, 1]]), GameCenterTransportError);
      h.double.failNext('sync.order_game_zone_data', { drop: true });
      await assert.rejects(c.syncOrderGameZoneData([['1', 1]]), GameCenterTransportError);
      h.double.failNext('sync.rank_data', { hang: true });
      await assert.rejects(
        h.client({ retries: 5, timeoutMs: 100 }).syncRankData(2, [[USER, 1]]),
        transportError((e) => assert.equal(e.kind, 'timeout')),
      );
      assert.deepEqual(
        h.double.requests.map((r) => r.endpoint),
        ['sync.rank_data', 'sync.user_game_zone_data', 'sync.order_game_zone_data', 'sync.rank_data'],
      );
    });
  });
});
