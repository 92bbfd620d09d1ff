/**
 * Outbound clients: a plain http:// URL to another machine is refused at register (loopback stays allowed,
 * so test doubles work), and an answer larger than the cap is an error naming the cap, against real
 * loopback HTTP servers that send oversized answers.
 */
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge, type PlatformBridgeOptions } from '../../src/index.js';
import { GameCenterClient, GameCenterTransportError } from '../../src/platforms/gamecenter/index.js';
import { VngatesClient, VngatesTransportError } from '../../src/platforms/vngates/index.js';
import { CapturingLogger } from '../helpers/logs.js';

function register(options: PlatformBridgeOptions): Promise<void> {
  const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} } as Parameters<typeof defineServer>[0]);
  return registerPlatformBridge(server, { logger: new CapturingLogger(), ...options }).close();
}

/** A loopback server answering every request with `bytes` bytes of JSON-looking text (declared or chunked). */
async function bigAnswer(bytes: number, declareLength: boolean): Promise<{ url: string; server: HttpServer; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    const body = Buffer.alloc(bytes, 0x20);
    res.writeHead(200, { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(bytes) } : {}) });
    // in pieces, so a chunked answer really streams past the cap
    for (let i = 0; i < bytes; i += 64 * 1024) res.write(body.subarray(i, i + 64 * 1024));
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests: () => requests };
}

describe('outbound clients', function () {
  this.timeout(30_000);
  const servers: HttpServer[] = [];
  after(() => servers.forEach((s) => s.close()));

  describe('plain http only to this machine', () => {
    it('refuses a GameCenter baseUrl over http to another host at register, naming the option', async () => {
      await assert.rejects(
        async () => register({ gamecenter: { baseUrl: 'http://api.amusgame.net', appId: 'a', secret: 's' } }),
        /gamecenter\.baseUrl: http:\/\/api\.amusgame\.net uses plain http to a non-loopback host; use https, or set allowInsecureHttp: true/,
      );
      assert.throws(() => GameCenterClient.fromOptions({ baseUrl: 'http://10.0.0.8:8080', appId: 'a', secret: 's' }), /plain http/);
    });

    it('refuses a VNGates userinfoUrl over http to another host at register', async () => {
      await assert.rejects(async () => register({ vngates: { appId: '1', userinfoUrl: 'http://vngates.com/api/userinfo' } }), /vngates\.userinfoUrl: .*plain http/);
      assert.throws(() => new VngatesClient({ appId: '1', userinfoUrl: 'http://192.0.2.1/u', timeoutMs: 100, retries: 0 }), /plain http/);
    });

    it('allows http to loopback, https anywhere, and http anywhere with allowInsecureHttp', async () => {
      for (const baseUrl of ['http://127.0.0.1:9', 'http://localhost:9', 'http://[::1]:9', 'https://api.amusgame.net']) {
        assert.doesNotThrow(() => GameCenterClient.fromOptions({ baseUrl, appId: 'a', secret: 's' }), baseUrl);
      }
      assert.doesNotThrow(() => GameCenterClient.fromOptions({ baseUrl: 'http://10.0.0.8:8080', appId: 'a', secret: 's', allowInsecureHttp: true }));
      await register({ vngates: { appId: '1', userinfoUrl: 'http://10.0.0.8/u', allowInsecureHttp: true, ipAllowList: ['10.0.0.0/8'] } });
    });
  });

  describe('answers larger than the cap', () => {
    for (const declareLength of [true, false]) {
      const how = declareLength ? 'with Content-Length' : 'chunked';
      it(`GameCenter: an answer over 1 MiB (${how}) is an error naming the cap, not retried`, async () => {
        const big = await bigAnswer(1024 * 1024 + 4096, declareLength);
        servers.push(big.server);
        const client = GameCenterClient.fromOptions({ baseUrl: big.url, appId: 'a', secret: 's', retries: 2, retryBackoffMs: 0 }, new CapturingLogger());
        await assert.rejects(client.checkAuth('u1', 'token'), (err: unknown) => {
          assert.ok(err instanceof GameCenterTransportError, String(err));
          assert.match(err.message, /larger than maxResponseBytes \(1048576 bytes\)/);
          return true;
        });
        assert.equal(big.requests(), 1, 'an oversized answer is not asked for again');
      });

      it(`VNGates userinfo: an answer over maxResponseBytes (${how}) is an error naming the cap`, async () => {
        const big = await bigAnswer(8192, declareLength);
        servers.push(big.server);
        const client = new VngatesClient({ appId: '1', userinfoUrl: `${big.url}/api/userinfo`, timeoutMs: 5000, retries: 2, maxResponseBytes: 4096 });
        await assert.rejects(client.userinfo('token'), (err: unknown) => {
          assert.ok(err instanceof VngatesTransportError, String(err));
          assert.match(err.message, /larger than maxResponseBytes \(4096 bytes\)/);
          return true;
        });
        assert.equal(big.requests(), 1);
      });
    }

    it('an answer within the cap is read as before', async () => {
      const server = createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 1, msg: 'ok', data: { user_id: '42', username: 'p' } }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      servers.push(server);
      const client = new VngatesClient({ appId: '1', userinfoUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/u`, timeoutMs: 5000, retries: 0, maxResponseBytes: 4096 });
      assert.equal((await client.userinfo('token')).userId, '42');
    });
  });
});
