/**
 * The one backoff curve, with each of its users' settings: the delays a user relies on (how soon a lease,
 * a subscribe, a report, a GameCenter call is tried again) and that none of them grows without bound.
 */
import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/backoff.js';

const seq = (n: number, f: (failures: number) => number) => Array.from({ length: n }, (_, i) => f(i + 1));

describe('backoffDelay', () => {
  it('doubles from the base after each failure, 0 counting as the first', () => {
    assert.deepEqual(
      seq(5, (n) => backoffDelay(n, { baseMs: 100 })),
      [100, 200, 400, 800, 1600],
    );
    assert.equal(backoffDelay(0, { baseMs: 100 }), 100);
  });

  it('stops at maxMs, and after maxDoublings', () => {
    assert.deepEqual(
      seq(6, (n) => backoffDelay(n, { baseMs: 1000, maxMs: 5000 })),
      [1000, 2000, 4000, 5000, 5000, 5000],
    );
    // the GameCenter zone/transfer retry: at most 32 × the base
    assert.deepEqual(
      seq(8, (n) => backoffDelay(n, { baseMs: 10, maxDoublings: 5 })),
      [10, 20, 40, 80, 160, 320, 320, 320],
    );
  });

  it('stays finite after any number of failures', () => {
    assert.equal(backoffDelay(10_000, { baseMs: 250, maxMs: 30_000, maxDoublings: 16 }), 30_000);
    assert.equal(backoffDelay(2000, { baseMs: 1, maxMs: 600_000 }), 600_000);
  });

  it("spread jitter: ±20 % around the curve, capped again, at least 1 ms (the lease's)", () => {
    const o = { baseMs: 1000, maxMs: 600_000, jitter: 'spread' as const };
    assert.equal(backoffDelay(3, { ...o, random: () => 0 }), 3200);
    assert.equal(backoffDelay(3, { ...o, random: () => 0.5 }), 4000);
    assert.equal(backoffDelay(3, { ...o, random: () => 0.999999 }), 4800);
    // at the cap the upper spread is cut off, the lower one stays
    assert.equal(backoffDelay(30, { ...o, random: () => 0.999999 }), 600_000);
    assert.equal(backoffDelay(30, { ...o, random: () => 0 }), 480_000);
    assert.equal(backoffDelay(1, { baseMs: 1, jitter: 'spread', random: () => 0 }), 1);
  });

  it("upperHalf jitter: between half and all of the delay (GameCenter's outbound retries)", () => {
    const o = { baseMs: 200, jitter: 'upperHalf' as const };
    assert.deepEqual(
      seq(3, (n) => backoffDelay(n, { ...o, random: () => 0 })),
      [100, 200, 400],
    );
    assert.deepEqual(
      seq(3, (n) => backoffDelay(n, { ...o, random: () => 0.999999 })),
      [200, 400, 800],
    );
  });

  it('uses Math.random when no source is given, within the jitter bounds', () => {
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(2, { baseMs: 1000, jitter: 'spread' });
      assert.ok(d >= 1600 && d <= 2400, String(d));
    }
  });
});
