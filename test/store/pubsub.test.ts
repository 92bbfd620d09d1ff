/**
 * Pub/sub that heals, on a real redis-server: every wanted channel is subscribed again after Redis
 * restarts, a SUBSCRIBE that fails (Redis down when the bridge starts, or refused) is retried with backoff
 * and logged, and messages flow again without the game doing anything.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { KeySpace, RedisStore } from '../../src/store/index.js';
import { CapturingLogger } from '../helpers/logs.js';
import { waitFor } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';

describe('Redis store pub/sub heals', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  const open: RedisStore[] = [];
  const store = (logger = new CapturingLogger()) => {
    const s = new RedisStore({ connection: redis.url, keys: new KeySpace('ps:'), logger, commandTimeoutMs: 300 });
    open.push(s);
    return { s, logger };
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  /** Publishes numbered messages from `pub` until `seen` has one; returns ms from `since` to that moment. */
  async function deliveredWithin(pub: RedisStore, channel: string, seen: string[], since: number): Promise<number> {
    let n = 0;
    await waitFor(
      `a message on ${channel}`,
      async () => {
        if (seen.length > 0) return true;
        await pub.publish(channel, `m${++n}`).catch(() => undefined);
        return seen.length > 0 ? true : undefined;
      },
      15_000,
      20,
    );
    return Date.now() - since;
  }

  it('after a Redis restart every wanted channel delivers again (online delivery measured)', async () => {
    const { s: sub, logger } = store();
    const { s: pub } = store();
    const a: string[] = [];
    const b: string[] = [];
    await sub.subscribe('ch-a', (m) => a.push(m));
    await sub.subscribe('ch-b', (m) => b.push(m));
    await pub.publish('ch-a', 'before');
    await waitFor('delivery before the restart', () => (a.length === 1 ? true : undefined));
    a.length = 0;

    await redis.stop();
    await redis.start(redis.port);
    const restartedAt = Date.now();
    const msA = await deliveredWithin(pub, 'ch-a', a, restartedAt);
    const msB = await deliveredWithin(pub, 'ch-b', b, restartedAt);
    console.log(`      online delivery after a Redis restart: ch-a ${msA} ms, ch-b ${msB} ms after redis-server was up`);
    assert.equal(logger.find('pub/sub handler threw', 'error').length, 0);
  });

  it('a first SUBSCRIBE while Redis is down is retried with backoff, logged, and delivers once Redis is up', async () => {
    await redis.stop();
    const { s: sub, logger } = store();
    const got: string[] = [];
    // resolves with the handler registered, instead of failing the caller for good
    const unsubscribe = await sub.subscribe('late', (m) => got.push(m));
    assert.equal(typeof unsubscribe, 'function');
    await waitFor('the failed subscribe logged', () => (logger.find('pub/sub: subscribe failed; retrying with backoff', 'warn').length > 0 ? true : undefined));
    const line = logger.find('pub/sub: subscribe failed; retrying with backoff', 'warn')[0]!;
    assert.equal(line.fields?.channel, 'late');
    assert.equal(typeof line.fields?.retryInMs, 'number');

    await redis.start(redis.port);
    const { s: pub } = store();
    await deliveredWithin(pub, 'late', got, Date.now());
    await unsubscribe();
    const before = got.length;
    await pub.publish('late', 'after unsubscribe');
    await pub.publish('other', 'x');
    await new Promise((r) => setImmediate(r));
    assert.equal(got.length, before, 'nothing after unsubscribing');
  });

  it('a SUBSCRIBE refused by Redis (ACL) is retried until allowed, without a reconnect', async () => {
    const admin = new Redis(redis.url);
    try {
      await admin.call('ACL', 'SETUSER', 'default', 'resetchannels', '&open');
      const { s: sub, logger } = store();
      const got: string[] = [];
      await sub.subscribe('guarded', (m) => got.push(m));
      await waitFor('the refusal logged', () => (logger.find('pub/sub: subscribe failed', 'warn').length > 0 ? true : undefined));
      assert.match(String(logger.find('pub/sub: subscribe failed', 'warn')[0]!.fields?.error), /NOPERM|permission/i);
      await admin.call('ACL', 'SETUSER', 'default', 'allchannels');
      const { s: pub } = store();
      await deliveredWithin(pub, 'guarded', got, Date.now());
      await waitFor('the recovery logged', () => (logger.find('pub/sub: subscribed again', 'info').length > 0 ? true : undefined));
    } finally {
      await admin.call('ACL', 'SETUSER', 'default', 'allchannels').catch(() => undefined);
      admin.disconnect();
    }
  });
});
