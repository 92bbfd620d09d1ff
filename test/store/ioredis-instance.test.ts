/**
 * The game hands the bridge its own ioredis client, of either major (ioredis 6 is npm's `latest`): it is
 * accepted by shape, and the bridge works on a duplicate with its own fail-fast settings, so a payment
 * callback is answered "unavailable" promptly while Redis is down instead of hanging through the host
 * client's 20 reconnects per command. Cluster instances of both majors are accepted the same way.
 */
import assert from 'node:assert/strict';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { parseOptions } from '../../src/config.js';
import { registerPlatformBridge, StoreUnavailableError } from '../../src/index.js';
import { RedisStore, type RedisConnection } from '../../src/store/RedisStore.js';
import { CapturingLogger } from '../helpers/logs.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { within } from '../helpers/processes.js';

interface HostClient {
  options: object;
  on(event: string, listener: () => void): unknown;
  disconnect(): void;
}
/** Both majors' classes, typed by what this test calls (their own types do not unify). */
const majors: Array<{ major: string; Redis: new (url: string) => HostClient; Cluster: new (nodes: Array<{ host: string; port: number }>, options: object) => HostClient }> = [
  { major: '5', Redis: Redis5, Cluster: Cluster5 },
  { major: '6', Redis: Redis6, Cluster: Cluster6 },
];

describe('an ioredis instance passed as `redis`', function () {
  this.timeout(30_000);
  const redis = useRedisServer();

  for (const { major, Redis, Cluster } of majors) {
    describe(`ioredis ${major}`, () => {
      it('is accepted by shape and duplicated with the fail-fast settings, RESP2 and redisCommandTimeoutMs', async () => {
        const host = new Redis(redis.url);
        const store = new RedisStore({ connection: host as unknown as RedisConnection, logger: new CapturingLogger(), commandTimeoutMs: 345 });
        try {
          assert.notEqual(store.client as unknown, host, 'a private duplicate');
          const o = store.client.options as Record<string, unknown>;
          assert.deepEqual([o.commandTimeout, o.maxRetriesPerRequest, o.enableOfflineQueue, o.protocol], [345, 1, true, 2]);
          const hostOptions = host.options as Record<string, unknown>;
          assert.equal(hostOptions.commandTimeout, undefined, "the host's own client is left as it was");
          await store.ping(2000);
          assert.equal(await store.get(store.keys.key('io', major)), null);
        } finally {
          await store.close();
          host.disconnect();
        }
      });

      it('ledger.accept fails fast with StoreUnavailableError while Redis is down, and works again after', async () => {
        const host = new Redis(redis.url); // the host's defaults: 20 retries per command, no command timeout
        host.on('error', () => undefined); // the host's client reports the outage its own way
        const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
        const bridge = registerPlatformBridge(server, { redis: host as unknown as Redis5, redisCommandTimeoutMs: 300, logger: new CapturingLogger(), grant: async () => ({}) });
        const order = { source: 'test', orderId: `io${major}-${Date.now()}`, userId: 'u1', amount: 1, raw: {} };
        try {
          assert.equal((await bridge.ledger.accept(order)).status, 'accepted');
          await redis.stop();
          const started = Date.now();
          const failed = await within(
            5000,
            'an answer while Redis is down',
            bridge.ledger.accept({ ...order, orderId: `${order.orderId}-b` }).then(
              () => undefined,
              (e: unknown) => e,
            ),
          );
          assert.ok(failed instanceof StoreUnavailableError, `StoreUnavailableError, got ${String(failed)}`);
          assert.ok(Date.now() - started < 5000);
          await redis.start(redis.port);
          const again = await within(
            15_000,
            'accepted once Redis is back',
            (async () => {
              for (;;) {
                try {
                  return await bridge.ledger.accept({ ...order, orderId: `${order.orderId}-b` });
                } catch {
                  await new Promise((r) => setTimeout(r, 100));
                }
              }
            })(),
          );
          assert.equal(again.status, 'accepted');
        } finally {
          await bridge.close();
          host.disconnect();
        }
      });

      it('a Cluster instance is accepted by shape, its duplicate gets the fail-fast node settings', () => {
        const cluster = new Cluster([{ host: '127.0.0.1', port: redis.port }], { lazyConnect: true, redisOptions: { username: 'kept' } });
        try {
          const parsed = parseOptions({ redis: cluster as unknown as Cluster5 });
          assert.equal(parsed.redis as unknown, cluster);
          const store = new RedisStore({ connection: cluster as unknown as RedisConnection, logger: new CapturingLogger(), commandTimeoutMs: 456 });
          const ro = (store.client.options as { redisOptions: Record<string, unknown> }).redisOptions;
          assert.deepEqual([ro.commandTimeout, ro.maxRetriesPerRequest, ro.protocol, ro.username], [456, 1, 2, 'kept']);
          store.client.disconnect();
        } finally {
          cluster.disconnect();
        }
      });
    });
  }
});
