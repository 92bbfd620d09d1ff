import assert from 'node:assert/strict';
import { jsonIdLiteral, jsonNumberLiteral, parseJsonBigSafe, quoteUnsafeIntegers, stringifyIdRows } from '../../src/platforms/gamecenter/json.js';

describe('gamecenter big-int-safe JSON', () => {
  it('turns integers beyond 2^53 into strings of their exact digits', () => {
    const text = '{"code":0,"data":{"144612098616033280":{"orderId":144612098616033280,"gameId":126847495400849409,"payTime":1582019617910}}}';
    assert.deepEqual(parseJsonBigSafe(text), {
      code: 0,
      data: { '144612098616033280': { orderId: '144612098616033280', gameId: '126847495400849409', payTime: 1582019617910 } },
    });
    // What plain JSON.parse does to such an id (144612098616033280 happens to be a double; this one is not).
    assert.equal(String((JSON.parse(text) as { data: Record<string, { gameId: number }> }).data['144612098616033280'].gameId), '126847495400849400');
  });

  it('keeps safe integers, fractions and exponents as numbers, and handles the boundary and negatives', () => {
    assert.deepEqual(parseJsonBigSafe('[9007199254740991,9007199254740992,-9007199254740993,12.5,1e300,-0,0]'), [
      9007199254740991,
      '9007199254740992',
      '-9007199254740993',
      12.5,
      1e300,
      -0,
      0,
    ]);
  });

  it('never touches digits inside strings, escaped quotes and backslashes included', () => {
    const text = '{"a":"645633159128785116","b":"say \\"144612098616033280\\"","c":"ends with \\\\","d":645633159128785116}';
    assert.deepEqual(parseJsonBigSafe(text), {
      a: '645633159128785116',
      b: 'say "144612098616033280"',
      c: 'ends with \\',
      d: '645633159128785116',
    });
  });

  it('returns the same text when nothing needs quoting, and still rejects invalid JSON', () => {
    const text = '{"code":0,"msg":"success"}';
    assert.equal(quoteUnsafeIntegers(text), text);
    assert.throws(() => parseJsonBigSafe('{"a":'), SyntaxError);
    assert.throws(() => parseJsonBigSafe('<html>502</html>'), SyntaxError);
  });

  it('writes numeric id strings as bare numbers with their exact digits, other ids as JSON strings', () => {
    assert.equal(jsonIdLiteral('645633159128785116'), '645633159128785116');
    assert.equal(jsonIdLiteral('0'), '0');
    assert.equal(jsonIdLiteral('007'), '"007"');
    assert.equal(jsonIdLiteral('-5'), '"-5"');
    assert.equal(jsonIdLiteral('guest "7"'), '"guest \\"7\\""');
    assert.equal(
      stringifyIdRows([
        ['1232938202023', 23],
        ['645633159128785116', 12322],
        ['guest', 1.5],
      ]),
      '[[1232938202023,23],[645633159128785116,12322],["guest",1.5]]',
    );
    assert.equal(stringifyIdRows([['144612098616033280', 1, 1582019617910]]), '[[144612098616033280,1,1582019617910]]');
    assert.equal(stringifyIdRows([]), '[]');
  });

  it('refuses numbers JSON cannot carry', () => {
    assert.throws(() => jsonNumberLiteral(Number.NaN), RangeError);
    assert.throws(() => stringifyIdRows([['1', Number.POSITIVE_INFINITY]]), RangeError);
  });
});
