/**
 * The processes of the Redis footprint figures (bench/footprint.ts), each a real bridge on the bench's Redis:
 * - ROLE=rooms: a Colyseus server with a `battle` room and no grant handler (players connect here; grants
 *   made elsewhere reach them here). Prints `ready`.
 * - ROLE=accept: the recharge HTTP route (signed with the recharge bench's key, socket off) and a grant
 *   handler; no players. Prints `ready`. On the stdin line `queued` it prints `queued <n>`: the orders still
 *   pending or being granted (the ledger's public count), so the bench knows when every order is granted.
 * - ROLE=both: the two in one process (a single-process game: players on the process that grants).
 * LEDGER (JSON) is passed as the `ledger` options of both, so retention options reach whichever process writes.
 */
import { createInterface } from 'node:readline';
import { Room, defineServer, type Client } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge, type PlatformBridgeOptions } from '../src/index.js';

const { ROLE, REDIS_URL, PORT, KEY_PREFIX, LEDGER } = process.env as Record<string, string | undefined>;

class BattleRoom extends Room {
  override onJoin(_client: Client, _options: { userId: string }) {}
}

const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
if (ROLE === 'rooms' || ROLE === 'both') server.define('battle', BattleRoom);
const bridge = registerPlatformBridge(server, {
  redis: REDIS_URL,
  keyPrefix: KEY_PREFIX,
  logLevel: 'error',
  ...(LEDGER ? { ledger: JSON.parse(LEDGER) as PlatformBridgeOptions['ledger'] } : {}),
  ...(ROLE === 'accept' || ROLE === 'both'
    ? {
        recharge: { key: 'bench-recharge-key', socket: { enabled: false } },
        grant: (o) => Promise.resolve({ items: [{ id: 'gem', n: o.amount }] }),
      }
    : {}),
});
process.on('SIGTERM', () => {
  void server
    .gracefullyShutdown(false)
    .catch(() => undefined)
    .then(() => process.exit(0));
});
await bridge.ledger.queued();
await server.listen(Number(PORT), '127.0.0.1');
console.log('ready');
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === 'queued') console.log(`queued ${await bridge.ledger.queued()}`);
}
