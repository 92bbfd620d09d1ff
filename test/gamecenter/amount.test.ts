import assert from 'node:assert/strict';
import { formatAmount2 } from '../../src/platforms/gamecenter/amount.js';

describe('gamecenter amount formatting', () => {
  it('writes exactly two decimals', () => {
    assert.equal(formatAmount2(100), '100.00');
    assert.equal(formatAmount2(100.23), '100.23');
    assert.equal(formatAmount2(0.1 + 0.2), '0.30');
    assert.equal(formatAmount2(7.5), '7.50');
    assert.equal(formatAmount2('7.5'), '7.50');
    assert.equal(formatAmount2('0100.2'), '100.20');
    assert.equal(formatAmount2('12'), '12.00');
    assert.equal(formatAmount2('0.01'), '0.01');
  });

  it('refuses amounts it cannot write exactly, and non-positive ones', () => {
    for (const bad of [1.005, 0.001, 0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1.005', '1e3', '-1', '0.00', '', 'abc', '1,00']) {
      assert.throws(() => formatAmount2(bad), RangeError, String(bad));
    }
  });
});
