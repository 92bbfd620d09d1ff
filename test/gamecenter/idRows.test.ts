import assert from 'node:assert/strict';
import { jsonIdLiteral, stringifyIdRows } from '../../src/platforms/gamecenter/idRows.js';
import { jsonNumberLiteral } from '../../src/json/exactNumbers.js';

describe('gamecenter id rows', () => {
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
