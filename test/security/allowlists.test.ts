/**
 * Allow-lists that hold: malformed CIDR entries and `/0` are refused at register naming the option and the
 * entry, IPv6 and IPv4-mapped forms match, and X-Forwarded-For is believed only from a trusted proxy, on a
 * real Colyseus server with the recharge route behind an allow-list.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge, type PlatformBridgeOptions } from '../../src/index.js';
import { createIpMatcher } from '../../src/http/ipAllowList.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { CapturingLogger } from '../helpers/logs.js';

function registerWith(options: PlatformBridgeOptions): void {
  const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} } as Parameters<typeof defineServer>[0]);
  const bridge = registerPlatformBridge(server, { logger: new CapturingLogger(), ...options });
  void bridge.close();
}

/** POSTs a non-JSON body with the given headers: 403 = the allow-list refused, 400 = it let the caller in. */
function postRecharge(baseUrl: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const url = new URL('/platform/recharge', baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end('not json');
  });
}

describe('allow-lists that hold', function () {
  this.timeout(30_000);

  describe('strict CIDR entries, refused at register', () => {
    const malformed: Array<[string, RegExp]> = [
      ['203.0.113.0/', /empty prefix/],
      ['1.2.3.4/32/garbage', /more than one "\/"/],
      ['/0x8', /no address before/],
      ['1.2.3.4/0x8', /not a decimal number/],
      ['1.2.3.4/ 8', /whitespace/],
      ['/ 8', /whitespace/],
      ['1.2.3.4/33', /out of range 0-32/],
      ['::/129', /out of range 0-128/],
      ['10.0.0.0/-1', /not a decimal number/],
      ['10.0.0.0/+8', /not a decimal number/],
      [' 10.0.0.1', /whitespace/],
      ['::ffff:10.0.0.0/64', /at least \/96/],
    ];
    for (const [entry, why] of malformed) {
      it(`refuses ${JSON.stringify(entry)}, naming the option and the entry`, () => {
        assert.throws(
          () => registerWith({ recharge: { key: 'k', socket: { enabled: false }, ipAllowList: ['10.0.0.1', entry] } }),
          (err: Error) => {
            assert.match(err.message, /recharge\.ipAllowList\[1\]/);
            assert.ok(err.message.includes(JSON.stringify(entry)), err.message);
            assert.match(err.message, why);
            return true;
          },
        );
      });
    }

    it('refuses a malformed entry in http.trustedProxies and admin.ipAllowList too', () => {
      assert.throws(() => registerWith({ http: { trustProxyHops: 1, trustedProxies: ['10.0.0.0/'] } }), /http\.trustedProxies\[0\].*empty prefix/s);
      assert.throws(() => registerWith({ admin: { enabled: true, token: 't'.repeat(32), ipAllowList: ['1.2.3.4/33'] } }), /admin\.ipAllowList\[0\].*out of range/s);
    });

    it('refuses /0 unless http.allowZeroPrefix is set', () => {
      for (const entry of ['0.0.0.0/0', '::/0', '::ffff:0.0.0.0/96']) {
        assert.throws(
          () => registerWith({ sud: { appId: 'a', appSecret: 's', ipAllowList: [entry] } }),
          (err: Error) => err.message.includes('sud.ipAllowList[0]') && err.message.includes(JSON.stringify(entry)) && /allowZeroPrefix/.test(err.message),
        );
      }
      assert.doesNotThrow(() => registerWith({ http: { allowZeroPrefix: true }, sud: { appId: 'a', appSecret: 's', ipAllowList: ['0.0.0.0/0'] } }));
    });

    it('refuses trustProxyHops without trustedProxies, saying why', () => {
      assert.throws(() => registerWith({ http: { trustProxyHops: 1 } }), /http\.trustProxyHops: trustProxyHops needs http\.trustedProxies/);
    });
  });

  describe('IPv6 and IPv4-mapped forms', () => {
    it('matches IPv4 entries for mapped peers and mapped entries for plain IPv4 peers', () => {
      const v4 = createIpMatcher(['203.0.113.0/24']);
      assert.equal(v4('::ffff:203.0.113.9'), true);
      assert.equal(v4('::ffff:198.51.100.1'), false);
      const mapped = createIpMatcher(['::ffff:203.0.113.0/120', '::ffff:198.51.100.7']);
      assert.equal(mapped('203.0.113.200'), true);
      assert.equal(mapped('198.51.100.7'), true);
      assert.equal(mapped('::ffff:198.51.100.7'), true);
      assert.equal(mapped('198.51.100.8'), false);
    });

    it('matches IPv6 ranges and exact addresses', () => {
      const m = createIpMatcher(['2001:db8::/32', 'fe80::1']);
      assert.equal(m('2001:db8:1::5'), true);
      assert.equal(m('2001:db9::1'), false);
      assert.equal(m('fe80::1'), true);
      assert.equal(m('fe80::1%eth0'), true);
      assert.equal(m('fe80::2'), false);
      assert.equal(m('203.0.113.9'), false);
    });
  });

  describe('X-Forwarded-For only from trusted proxies', () => {
    const boots: BootedBridge[] = [];
    after(async () => {
      for (const b of boots) {
        await b.bridge.close();
        await b.shutdown();
      }
    });
    const boot = async (http: PlatformBridgeOptions['http']) => {
      const b = await bootBridge({ bridge: { http, recharge: { key: 'k', socket: { enabled: false }, ipAllowList: ['203.0.113.0/24'] } } });
      boots.push(b);
      return b;
    };

    it('refuses a spoofed X-Forwarded-For from a peer that is not a trusted proxy', async () => {
      const app = await boot({ trustProxyHops: 1, trustedProxies: ['10.20.30.40'] });
      const res = await postRecharge(app.baseUrl, { 'x-forwarded-for': '203.0.113.9' });
      assert.equal(res.status, 403);
      assert.match(res.body, /caller address not allowed/);
      const line = app.logger.find('caller address not allowed', 'warn')[0];
      assert.equal(line?.fields?.peer, '127.0.0.1', 'judged by its socket address, not the header');
    });

    it('honours X-Forwarded-For from a trusted proxy', async () => {
      const app = await boot({ trustProxyHops: 1, trustedProxies: ['127.0.0.0/8', '::1'] });
      const res = await postRecharge(app.baseUrl, { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' });
      assert.equal(res.status, 400, res.body);
      assert.match(res.body, /malformed JSON/);
      const refused = await postRecharge(app.baseUrl, { 'x-forwarded-for': '198.51.100.1' });
      assert.equal(refused.status, 403, 'the address the proxy saw is judged');
    });

    it('with two hops, believes the second entry only when the first hop is a trusted proxy too', async () => {
      const onlyOuter = await boot({ trustProxyHops: 2, trustedProxies: ['127.0.0.1'] });
      // 198.51.100.7 is not a proxy we trust: what it claims (203.0.113.9) is not believed
      assert.equal((await postRecharge(onlyOuter.baseUrl, { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' })).status, 403);
      const both = await boot({ trustProxyHops: 2, trustedProxies: ['127.0.0.1', '198.51.100.0/24'] });
      assert.equal((await postRecharge(both.baseUrl, { 'x-forwarded-for': '203.0.113.9, 198.51.100.7' })).status, 400);
    });
  });
});
