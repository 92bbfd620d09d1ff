/**
 * The processes of the delivery figures (bench/delivery.ts), each a real bridge on the bench's Redis:
 * - ROLE=rooms: a Colyseus server with a `battle` room and the bridge's default options and no grant
 *   handler (players connect here; grants made elsewhere reach them here). Prints `ready port=<n>`.
 * - ROLE=grants: a bridge with a grant handler and no players. On `go` (stdin) it accepts RATE orders a
 *   second for COUNT orders over USERS players and prints `acc <orderId> <ms>` when each accept is answered
 *   (ms: performance.timeOrigin + performance.now(), which every process on the host shares to the µs).
 */
import { createInterface } from 'node:readline';
import { Room, defineServer, type Client } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge } from '../src/index.js';

const { ROLE, REDIS_URL, PORT, KEY_PREFIX, RATE, COUNT, USERS } = process.env as Record<string, string>;
const now = () => performance.timeOrigin + performance.now();

class BattleRoom extends Room {
  override onJoin(_client: Client, _options: { userId: string }) {}
}

const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
if (ROLE === 'rooms') server.define('battle', BattleRoom);
const bridge = registerPlatformBridge(server, {
  redis: REDIS_URL,
  keyPrefix: KEY_PREFIX,
  logLevel: 'error',
  ...(ROLE === 'grants' ? { grant: async (o) => ({ items: [{ id: 'gem', n: o.amount }] }) } : {}),
});
// a failed shutdown is printed and exits non-zero, as an unhandled rejection would
process.on('SIGTERM', () => {
  (async () => {
    await server.gracefullyShutdown(false).catch(() => undefined);
    process.exit(0);
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
await bridge.ledger.queued();
if (ROLE === 'rooms') {
  await server.listen(Number(PORT), '127.0.0.1');
  console.log(`ready port=${PORT}`);
} else {
  console.log('ready');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() !== 'go') continue;
    const rate = Number(RATE);
    const count = Number(COUNT);
    const users = Number(USERS);
    const start = now();
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < count; i++) {
      // paced from the start time, so a slow accept does not slow the offered load
      const wait = start + (i * 1000) / rate - now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const orderId = `d-${process.pid}-${i}`;
      pending.push(
        bridge.ledger.accept({ source: 'bench', orderId, userId: `p${i % users}`, amount: 10, raw: {} }).then(
          () => console.log(`acc ${orderId} ${now().toFixed(3)}`),
          (err: Error) => console.log(`err ${orderId} ${err.message}`),
        ),
      );
    }
    await Promise.all(pending);
    console.log('sent');
  }
}
