/**
 * The server side of the recharge benchmarks, in its own process so the load generator does not share
 * its event loop. It serves the real recharge route and socket, and a bare route on the same server that
 * reads the body and does one Redis SET NX on the bridge's own connection: the baseline. With METRICS=1 the
 * bridge also serves its Prometheus metrics.
 */
import { createEndpoint, defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge } from '../src/index.js';

const { REDIS_URL, PORT, SOCKET_PORT, KEEP_ALIVE, METRICS, KEY_PREFIX } = process.env as Record<string, string>;
const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
const bridge = registerPlatformBridge(server, {
  redis: REDIS_URL,
  logLevel: 'error',
  ...(KEY_PREFIX ? { keyPrefix: KEY_PREFIX } : {}),
  // METRICS=1: the same server with Prometheus metrics on, for the metrics overhead figure
  ...(METRICS === '1' ? { metrics: { enabled: true, ipAllowList: ['127.0.0.1'] } } : {}),
  recharge: {
    key: 'bench-recharge-key',
    socket: { host: '127.0.0.1', port: Number(SOCKET_PORT), maxConnections: 1024, maxConnectionsPerIp: 1024, keepAlive: KEEP_ALIVE === '1' },
  },
});
let n = 0;
server.router = server.router.extend({
  benchSetNx: createEndpoint('/bench/setnx', { method: 'POST', disableBody: true }, async (ctx) => {
    await ctx.request!.text();
    const ok = await bridge.store.set(bridge.store.keys.key('bench', process.pid, n++), '1', { nx: true });
    return Response.json({ result: ok });
  }),
  // a full collection before each measured round, so no round inherits another's garbage (needs node --expose-gc)
  benchGc: createEndpoint('/bench/gc', { method: 'POST' }, () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    return Promise.resolve(Response.json({ collected: gc !== undefined }));
  }),
});
await server.listen(Number(PORT), '127.0.0.1');
console.log('ready');
// a failed shutdown is printed and exits non-zero, as an unhandled rejection would
process.on('SIGTERM', () => {
  (async () => {
    await server.gracefullyShutdown(false);
    process.exit(0);
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
