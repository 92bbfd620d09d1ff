/**
 * The nesting check every callback body passes before JSON.parse: exact at the limit, blind to brackets
 * inside strings, and naming the top-level field the deep value hangs under.
 */
import assert from 'node:assert/strict';
import { MAX_JSON_DEPTH, tooDeepField } from '../../src/json/depth.js';
import { deeperThan } from '../../src/ledger/storable.js';

const nest = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('JSON nesting limit', () => {
  it('allows the body itself plus 31 levels under a field, refuses one more, naming the field', () => {
    assert.equal(MAX_JSON_DEPTH, 32);
    assert.equal(tooDeepField(`{"a":1,"x":${nest(31)}}`), undefined);
    assert.equal(tooDeepField(`{"a":1,"x":${nest(32)}}`), 'x');
    assert.equal(tooDeepField(`{"a":{"b":[1]},"deep\\"er":${nest(5000)}}`), 'deep"er');
    assert.equal(tooDeepField(nest(40)), '');
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ note: '['.repeat(100) + '\\"{'.repeat(100), other: 'x' });
    assert.equal(tooDeepField(text), undefined);
  });

  it('deeperThan walks any depth without recursion', () => {
    let v: unknown = 1;
    for (let i = 0; i < 100_000; i++) v = [v];
    assert.equal(deeperThan(v, 32), true);
    assert.equal(deeperThan({ a: { b: [1, 2] } }, 3), false);
    assert.equal(deeperThan({ a: { b: [[1]] } }, 3), true);
  });
});
