/**
 * A gift handler slower than its claim lease: the claim is renewed while it runs, so a retry meanwhile is
 * "in progress" and never a second run. One past `giftHandlerTimeoutMs`: its signal aborts, the claim is
 * released and the platform is told to retry (-7); the retry runs it again.
 */
import assert from 'node:assert/strict';
import type { GiftHandler, GiftRequest } from '../../src/platforms/recharge/index.js';
import { waitUntil } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { GIFT_KEY, bootRecharge, giftRedemption, sendJson, type RechargeApp } from './support.js';

describe('gift handlers: claim renewal and deadline', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  const calls: GiftRequest[] = [];
  let behaviour: GiftHandler = async () => ({ ok: true });
  let app: RechargeApp;
  before(
    async () =>
      (app = await bootRecharge({
        redisUrl: redis.url,
        recharge: {
          giftKey: GIFT_KEY,
          giftHandler: (req) => {
            calls.push(req);
            return behaviour(req);
          },
          zones: [270080],
          giftClaimLeaseMs: 1000,
          giftHandlerTimeoutMs: 3000,
        },
      })),
  );
  after(async () => app.close());
  beforeEach(() => app.logger.clear());

  it('a handler running 2.5 leases keeps its claim: a retry meanwhile is answered in progress, the handler runs once', async () => {
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    calls.length = 0;
    behaviour = async () => {
      await done;
      return { ok: true };
    };
    const request = giftRedemption();
    const sentAt = Date.now();
    const first = sendJson(app.socketPort, request);
    await waitUntil(
      'the handler runs',
      () => calls.length,
      (n) => n > 0,
    );
    // two and a half leases on: without renewal, the claim would have expired long ago
    const claimKey = app.store.keys.key('gift', 'claim', String(request.userId), String(request.codeNo));
    await waitUntil(
      '2.5 leases pass with the claim still held',
      async () => [Date.now() - sentAt, await app.store.pttl(claimKey)],
      ([age, ttl]) => ttl! > 0 && age! >= 2500,
      10_000,
      100,
    );
    const retry = await sendJson(app.socketPort, request);
    assert.equal(retry.reply.code, '-9', `in progress: ${JSON.stringify(retry.reply)}`);
    finish();
    assert.equal((await first).reply.code, '1');
    assert.equal(calls.filter((c) => c.codeNo === request.codeNo).length, 1);
    assert.equal((await sendJson(app.socketPort, request)).reply.code, '-5');
  });

  it('a handler past its deadline: signal aborted, claim released, -7 logged; the retry runs it again', async () => {
    const signals: AbortSignal[] = [];
    behaviour = async (req) => {
      signals.push(req.signal);
      if (signals.length === 1) await new Promise((resolve) => req.signal.addEventListener('abort', resolve, { once: true }));
      return { ok: true };
    };
    const request = giftRedemption();
    const first = await sendJson(app.socketPort, request);
    assert.deepEqual([first.reply.code, first.reply.desc], ['-7', 'gift handler failed, retry later']);
    assert.equal(signals[0]!.aborted, true);
    assert.equal(app.logger.find('gift handler timed out', 'warn').length, 1);
    assert.equal((await sendJson(app.socketPort, request)).reply.code, '1', 'the claim was released: the retry ran it');
    assert.equal(signals.length, 2);
  });
});
