/**
 * Idle connected players cost Redis nothing: with 40 players connected through the SDK and no grant
 * waiting, the commands Redis executes per delivery sweep (INFO commandstats, script internals included)
 * are those of the server alone. Before the waiting set, every sweep read every connected player's inbox
 * (one HGETALL per player per sweep); the sweep here runs every 100 ms, so such a cost shows as 40 extra
 * commands per sweep.
 */
import assert from 'node:assert/strict';
import { Client, type Room as SdkRoom } from '@colyseus/sdk';
import { Redis } from 'ioredis';
import { bootRooms, type RoomsApp } from '../rooms/harness.js';
import { PlainRoom } from '../rooms/fixtures/rooms.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor, waitUntil } from '../helpers/processes.js';

const PLAYERS = 40;
const SWEEPS = 20;

/** Calls per command name since the server started (INFO's own calls left out). */
async function commandCalls(probe: Redis): Promise<Map<string, number>> {
  const text = await probe.info('commandstats');
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') out.set(m[1]!, Number(m[2]));
  return out;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
const diff = (a: Map<string, number>, b: Map<string, number>) => new Map([...b].map(([k, v]) => [k, v - (a.get(k) ?? 0)] as const).filter(([, v]) => v !== 0));

/**
 * Commands per sweep over the next `sweeps` sweeps. Each sweep reads the store's clock (TIME) once, and
 * nothing else in this server does within the window (the grant and serverstate loops run once a minute).
 */
async function perSweep(probe: Redis, sweeps: number): Promise<{ perSweep: number; sweeps: number; byCommand: Map<string, number> }> {
  const before = await commandCalls(probe);
  const after = await waitUntil(
    `${sweeps} delivery sweeps`,
    () => commandCalls(probe),
    (m) => (m.get('time') ?? 0) - (before.get('time') ?? 0) >= sweeps,
    20_000,
    25,
  );
  const d = diff(before, after);
  const n = d.get('time') ?? 0;
  return { perSweep: total(d) / n, sweeps: n, byCommand: d };
}

describe('idle connected players cost no Redis command', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  let app: RoomsApp;
  let probe: Redis;
  const rooms: SdkRoom[] = [];
  before(async () => {
    probe = new Redis(redis.url);
    app = await bootRooms({
      redis: redis.url,
      rooms: { plain: PlainRoom },
      roomsOptions: { serverState: { intervalMs: 60_000 } },
      bridge: { ledger: { pollIntervalMs: 60_000, deliverySweepMs: 100 }, grant: async () => ({}) },
    });
  });
  after(async () => {
    await Promise.all(rooms.map((r) => r.leave().catch(() => undefined)));
    await app?.shutdown();
    probe?.disconnect();
  });

  it(`${PLAYERS} connected players with nothing waiting add nothing to what each sweep costs`, async () => {
    // the server alone: what one sweep costs (one script reading the waiting set)
    await perSweep(probe, 2); // start-up work done
    const alone = await perSweep(probe, SWEEPS);

    const joinedFrom = await commandCalls(probe);
    const client = new Client(app.url);
    for (let i = 0; i < PLAYERS; i++) rooms.push(await client.joinOrCreate('plain', { userId: `idle-${i}` }));
    // each join reads the player's inbox and their unacknowledged grants once: wait for those reads to be done
    await waitUntil(
      'the joins read the inboxes',
      () => commandCalls(probe),
      (m) => (m.get('hgetall') ?? 0) - (joinedFrom.get('hgetall') ?? 0) >= 2 * PLAYERS,
    );
    await waitFor('every session attached', () => (app.rooms.online() === PLAYERS ? true : undefined));
    await perSweep(probe, 2); // the joins' reports written

    const withPlayers = await perSweep(probe, SWEEPS);
    assert.equal(withPlayers.byCommand.get('hgetall') ?? 0, 0, `no inbox read by the sweep: ${JSON.stringify([...withPlayers.byCommand])}`);
    assert.ok(
      withPlayers.perSweep - alone.perSweep < 0.5,
      `commands per sweep: ${alone.perSweep.toFixed(2)} alone, ${withPlayers.perSweep.toFixed(2)} with ${PLAYERS} players (${JSON.stringify([...withPlayers.byCommand])})`,
    );
    assert.ok(alone.perSweep <= 4, `one sweep is one script (EVALSHA, TIME, ZREMRANGEBYSCORE of expired players, ZRANGEBYSCORE): ${JSON.stringify([...alone.byCommand])}`);
  });
});
