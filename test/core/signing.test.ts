import assert from 'node:assert/strict';
import { canonicalSorted, hmacSha1Hex, md5Hex, safeEqual, sha256Hex } from '../../src/index.js';

describe('signing helpers', () => {
  it('verify the VNGates userinfo example of the spec: md5(app_id + access_token)', () => {
    const appId = '39faa2b8dc7023c0705307371537a023';
    const token = 'b8a4c967ea135a4dcfca38162111fef814a8ba21c2f04a189526eb7c7494501b';
    assert.equal(md5Hex(appId + token), '83bb790e425b0eaa251e94ede00da20f');
  });

  it('md5 / sha256 match published vectors', () => {
    // RFC 1321 appendix A.5 and FIPS 180-2 appendix B.1
    assert.equal(md5Hex(''), 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(md5Hex('abc'), '900150983cd24fb0d6963f7d28e17f72');
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // UTF-8, not UTF-16 or latin1: the platforms sign Chinese role names and the like
    assert.equal(md5Hex('成功'), md5Hex(Buffer.from([0xe6, 0x88, 0x90, 0xe5, 0x8a, 0x9f])));
  });

  it('HMAC-SHA1 matches RFC 2202', () => {
    assert.equal(hmacSha1Hex(Buffer.alloc(20, 0x0b), 'Hi There'), 'b617318655057264e28bc0b6fb378c8ef146be00');
    assert.equal(hmacSha1Hex('Jefe', 'what do ya want for nothing?'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
  });

  it('builds the GameCenter canonical string: sorted by name, raw values, signature and empties left out', () => {
    const params = { userToken: 'a b+c', appId: 'app1', timestamp: 1700000000000, nonce: 42, signature: 'zzz', userId: '', groupId: 'g' };
    assert.equal(canonicalSorted(params), 'appId=app1&groupId=g&nonce=42&timestamp=1700000000000&userToken=a b+c');
    // ASCII order: upper case sorts before lower case, as Java/PHP/Go sort does
    assert.equal(canonicalSorted({ b: 1, B: 2, a: 3 }), 'B=2&a=3&b=1');
    assert.equal(canonicalSorted({ b: 1, a: 'x y' }, { encodeValues: 'rfc3986' }), 'a=x%20y&b=1');
    assert.equal(canonicalSorted({ b: 1, a: 'x y' }, { encodeValues: 'form' }), 'a=x+y&b=1');
    assert.equal(canonicalSorted({ b: 1, a: 2 }, { includeKeys: false, separator: '' }), '21');
    assert.equal(canonicalSorted({ a: '', b: 1 }, { skipEmpty: false }), 'a=&b=1');
  });

  it('a GameCenter signature computed by hand matches sha256(canonical + secret)', () => {
    const canonical = canonicalSorted({ orders: '1,2', appId: 'A', timestamp: 5, nonce: 7 });
    assert.equal(canonical, 'appId=A&nonce=7&orders=1,2&timestamp=5');
    assert.equal(sha256Hex(canonical + 'S3CRET'), sha256Hex('appId=A&nonce=7&orders=1,2&timestamp=5S3CRET'));
  });

  it('compares in constant time, case-insensitively for hex when asked', () => {
    const sig = '1D73091347505A76041F4B89B1CE7F37';
    assert.equal(safeEqual(sig, sig), true);
    assert.equal(safeEqual(sig.toLowerCase(), sig), false);
    assert.equal(safeEqual(sig.toLowerCase(), sig, true), true);
    assert.equal(safeEqual(sig.slice(0, -1), sig, true), false);
    assert.equal(safeEqual('', sig), false);
  });
});
