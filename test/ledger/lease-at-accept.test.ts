/**
 * An order accepted on a process is recorded already leased to that process's grant worker, in the accept
 * step itself: its grant starts there at once, with no claim's round trip. Counted on a real redis-server
 * with MONITOR: between the platform's request and the grant, no claim script runs at all (the periodic
 * look is set to a minute, so only a claim made for this order could show up).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { grantLease } from '../../src/ledger/scripts.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { bootRecharge, granted, httpAnswer, httpOrder, type RechargeApp } from '../recharge/support.js';
import type { GrantContext, LedgerRecord } from '../../src/ledger/types.js';

describe('an order is leased to the accepting process in the accept step', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  let app: RechargeApp;
  const seen: Array<{ order: LedgerRecord; ctx: GrantContext }> = [];
  before(async () => {
    app = await bootRecharge({
      redisUrl: redis.url,
      ledger: { pollIntervalMs: 60_000 },
      grant: (order, ctx) => {
        seen.push({ order, ctx });
        return { items: [] };
      },
    });
  });
  after(async () => app?.close());

  it('grants it without a claim: attempt 1, under fence 1, the same record a claim would have read', async () => {
    const claimSha = createHash('sha1').update(grantLease.claim.lua).digest('hex');
    // monitor() opens a connection of its own: both are closed at the end
    const base = new Redis(redis.url);
    const monitor = await base.monitor();
    const calls: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => void calls.push(args));
    try {
      const bodies = [httpOrder(), httpOrder()];
      const answers = await Promise.all(bodies.map((b) => app.post(b)));
      assert.deepEqual(
        answers.map((a) => a.text),
        [httpAnswer(1, 'succeed'), httpAnswer(1, 'succeed')],
      );
      const keys = bodies.map((b) => `recharge:${String(b.cporder_no)}`);
      for (const key of keys) await granted(app, key);
      // a script runs as EVALSHA, or as EVAL the first time Redis sees it
      const scriptCalls = calls.filter((a) => ['evalsha', 'eval'].includes(a[0]?.toLowerCase() ?? ''));
      const claims = scriptCalls.filter((a) => a[1] === claimSha || a[1] === grantLease.claim.lua);
      assert.equal(claims.length, 0, `no claim ran (${claims.length})`);
      const scripts = scriptCalls.length;
      assert.ok(scripts >= 2 && scripts <= 4, `accepts and completes only (${scripts} script calls)`);
      for (const key of keys) {
        const run = seen.find((s) => s.order.dedupeKey === key)!;
        assert.equal(run.ctx.attempt, 1);
        assert.equal(run.ctx.idempotencyKey, key);
        const fresh = await app.ledger.get(key);
        assert.equal(fresh?.state, 'granted');
        assert.deepEqual({ ...run.order, state: 'granted' }, { ...fresh, state: 'granted', attempts: 0, updatedAt: run.order.updatedAt, grantedAt: undefined, result: undefined });
        const timeline = await app.ledger.timeline(key);
        assert.deepEqual(
          timeline.map((e) => e.event),
          ['accepted', 'lease_taken', 'granted'],
        );
        assert.equal(timeline[1]!.process, timeline[0]!.process, 'leased to the process that accepted it');
      }
    } finally {
      monitor.disconnect();
      base.disconnect();
    }
  });
});
