/**
 * GET /platform/metrics on a real server over real recharge traffic (HTTP and the TCP socket) and a real
 * Redis: the counters equal what the test sent (accepted, duplicates, bad signs per path), the ledger
 * gauge reads the queue from Redis, and a scrape without the token or from outside the list is refused.
 */
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { KEY, httpOrder, sendJson, socketOrder } from '../recharge/support.js';
import { parsePrometheus, valueOf } from './promText.js';

const TOKEN = 'scrape-token-0123456789';

describe('metrics route', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let app: BootedBridge | undefined;
  afterEach(async () => {
    await app?.bridge.close();
    await app?.shutdown();
    app = undefined;
  });

  const boot = (metrics: Record<string, unknown>, grant?: () => Promise<{ items: string[] }>) =>
    bootBridge({
      bridge: {
        redis: redis.url,
        keyPrefix: `m${Date.now()}:`,
        recharge: { key: KEY, socket: { host: '127.0.0.1', port: 0 } },
        metrics: { enabled: true, ...metrics },
        ...(grant ? { grant } : {}),
      },
    });

  const post = (base: string, body: unknown) => fetch(`${base}/platform/recharge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const scrape = async (base: string, token = TOKEN) => {
    const res = await fetch(`${base}/platform/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    return parsePrometheus(await res.text());
  };

  it('counts every answer by platform, path and code, and orders by source and state', async () => {
    app = await boot({ bearerToken: TOKEN });
    const base = app.baseUrl;
    const socketPort = (await app.bridge.health()).platforms.recharge!.socketPort as number;
    const orders = [httpOrder(), httpOrder(), httpOrder()];
    for (const o of orders) assert.equal((await post(base, o)).status, 200);
    await post(base, orders[0]); // duplicates: the platform resends
    await post(base, orders[1]);
    for (let i = 0; i < 4; i++) await post(base, httpOrder({ Sign: '0123456789ABCDEF0123456789ABCDEF' }));
    await fetch(`${base}/platform/recharge`, { method: 'POST', body: 'not json' });
    const s = socketOrder();
    assert.equal((await sendJson(socketPort, s)).reply.ret, 1);
    assert.equal((await sendJson(socketPort, s)).reply.ret, -5);
    for (let i = 0; i < 2; i++) assert.equal((await sendJson(socketPort, socketOrder({ Sign: '0123456789ABCDEF0123456789ABCDEF' }))).reply.ret, -4);

    const m = await scrape(base);
    const cb = (path: string, code: string) => valueOf(m, 'platform_bridge_callbacks_total', { platform: 'recharge', path, code });
    assert.deepEqual({ ok: cb('http', '1'), dup: cb('http', '-5'), badSign: cb('http', '-4'), malformed: cb('http', '-2') }, { ok: 3, dup: 2, badSign: 4, malformed: 1 });
    assert.deepEqual({ ok: cb('socket', '1'), dup: cb('socket', '-5'), badSign: cb('socket', '-4') }, { ok: 1, dup: 1, badSign: 2 });
    const orders_ = (source: string, state: string) => valueOf(m, 'platform_bridge_orders_total', { source, state });
    assert.deepEqual([orders_('recharge-http', 'pending'), orders_('recharge-http', 'duplicate'), orders_('recharge-socket', 'pending'), orders_('recharge-socket', 'duplicate')], [3, 2, 1, 1]);
    assert.equal(valueOf(m, 'platform_bridge_ledger_orders', { state: 'pending' }), 4, 'no grant handler: all four wait, read from Redis');
    assert.equal(valueOf(m, 'platform_bridge_ledger_orders', { state: 'given_up' }), 0);
    assert.equal(valueOf(m, 'platform_bridge_store_up'), 1);
    assert.ok(
      m.some((x) => x.name === 'process_cpu_user_seconds_total'),
      "the bridge's own registry carries Node's process metrics",
    );
  });

  it('times grants and deliveries; registers in a registry the game passes', async () => {
    const registry = new Registry();
    app = await boot({ bearerToken: TOKEN, registry }, async () => ({ items: ['gem'] }));
    const o = httpOrder();
    await post(app.baseUrl, o);
    const got: unknown[] = [];
    app.bridge.deliveries.attach(String(o.UserID), (d) => void got.push(d), { roomId: 'r1' });
    for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.length, 1);
    assert.equal((await app.bridge.ledger.get((got[0] as { dedupeKey: string }).dedupeKey))?.state, 'granted');
    const m = parsePrometheus(await registry.metrics());
    assert.equal(valueOf(m, 'platform_bridge_grant_duration_seconds_count'), 1);
    assert.equal(valueOf(m, 'platform_bridge_delivery_seconds_count'), 1);
    assert.equal(valueOf(m, 'platform_bridge_orders_total', { source: 'recharge-http', state: 'granted' }), 1);
    assert.ok(!m.some((x) => x.name.startsWith('process_')), "a game's registry is left as it is");
    assert.equal(app.bridge.metricsRegistry, registry);
  });

  it('refuses a scrape without the token (401) and from outside the allow-list (403), logging why', async () => {
    app = await boot({ bearerToken: TOKEN });
    assert.equal((await fetch(`${app.baseUrl}/platform/metrics`)).status, 401);
    assert.equal((await fetch(`${app.baseUrl}/platform/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
    assert.equal(app.logger.find('metrics scrape refused: missing or wrong bearer token', 'warn').length, 1, 'one line per reason and address per minute');
    assert.ok(!JSON.stringify(app.logger.lines).includes(TOKEN), 'the token is never logged');
    await app.bridge.close();
    await app.shutdown();
    app = await boot({ ipAllowList: ['10.1.2.3'] });
    assert.equal((await fetch(`${app.baseUrl}/platform/metrics`)).status, 403);
    assert.equal(app.logger.find('metrics scrape refused: caller address not allowed', 'warn').length, 1);
  });

  it('refuses to start unprotected', async () => {
    await assert.rejects(() => boot({}), /metrics.enabled needs metrics.ipAllowList or metrics.bearerToken/);
  });
});
