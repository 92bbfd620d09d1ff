/**
 * The admin API on a real server and Redis: refusals first (no token, a wrong token: 401; an address off
 * the list: 403; each logged, the token never), then the desk over HTTP: an order, its timeline, a
 * player's orders, a state list, retry and cancel journaled with the caller's address, a day's export.
 */
import assert from 'node:assert/strict';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor } from '../helpers/processes.js';

const TOKEN = 'admin-token-abcdefghijklmnop';
const auth = { authorization: `Bearer ${TOKEN}` };

describe('admin API', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let app: BootedBridge | undefined;
  afterEach(async () => {
    await app?.bridge.close();
    await app?.shutdown();
    app = undefined;
  });
  const boot = (admin: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    bootBridge({ bridge: { redis: redis.url, keyPrefix: `a${Date.now()}:`, admin: { enabled: true, token: TOKEN, ...admin }, ...extra } });
  const order = (orderId: string, userId = 'p1') => ({ source: 'vngates', orderId, userId, amount: 100, raw: {} });

  it('refuses a missing or wrong token with 401 and logs each refusal without the token', async () => {
    app = await boot({});
    const url = `${app.baseUrl}/platform/admin/orders?state=pending`;
    const none = await fetch(url);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer wrong-token-abcdefghijk' } })).status, 401);
    assert.equal((await fetch(url, { headers: { authorization: TOKEN } })).status, 401, 'the token without the Bearer scheme');
    assert.equal((await fetch(`${app.baseUrl}/platform/admin/retry`, { method: 'POST', body: '{"id":"x"}' })).status, 401);
    assert.equal(app.logger.find('admin request refused: missing or wrong bearer token', 'warn').length, 4);
    assert.ok(!JSON.stringify(app.logger.lines).includes(TOKEN));
    assert.equal((await fetch(url, { headers: auth })).status, 200);
  });

  it('refuses an address outside admin.ipAllowList with 403, even with the token', async () => {
    app = await boot({ ipAllowList: ['10.20.30.0/24'] });
    const res = await fetch(`${app.baseUrl}/platform/admin/counts`, { headers: auth });
    assert.equal(res.status, 403);
    const line = app.logger.find('admin request refused: caller address not allowed', 'warn');
    assert.equal(line.length, 1);
    assert.equal(line[0]!.fields?.peer, '127.0.0.1');
  });

  it('needs a token to start', async () => {
    await assert.rejects(() => bootBridge({ bridge: { admin: { enabled: true } } }), /admin.token: admin.enabled needs admin.token/);
  });

  it('serves the desk: order, timeline, lists, retry and cancel journaled with the caller, export', async () => {
    let broken = true;
    app = await boot(
      { ipAllowList: ['127.0.0.1'] },
      {
        grant: async () => {
          if (broken) throw new Error('wallet down');
          return {};
        },
        ledger: { pollIntervalMs: 20, backoffBaseMs: 5, backoffMaxMs: 5, maxAttempts: 1 },
      },
    );
    const { bridge, baseUrl } = app;
    await bridge.ledger.accept(order('v1'));
    await bridge.ledger.accept(order('v2'));
    await waitFor('given up', async () => ((await bridge.desk.counts()).given_up === 2 ? true : undefined));
    const get = async (path: string) => {
      const res = await fetch(`${baseUrl}/platform/admin${path}`, { headers: auth });
      return { status: res.status, body: (await res.json()) as any };
    };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${baseUrl}/platform/admin${path}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as any };
    };
    assert.deepEqual((await get('/order?id=v1')).body.order.dedupeKey, 'vngates:v1');
    assert.equal((await get('/order?id=nope')).status, 404);
    assert.equal((await get('/order')).status, 400);
    const list = await get('/orders?state=given_up&limit=1');
    assert.equal(list.body.orders.length, 1);
    assert.equal(list.body.next, '1');
    assert.equal((await get(`/orders?state=given_up&limit=1&cursor=${list.body.next}`)).body.orders.length, 1);
    assert.deepEqual(
      (await get('/orders?user=p1')).body.orders.map((o: { orderId: string }) => o.orderId),
      ['v2', 'v1'],
    );
    assert.equal((await get('/orders?state=granted')).status, 400);
    assert.deepEqual((await get('/counts')).body, { pending: 0, granting: 0, given_up: 2, exact: true });

    broken = false;
    assert.deepEqual(await post('/retry', { id: 'v1', by: 'support-anna' }), { status: 200, body: { outcome: 'retried', key: 'vngates:v1' } });
    await waitFor('v1 granted', async () => ((await bridge.desk.get('v1'))?.state === 'granted' ? true : undefined));
    assert.equal((await post('/retry', { id: 'v1' })).status, 409);
    assert.equal((await post('/cancel', { id: 'v2' })).status, 400, 'a cancel needs a reason');
    assert.equal((await post('/cancel', { id: 'v1', reason: 'x' })).status, 409, 'never a granted order');
    assert.deepEqual(await post('/cancel', { id: 'v2', reason: 'refunded' }), { status: 200, body: { outcome: 'cancelled', key: 'vngates:v2' } });
    assert.equal((await post('/cancel', { id: 'zz', reason: 'x' })).status, 404);
    const t1 = (await get('/timeline?id=v1')).body;
    const retried = t1.entries.find((e: { event: string }) => e.event === 'retried');
    assert.deepEqual([retried.by, retried.address], ['support-anna', '127.0.0.1']);
    const t2 = (await get('/timeline?id=vngates:v2')).body.entries.at(-1);
    assert.deepEqual([t2.event, t2.by, t2.address, t2.reason], ['cancelled', 'admin-api', '127.0.0.1', 'refunded']);

    const day = new Date().toISOString().slice(0, 10);
    const csv = await fetch(`${baseUrl}/platform/admin/export?day=${day}&format=csv`, { headers: auth });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type')!, /text\/csv/);
    const csvText = await csv.text();
    const rows = csvText.trim().split('\r\n');
    assert.equal(rows[0], 'time,source,order_id,platform_ids,ledger_key,user_id,zone_id,amount,currency,state,granted_at');
    assert.deepEqual(
      rows
        .slice(1)
        .map((r) => r.split(',')[2])
        .sort(),
      ['v1', 'v2'],
    );
    assert.equal((await fetch(`${baseUrl}/platform/admin/export?day=${day}&timeZone=Mars/Base`, { headers: auth })).status, 400);
  });
});
