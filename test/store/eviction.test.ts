/**
 * A Redis that may evict keys (a maxmemory with a policy other than noeviction) can delete an order record
 * or a tombstone shard: a lost or a doubled grant. On a real redis-server configured so: the bridge's store
 * logs it as an error once per policy (again when a reconnect finds another one), the health detail names
 * it without calling the process degraded, and a Redis that cannot evict says nothing.
 */
import assert from 'node:assert/strict';
import { evictionRiskOf } from '../../src/store/evictionRisk.js';
import { KeySpace, RedisStore } from '../../src/store/index.js';
import { bootBridge } from '../helpers/colyseus.js';
import { CapturingLogger } from '../helpers/logs.js';
import { waitFor } from '../helpers/processes.js';
import { RedisServer, useRedisServer } from '../helpers/redisServer.js';

const MESSAGE = /redis may evict the bridge's keys/;

describe('a Redis that may evict keys', function () {
  this.timeout(30_000);
  const plain = useRedisServer();
  const evicting = new RedisServer({ args: ['--maxmemory', '100mb', '--maxmemory-policy', 'allkeys-lru'] });
  before(async function () {
    this.timeout(20_000);
    await evicting.start();
  });
  after(() => evicting.dispose());

  it('reads INFO memory: a risk only with a maxmemory and a policy other than noeviction', () => {
    assert.deepEqual(evictionRiskOf('# Memory\r\nmaxmemory:104857600\r\nmaxmemory_policy:volatile-lru\r\n'), { policy: 'volatile-lru', maxmemory: 104857600 });
    assert.equal(evictionRiskOf('maxmemory:104857600\r\nmaxmemory_policy:noeviction\r\n'), undefined);
    assert.equal(evictionRiskOf('maxmemory:0\r\nmaxmemory_policy:allkeys-lru\r\n'), undefined, 'no maxmemory: nothing is evicted');
    assert.equal(evictionRiskOf('used_memory:1\r\n'), undefined);
  });

  it('logs an error once per policy, again when a reconnect finds another', async () => {
    const logger = new CapturingLogger();
    const store = new RedisStore({ connection: evicting.url, keys: new KeySpace('ev1:'), logger });
    try {
      const first = await waitFor('the eviction error', () => (logger.find(MESSAGE, 'error').length > 0 ? logger.find(MESSAGE, 'error') : undefined), 10_000);
      assert.equal(first[0]!.fields?.maxmemoryPolicy, 'allkeys-lru');
      assert.equal(first[0]!.fields?.maxmemory, 100 * 1024 * 1024);
      assert.deepEqual(await store.evictionRisk(), { policy: 'allkeys-lru', maxmemory: 100 * 1024 * 1024 });
      // a reconnect: the store's own check runs at 'ready', before this INFO on the same connection
      const reconnect = async () => {
        const ready = new Promise((resolve) => store.client.once('ready', resolve));
        await evicting.command('CLIENT', 'KILL', 'TYPE', 'normal');
        await ready;
        await store.evictionRisk();
      };
      await reconnect();
      assert.equal(logger.find(MESSAGE, 'error').length, 1, 'the same policy is not said again');
      await evicting.command('CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl');
      await reconnect();
      assert.deepEqual(
        logger.find(MESSAGE, 'error').map((l) => l.fields?.maxmemoryPolicy),
        ['allkeys-lru', 'volatile-ttl'],
      );
    } finally {
      await evicting.command('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      await store.close();
    }
  });

  it('the health detail names the policy; the process is not degraded for it', async () => {
    const app = await bootBridge({ bridge: { redis: evicting.url, keyPrefix: 'ev2:', http: { healthDetail: true } } });
    try {
      const r = await fetch(`${app.baseUrl}/platform/health`);
      const body = (await r.json()) as { status: string; store: { eviction?: { policy: string; problem: string } } };
      assert.equal(r.status, 200);
      assert.equal(body.status, 'ok');
      assert.equal(body.store.eviction?.policy, 'allkeys-lru');
      assert.match(body.store.eviction.problem, /set maxmemory-policy noeviction/);
    } finally {
      await app.shutdown();
    }
  });

  it('a Redis that cannot evict (no maxmemory, or noeviction) says nothing', async () => {
    await evicting.command('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    try {
      for (const url of [plain.url, evicting.url]) {
        const app = await bootBridge({ bridge: { redis: url, keyPrefix: 'ev3:', http: { healthDetail: true } } });
        try {
          const body = (await (await fetch(`${app.baseUrl}/platform/health`)).json()) as { status: string; store: Record<string, unknown> };
          assert.equal(body.status, 'ok');
          assert.equal('eviction' in body.store, false);
          assert.equal(app.logger.find(MESSAGE).length, 0);
        } finally {
          await app.shutdown();
        }
      }
    } finally {
      await evicting.command('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    }
  });
});
