/**
 * One reading of a peer address: the forms a socket, a proxy's X-Forwarded-For and a URL write for the
 * same peer come out as one text, and the allow-list matcher, built on it, matches them all.
 */
import assert from 'node:assert/strict';
import { ipv4FromMapped, normalizeIp } from '../../src/net/ipAddress.js';
import { createIpMatcher, parseIpEntry } from '../../src/http/ipAllowList.js';
import { isLoopbackHost } from '../../src/http/outbound.js';

describe('normalizeIp', () => {
  const cases: Array<[string, string]> = [
    ['1.2.3.4', '1.2.3.4'],
    [' 1.2.3.4 ', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['::ffff:102:304', '1.2.3.4'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['0:0:0:0:0:ffff:1.2.3.4', '1.2.3.4'],
    ['0000:0000:0000:0000:0000:ffff:c0a8:0101', '192.168.1.1'],
    ['[::1]', '::1'],
    ['[::1]:8443', '::1'],
    ['[::ffff:10.0.0.1]:80', '10.0.0.1'],
    ['10.0.0.1:5678', '10.0.0.1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[fe80::1%25eth0]', 'fe80::1'],
    ['2001:db8::1', '2001:db8::1'],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => assert.equal(normalizeIp(input), expected));
  }

  it('leaves what is not an address for the caller to refuse', () => {
    for (const bad of ['unknown', '', '::ffff:999.1.1.1', '1.2.3.4:port', '%eth0']) {
      assert.equal(normalizeIp(bad), bad.trim());
    }
    assert.equal(ipv4FromMapped('::ffff:999.1.1.1'), undefined);
    assert.equal(ipv4FromMapped('::fffe:1.2.3.4'), undefined);
    assert.equal(ipv4FromMapped('1::ffff:1.2.3.4'), undefined);
  });

  it('an allow-list entry matches every form of its peer, and nothing else', () => {
    const allowed = createIpMatcher(['10.0.0.0/8', '2001:db8::/32']);
    for (const ip of ['10.1.2.3', '::ffff:10.1.2.3', '::ffff:a01:203', '[::ffff:10.1.2.3]:9', '10.1.2.3:80', '[2001:db8::5]', '2001:db8::5%eth0']) assert.equal(allowed(ip), true, ip);
    for (const ip of ['11.1.2.3', '::ffff:11.1.2.3', '2001:db9::5', 'unknown', '', undefined]) assert.equal(allowed(ip), false, String(ip));
  });

  it('a mapped entry in hex form is read as its IPv4 range', () => {
    assert.deepEqual(parseIpEntry('::ffff:a00:0/104'), { ok: true, address: '10.0.0.0', type: 'ipv4', prefix: 8 });
  });

  it('a URL to [::ffff:127.0.0.1] is loopback (WHATWG URL writes it ::ffff:7f00:1)', () => {
    assert.equal(new URL('http://[::ffff:127.0.0.1]:8080/').hostname, '[::ffff:7f00:1]');
    assert.equal(isLoopbackHost(new URL('http://[::ffff:127.0.0.1]:8080/').hostname), true);
    assert.equal(isLoopbackHost('[::1]'), true);
    assert.equal(isLoopbackHost('[::ffff:10.0.0.1]'), false);
    assert.equal(isLoopbackHost('127.0.0.1'), true);
  });
});
