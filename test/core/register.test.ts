import assert from 'node:assert/strict';
import net from 'node:net';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { ConfigError, registerPlatformBridge, parseOptions } from '../../src/index.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { CapturingLogger } from '../helpers/logs.js';
import { listenColyseus, stopColyseus } from '../helpers/colyseusLifecycle.js';

function bareServer() {
  return defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
}

describe('options', () => {
  it('fills documented defaults', () => {
    const o = parseOptions({});
    assert.equal(o.keyPrefix, 'platform:');
    assert.equal(o.zoneId, 1);
    assert.equal(o.http.healthPath, '/platform/health');
    assert.equal(o.http.maxBodyBytes, 65536);
    assert.equal(o.redis, undefined);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['zoneId of the wrong type', { zoneId: 'east' }, /zoneId: .*expected number/i],
    ['negative zoneId', { zoneId: -3 }, /zoneId: .*>=\s*0/i],
    ['a misspelled option', { keyPrefx: 'x' }, /keyPrefx: unknown option/],
    ['a hash-tag brace in the prefix', { keyPrefix: 'a{b' }, /keyPrefix: expected a prefix without "\{"/],
    ['a relative health path', { http: { healthPath: 'health' } }, /http\.healthPath: expected an absolute path/],
    ['a non-URL redis string', { redis: 'localhost:6379' }, /redis: expected a redis:\/\/ or rediss:\/\/ URL/],
    ['a logger without methods', { logger: { info() {} } }, /logger: expected an object with debug, info, warn and error methods/],
    ['a bad log level', { logLevel: 'loud' }, /logLevel: .*"debug"\|"info"\|"warn"\|"error"/],
    ['an empty cluster', { redis: { cluster: [] } }, /redis\.cluster: expected at least one cluster node/],
  ];
  for (const [what, input, message] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      assert.throws(
        () => parseOptions(input),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, 'a ConfigError');
          assert.match(err.message, message);
          return true;
        },
      );
    });
  }

  it('the register call fails fast on bad options, before touching the server', () => {
    const server = bareServer();
    const routerBefore = server.router;
    assert.throws(() => registerPlatformBridge(server, { zoneId: 'x' as never }), /zoneId/);
    assert.equal(server.router, routerBefore);
  });
});

describe('register', () => {
  it('refuses a second registration on one server with a clear message', async () => {
    const server = bareServer();
    const logger = new CapturingLogger();
    const bridge = registerPlatformBridge(server, { logger });
    try {
      assert.throws(() => registerPlatformBridge(server, { logger }), /already registered on this server/);
    } finally {
      await bridge.close();
    }
  });

  it('logs that the in-process store is single-process only', async () => {
    const logger = new CapturingLogger();
    const bridge = registerPlatformBridge(bareServer(), { logger });
    await bridge.close();
    assert.equal(logger.find('single-process only', 'warn').length, 1);
  });

  describe('health route on the in-process store', () => {
    let app: BootedBridge;
    before(async () => (app = await bootBridge({ bridge: { http: { healthDetail: true } } })));
    after(async () => app.shutdown());

    it('answers 200 with the store state and the enabled platforms', async () => {
      const res = await fetch(`${app.baseUrl}/platform/health`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const body = (await res.json()) as any;
      assert.equal(body.status, 'ok');
      assert.deepEqual(body.store.kind, 'memory');
      assert.equal(body.store.reachable, true);
      assert.equal(body.zoneId, 1);
      assert.deepEqual(body.platforms, { recharge: { enabled: false }, gamecenter: { enabled: false }, sud: { enabled: false }, vngates: { enabled: false } });
    });

    it('keeps the Colyseus default routes working', async () => {
      const res = await fetch(`${app.baseUrl}/__healthcheck`);
      assert.equal(res.status, 200);
    });
  });

  describe('health route on Redis', () => {
    const redis = useRedisServer();
    let app: BootedBridge;
    before(async () => (app = await bootBridge({ bridge: { redis: redis.url, zoneId: 7, http: { healthPath: '/ops/health', healthTimeoutMs: 300, healthDetail: true } } })));
    after(async () => app.shutdown());

    it('reports Redis reachable on the configured path', async () => {
      const res = await fetch(`${app.baseUrl}/ops/health`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as any;
      assert.deepEqual([body.status, body.store.kind, body.store.reachable, body.zoneId], ['ok', 'redis', true, 7]);
      assert.equal(typeof body.store.latencyMs, 'number');
    });

    it('says so, without hanging, when Redis is down, and recovers when it returns', async function () {
      this.timeout(10_000);
      await redis.stop();
      const res = await fetch(`${app.baseUrl}/ops/health`, { signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 503);
      const body = (await res.json()) as any;
      assert.equal(body.status, 'degraded');
      assert.equal(body.store.reachable, false);
      assert.equal(typeof body.store.error, 'string');
      await redis.start(redis.port);
      const deadline = Date.now() + 8000;
      for (;;) {
        const again = await fetch(`${app.baseUrl}/ops/health`);
        if (again.status === 200) break;
        assert.ok(Date.now() < deadline, 'health did not recover after Redis came back');
        await new Promise((r) => setTimeout(r, 100));
      }
    });
  });

  describe('health route with the recharge socket', () => {
    it('says degraded (503) while the recharge socket is not listening, and ok once one is', async () => {
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
      const taken = (blocker.address() as net.AddressInfo).port;
      const recharge = (port: number) => ({ key: 'k', socket: { host: '127.0.0.1', port } });
      const bad = await bootBridge({ bridge: { http: { healthDetail: true }, recharge: recharge(taken) } });
      try {
        let body: any;
        for (const deadline = Date.now() + 5000; ;) {
          const res = await fetch(`${bad.baseUrl}/platform/health`);
          body = await res.json();
          if (body.platforms?.recharge?.socketState === 'failed' || body.status === 'degraded') {
            assert.equal(res.status, 503);
            break;
          }
          assert.ok(Date.now() < deadline, 'the socket failure never reached the health route');
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(body.status, 'degraded');
        assert.equal(body.store.reachable, true);
        assert.match(body.platforms.recharge.problem, new RegExp(`not listening on 127\\.0\\.0\\.1:${taken} \\(EADDRINUSE\\)`));
      } finally {
        await bad.shutdown();
        blocker.close();
      }
      const good = await bootBridge({ bridge: { http: { healthDetail: true }, recharge: recharge(0) } });
      try {
        for (const deadline = Date.now() + 5000; ;) {
          const body = (await (await fetch(`${good.baseUrl}/platform/health`)).json()) as any;
          if (body.platforms?.recharge?.socketState === 'listening') {
            assert.equal(body.status, 'ok');
            assert.equal(body.platforms.recharge.problem, undefined);
            break;
          }
          assert.ok(Date.now() < deadline, 'the socket never listened');
          await new Promise((r) => setTimeout(r, 20));
        }
        // one line says the socket listens, not one per layer
        assert.equal(good.logger.find(/socket.*listening/).filter((l) => l.level !== 'debug').length, 1);
      } finally {
        await good.shutdown();
      }
    });
  });

  describe('registered after listen()', () => {
    let app: BootedBridge;
    before(async () => (app = await bootBridge({ registerAfterListen: true })));
    after(async () => app.shutdown());

    it('adds its routes to the live router', async () => {
      const res = await fetch(`${app.baseUrl}/platform/health`);
      assert.equal(res.status, 200);
    });
  });

  describe('shutdown chaining', () => {
    it("runs the host's callbacks, including ones set after registering, and closes the bridge", async () => {
      const logger = new CapturingLogger();
      const server = bareServer();
      const calls: string[] = [];
      server.onBeforeShutdown(() => void calls.push('host-before-early'));
      const bridge = registerPlatformBridge(server, { logger });
      server.onShutdown(() => void calls.push('host-after-late'));
      await listenColyseus(server, 0 as never);
      await stopColyseus(server);
      assert.deepEqual(calls, ['host-before-early', 'host-after-late']);
      assert.equal(logger.find('platform bridge closed').length, 1);
      await assert.rejects(bridge.store.get('x'), /closed/);
    });

    it('a failing host callback does not stop the bridge from closing', async () => {
      const logger = new CapturingLogger();
      const server = bareServer();
      server.onShutdown(() => {
        throw new Error('host boom');
      });
      registerPlatformBridge(server, { logger });
      await listenColyseus(server, 0 as never);
      await stopColyseus(server);
      assert.equal(logger.find('host boom', 'error').length, 1);
      assert.equal(logger.find('platform bridge closed').length, 1);
    });
  });
});
