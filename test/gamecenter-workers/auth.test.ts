import assert from 'node:assert/strict';
import { GameCenterAuthError, gameCenterOnAuth } from '../../src/platforms/gamecenter/auth.js';
import { useWorld } from './support.js';

describe('GameCenter onAuth verifier against the double', function () {
  const w = useWorld();
  beforeEach(() => {
    w.double.addUser('1001', 'tok-a');
    w.double.addUser('1002', 'tok-b');
    w.double.addUser('1003', 'tok-c');
  });
  const checks = () => w.double.requestsTo('auth.check_status').length;

  it('returns { userId } for a valid token and caches the answer briefly', async () => {
    const onAuth = gameCenterOnAuth(w.client(), { cacheMs: 1000, now: w.clock.now });
    assert.deepEqual(await onAuth('tok-a', { userId: '1001' }), { userId: '1001' });
    assert.deepEqual(await onAuth('tok-a', { userId: '1001' }, {}), { userId: '1001' });
    assert.equal(checks(), 1);
    w.clock.advance(1001);
    await onAuth('tok-a', { userId: '1001' });
    assert.equal(checks(), 2);
  });

  it('refuses a wrong token, a token of another user, and a missing userId', async () => {
    const onAuth = gameCenterOnAuth(w.client(), { cacheMs: 1000 });
    await assert.rejects(onAuth('nope', { userId: '1001' }), (e: unknown) => e instanceof GameCenterAuthError && e.code === 525 && e.gameCenterCode === 922);
    await assert.rejects(onAuth('tok-b', { userId: '1001' }), GameCenterAuthError);
    await assert.rejects(onAuth('tok-a', {}), /userId/);
    await assert.rejects(onAuth('', { userId: '1001' }), /token/);
    w.double.failNext('auth.check_status', { httpStatus: 502 }, 3);
    await assert.rejects(onAuth('tok-c', { userId: '1003' }), /could not check/);
  });

  it('keeps at most maxEntries confirmed tokens', async () => {
    const onAuth = gameCenterOnAuth(w.client(), { cacheMs: 60_000, maxEntries: 2, now: w.clock.now });
    await onAuth('tok-a', { userId: '1001' });
    await onAuth('tok-b', { userId: '1002' });
    await onAuth('tok-a', { userId: '1001' }); // a hit: 1001 becomes the most recent
    await onAuth('tok-c', { userId: '1003' }); // evicts 1002
    assert.equal(checks(), 3);
    await onAuth('tok-a', { userId: '1001' });
    assert.equal(checks(), 3);
    await onAuth('tok-b', { userId: '1002' });
    assert.equal(checks(), 4);
  });
});
