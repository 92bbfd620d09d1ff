import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { gameCenterSignSchema } from '../../src/platforms/gamecenter/options.js';
import type { GameCenterSignInput } from '../../src/platforms/gamecenter/options.js';
import { MAX_NONCE, buildSignedForm, createNonceSource, signParams, stringToSign } from '../../src/platforms/gamecenter/signer.js';

const SECRET = 'srv-secret';
const sign = (input: GameCenterSignInput = {}) => gameCenterSignSchema.parse(input);
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const hmac = (alg: string, key: string, s: string) => createHmac(alg, key).update(s, 'utf8').digest('hex');

// The document's auth example plus the common parameters.
const AUTH = {
  userToken: '213k3j3321k2k32j33k4k4',
  userId: '293838182132212',
  timestamp: '1700000000000',
  nonce: '12345',
  appId: 'app-1',
  signature: 'ignored-old-signature',
};
const AUTH_CANONICAL = 'appId=app-1&nonce=12345&timestamp=1700000000000&userId=293838182132212&userToken=213k3j3321k2k32j33k4k4';

// A value that every encoding writes differently.
const AWKWARD = { b: "x y*'!~&/ä", a: '1' };

describe('gamecenter signer', () => {
  it('default: sorted k=v&…, signature dropped, raw values, secret appended, sha256 lowercase', () => {
    assert.equal(stringToSign(AUTH, SECRET, sign()), AUTH_CANONICAL + SECRET);
    const sig = signParams(AUTH, SECRET, sign());
    assert.equal(sig, sha256(`${AUTH_CANONICAL}srv-secret`));
    assert.match(sig, /^[0-9a-f]{64}$/);
  });

  it('sorts by ASCII code, not locale (upper case, then _, then lower case)', () => {
    const params = { rank_type: '1', rank_data: '[[1,2]]', a: '1', B: '2', _c: '3' };
    assert.equal(stringToSign(params, '', sign()), 'B=2&_c=3&a=1&rank_data=[[1,2]]&rank_type=1');
  });

  it('skips empty, null and undefined values by default, keeps empty ones when skipEmpty is false', () => {
    const params = { b: '1', a: '', c: null, d: undefined };
    assert.equal(stringToSign(params, 'K', sign()), 'b=1K');
    assert.equal(stringToSign(params, 'K', sign({ skipEmpty: false })), 'a=&b=1K');
  });

  it('encodeValues: none, rfc3986, form', () => {
    assert.equal(stringToSign(AWKWARD, '', sign()), "a=1&b=x y*'!~&/ä");
    assert.equal(stringToSign(AWKWARD, '', sign({ encodeValues: 'rfc3986' })), 'a=1&b=x%20y%2A%27%21~%26%2F%C3%A4');
    assert.equal(stringToSign(AWKWARD, '', sign({ encodeValues: 'form' })), 'a=1&b=x+y*%27%21%7E%26%2F%C3%A4');
    assert.equal(signParams(AWKWARD, SECRET, sign({ encodeValues: 'rfc3986' })), sha256('a=1&b=x%20y%2A%27%21~%26%2F%C3%A4srv-secret'));
  });

  it('includeKeys false and a custom separator', () => {
    assert.equal(signParams(AUTH, SECRET, sign({ includeKeys: false })), sha256('app-1&12345&1700000000000&293838182132212&213k3j3321k2k32j33k4k4srv-secret'));
    assert.equal(signParams(AUTH, SECRET, sign({ separator: '' })), sha256('appId=app-1nonce=12345timestamp=1700000000000userId=293838182132212userToken=213k3j3321k2k32j33k4k4srv-secret'));
  });

  it('secretPlacement: append&key=, prepend, hmacKey', () => {
    assert.equal(signParams(AUTH, SECRET, sign({ secretPlacement: 'append&key=' })), sha256(`${AUTH_CANONICAL}&key=srv-secret`));
    assert.equal(signParams(AUTH, SECRET, sign({ secretPlacement: 'prepend' })), sha256(`srv-secret${AUTH_CANONICAL}`));
    assert.equal(signParams(AUTH, SECRET, sign({ secretPlacement: 'hmacKey' })), hmac('sha256', 'srv-secret', AUTH_CANONICAL));
    assert.equal(signParams(AUTH, SECRET, sign({ secretPlacement: 'hmacKey', hash: 'md5' })), hmac('md5', 'srv-secret', AUTH_CANONICAL));
  });

  it('hash: md5 and hmac-sha256; hexCase upper', () => {
    assert.equal(signParams(AUTH, SECRET, sign({ hash: 'md5' })), md5(`${AUTH_CANONICAL}srv-secret`));
    assert.equal(signParams(AUTH, SECRET, sign({ hash: 'hmac-sha256', secretPlacement: 'hmacKey' })), hmac('sha256', 'srv-secret', AUTH_CANONICAL));
    assert.equal(signParams(AUTH, SECRET, sign({ hash: 'hmac-sha256' })), hmac('sha256', 'srv-secret', `${AUTH_CANONICAL}srv-secret`));
    const upper = signParams(AUTH, SECRET, sign({ hexCase: 'upper' }));
    assert.equal(upper, sha256(`${AUTH_CANONICAL}srv-secret`).toUpperCase());
    assert.match(upper, /^[0-9A-F]{64}$/);
  });

  it('excludeKeys leaves the named fields out', () => {
    const params = { a: '1', sign_type: 'SHA256', signature: 'x' };
    assert.equal(stringToSign(params, 'K', sign({ excludeKeys: ['signature', 'sign_type'] })), 'a=1K');
    assert.equal(stringToSign(params, 'K', sign({ excludeKeys: [] })), 'a=1&sign_type=SHA256&signature=xK');
  });

  describe('buildSignedForm', () => {
    it('adds appId, timestamp, nonce and a signature over exactly the sent strings', () => {
      const nonces = { next: () => 777 };
      const form = buildSignedForm('app-1', SECRET, { rank_type: 1, rank_data: '[[1,2]]', empty: '', gone: undefined }, sign(), 1700000000123.9, nonces);
      assert.deepEqual(form, {
        rank_type: '1',
        rank_data: '[[1,2]]',
        appId: 'app-1',
        timestamp: '1700000000123',
        nonce: '777',
        signature: sha256('appId=app-1&nonce=777&rank_data=[[1,2]]&rank_type=1&timestamp=1700000000123srv-secret'),
      });
    });

    it('sends empty values when the variant signs them', () => {
      const form = buildSignedForm('app-1', SECRET, { a: '' }, sign({ skipEmpty: false }), 1700000000000, { next: () => 5 });
      assert.equal(form.a, '');
      assert.equal(form.signature, sha256('a=&appId=app-1&nonce=5&timestamp=1700000000000srv-secret'));
    });

    it('refuses caller values for the parameters it owns', () => {
      for (const key of ['appId', 'timestamp', 'nonce', 'signature']) {
        assert.throws(() => buildSignedForm('app-1', SECRET, { [key]: 'x' }, sign(), 1, createNonceSource()), TypeError);
      }
    });
  });

  describe('nonce source', () => {
    it('never repeats the previous nonce and stays a positive 31-bit int over a long run', () => {
      const source = createNonceSource();
      let previous = 0;
      for (let i = 0; i < 200_000; i++) {
        const n = source.next();
        assert.ok(Number.isInteger(n) && n >= 1 && n <= MAX_NONCE, `nonce ${n} out of range`);
        assert.notEqual(n, previous);
        previous = n;
      }
    });

    it('steps past a random source that repeats, wrapping at 2^31-1', () => {
      const seven = createNonceSource(() => 7);
      assert.deepEqual([seven.next(), seven.next(), seven.next(), seven.next()], [7, 8, 7, 8]);
      const max = createNonceSource(() => MAX_NONCE);
      assert.deepEqual([max.next(), max.next(), max.next()], [MAX_NONCE, 1, MAX_NONCE]);
    });

    it('rejects a random source outside 1..2^31-1', () => {
      assert.throws(() => createNonceSource(() => 0).next(), RangeError);
      assert.throws(() => createNonceSource(() => 2 ** 31).next(), RangeError);
      assert.throws(() => createNonceSource(() => 1.5).next(), RangeError);
    });
  });
});
