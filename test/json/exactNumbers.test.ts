/**
 * The one JSON module's exact numbers: big integer ids keep every digit in and out, fractions keep their
 * text where it is kept, and malformed input is refused the way JSON.parse refuses it.
 */
import assert from 'node:assert/strict';
import { isRawJson, jsonNumberLiteral, parseBigSafe, parseKeepingNumbers, parseWithSource, plainValue, rawJson, scalarText } from '../../src/json/exactNumbers.js';

describe('json/exactNumbers', () => {
  describe('parseBigSafe', () => {
    it('turns integers beyond 2^53 into strings of their exact digits, nested anywhere', () => {
      const text = '{"code":0,"data":{"144612098616033280":{"orderId":144612098616033280,"gameId":126847495400849409,"payTime":1582019617910,"list":[[645633159128785116,3]]}}}';
      assert.deepEqual(parseBigSafe(text), {
        code: 0,
        data: { '144612098616033280': { orderId: '144612098616033280', gameId: '126847495400849409', payTime: 1582019617910, list: [['645633159128785116', 3]] } },
      });
      // what plain JSON.parse does to such an id: the last digits are gone
      assert.equal(String((JSON.parse(text) as { data: Record<string, { gameId: number }> }).data['144612098616033280']!.gameId), '126847495400849400');
    });

    it('keeps safe integers, fractions and exponents as numbers, at the boundary and for negatives', () => {
      assert.deepEqual(parseBigSafe('[9007199254740991,9007199254740992,-9007199254740991,-9007199254740993,12.5,1e300,12345678901234567890.5,-0,0]'), [
        9007199254740991,
        '9007199254740992',
        -9007199254740991,
        '-9007199254740993',
        12.5,
        1e300,
        // eslint-disable-next-line no-loss-of-precision -- a fraction stays a double: the expected value is the rounded one
        12345678901234567890.5,
        -0,
        0,
      ]);
    });

    it('never touches digits inside strings, escaped quotes and backslashes included', () => {
      const text = '{"a":"645633159128785116","b":"say \\"144612098616033280\\"","c":"ends with \\\\","d":645633159128785116}';
      assert.deepEqual(parseBigSafe(text), { a: '645633159128785116', b: 'say "144612098616033280"', c: 'ends with \\', d: '645633159128785116' });
    });

    it('refuses malformed JSON with a SyntaxError, as JSON.parse does', () => {
      for (const bad of ['{"a":', '<html>502</html>', '{"a":1,}', '[01]', '', '{"a":99999999999999999999']) {
        assert.throws(() => parseBigSafe(bad), SyntaxError, bad);
      }
    });
  });

  describe('parseKeepingNumbers and its readers', () => {
    it('rewrites a document byte for byte: long ids, trailing zeros and exponents keep their text', () => {
      const text = '[{"serverID":8061,"roleIDs":[{"Item1":3534059070281430668,"Item2":"x","price":1.50,"big":1e3,"n":-0}]}]';
      const doc = parseKeepingNumbers(text);
      assert.equal(JSON.stringify(doc), text);
      const role = (doc as Array<{ roleIDs: Array<Record<string, unknown>> }>)[0]!.roleIDs[0]!;
      assert.equal(isRawJson(role.Item1), true);
      assert.equal(scalarText(role.Item1), '3534059070281430668');
      assert.equal(scalarText(role.price), '1.50');
      assert.equal(scalarText(role.Item2), 'x');
      assert.equal(scalarText({}), undefined);
      // numbers that survive a double stay plain numbers
      assert.equal((doc as Array<{ serverID: unknown }>)[0]!.serverID, 8061);
    });

    it('plainValue: a raw number is a number when that is exact, else its digits', () => {
      assert.equal(plainValue(rawJson('1.50')), 1.5);
      assert.equal(plainValue(rawJson('1e3')), 1000);
      assert.equal(plainValue(rawJson('3534059070281430668')), '3534059070281430668');
      assert.equal(plainValue('7'), '7');
      assert.equal(plainValue(7), 7);
    });
  });

  describe('parseWithSource and rawJson', () => {
    it('hands the reviver each primitive literal exactly as written', () => {
      const seen: string[] = [];
      parseWithSource('{"a":1.0,"b":[2e2,"s",true,null],"c":{"d":-0.000}}', (_key, value, context) => {
        if (context.source !== undefined) seen.push(context.source);
        return value;
      });
      assert.deepEqual(seen, ['1.0', '2e2', '"s"', 'true', 'null', '-0.000']);
    });

    it('rawJson writes digits verbatim inside JSON.stringify and refuses what is not one JSON primitive', () => {
      assert.equal(JSON.stringify({ id: rawJson('144612098616033280'), n: [rawJson('6.00')] }), '{"id":144612098616033280,"n":[6.00]}');
      assert.throws(() => rawJson('{"a":1}'));
      assert.throws(() => rawJson('1 2'));
    });

    it('jsonNumberLiteral refuses NaN and Infinity, which JSON.stringify would write as null', () => {
      assert.equal(jsonNumberLiteral(1.5), '1.5');
      assert.throws(() => jsonNumberLiteral(Number.NaN), RangeError);
      assert.throws(() => jsonNumberLiteral(Number.NEGATIVE_INFINITY), RangeError);
    });
  });
});
