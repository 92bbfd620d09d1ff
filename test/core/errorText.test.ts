import assert from 'node:assert/strict';
import { errorText } from '../../src/errorText.js';

describe('errorText', () => {
  it("is an Error's message, or its name when the message is empty", () => {
    assert.equal(errorText(new Error('connection refused')), 'connection refused');
    assert.equal(errorText(new TypeError('')), 'TypeError');
    class LeaseLost extends Error {
      override name = 'LeaseLost';
    }
    assert.equal(errorText(new LeaseLost()), 'LeaseLost');
  });

  it('writes anything else thrown as a string', () => {
    assert.equal(errorText('plain'), 'plain');
    assert.equal(errorText(42), '42');
    assert.equal(errorText(undefined), 'undefined');
    assert.equal(errorText(null), 'null');
    assert.equal(errorText({ toString: () => 'custom' }), 'custom');
  });

  it('never throws, whatever was thrown', () => {
    assert.equal(errorText(Object.create(null)), '[object Object]');
    assert.equal(
      errorText({
        toString: () => {
          throw new Error('boom');
        },
      }),
      '[object Object]',
    );
    assert.equal(errorText(Symbol('s')), 'Symbol(s)');
  });
});
