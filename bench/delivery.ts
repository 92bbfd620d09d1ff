/**
 * Delivery figures, with real processes on the bench's Redis (bench/deliveryProcess.ts):
 *
 * `idle_player_redis_ops_per_min`: the commands Redis executes (INFO commandstats, script internals
 * included) during a window with 200 idle players connected to a game server, minus those during an equal
 * window with none (the server's own background: grant polls, serverstate, the delivery sweep), per
 * player per minute. The window is 60 s as DESIGN.md states (BENCH_IDLE_WINDOW_MS shortens it; the figure
 * is scaled to a minute).
 *
 * `grant_delivery_p99_ms`: process B accepts 100 orders a second for players connected to process A (the
 * game server); from B's accept answered to the grant message in the player's client (this process), p99.
 */
import { Client, type Room as SdkRoom } from '@colyseus/sdk';
import { Redis } from 'ioredis';
import { freePort } from '../test/helpers/ports.js';
import { spawnTs, waitFor, waitUntil, type Spawned } from '../test/helpers/processes.js';
import type { Figure } from './lib/report.js';

const FILE = 'bench/deliveryProcess.ts';
const IDLE_PLAYERS = 200;
const DELIVERY_PLAYERS = 100;
const RATE = 100;
const ORDERS = 1000;
const now = () => performance.timeOrigin + performance.now();

async function startRooms(redisUrl: string, prefix: string): Promise<{ proc: Spawned; url: string }> {
  const port = await freePort();
  const proc = spawnTs(FILE, { ROLE: 'rooms', REDIS_URL: redisUrl, PORT: String(port), KEY_PREFIX: prefix });
  await waitFor('game server', () => (proc.output().includes('ready') ? true : proc.proc.exitCode !== null ? Promise.reject(new Error(proc.output())) : undefined), 30_000);
  return { proc, url: `ws://127.0.0.1:${port}` };
}

async function commandCalls(probe: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await probe.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) if (m[1] !== 'info') out.set(m[1]!, Number(m[2]));
  return out;
}
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

async function commandsOver(probe: Redis, ms: number): Promise<{ total: number; byCommand: Record<string, number> }> {
  const before = await commandCalls(probe);
  await new Promise((r) => setTimeout(r, ms));
  const after = await commandCalls(probe);
  const byCommand: Record<string, number> = {};
  for (const [k, v] of after) if (v - (before.get(k) ?? 0) !== 0) byCommand[k] = v - (before.get(k) ?? 0);
  return { total: total(after) - total(before), byCommand };
}

async function join(url: string, count: number, prefix: string): Promise<SdkRoom[]> {
  const client = new Client(url);
  const rooms: SdkRoom[] = [];
  for (let i = 0; i < count; i += 20) rooms.push(...(await Promise.all(Array.from({ length: Math.min(20, count - i) }, (_, j) => client.joinOrCreate('battle', { userId: `${prefix}${i + j}` })))));
  return rooms;
}

export async function benchIdlePlayers(redisUrl: string, windowMs = Number(process.env.BENCH_IDLE_WINDOW_MS ?? 60_000)): Promise<Figure> {
  const probe = new Redis(redisUrl);
  const { proc, url } = await startRooms(redisUrl, 'bench-idle:');
  let rooms: SdkRoom[] = [];
  try {
    await new Promise((r) => setTimeout(r, 2000)); // start-up work (first polls, first serverstate write) done
    const alone = await commandsOver(probe, windowMs);
    const joinedFrom = await commandCalls(probe);
    rooms = await join(url, IDLE_PLAYERS, 'idle-');
    // each join reads the player's inbox and unacknowledged grants once; then the joins' reports are written
    await waitUntil(
      'joins settled',
      () => commandCalls(probe),
      (m) => (m.get('hgetall') ?? 0) - (joinedFrom.get('hgetall') ?? 0) >= 2 * IDLE_PLAYERS,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const withPlayers = await commandsOver(probe, windowMs);
    const added = withPlayers.total - alone.total;
    const perPlayerPerMin = added / IDLE_PLAYERS / (windowMs / 60_000);
    return {
      value: perPlayerPerMin,
      unit: 'commands/player/min',
      target: '≤ 0.1',
      ok: perPlayerPerMin <= 0.1,
      note: `${IDLE_PLAYERS} idle players for ${windowMs / 1000} s: ${withPlayers.total} commands vs ${alone.total} without players (${JSON.stringify(withPlayers.byCommand)} vs ${JSON.stringify(alone.byCommand)})${windowMs !== 60_000 ? '; scaled to a minute' : ''}`,
    };
  } finally {
    await Promise.all(rooms.map((r) => r.leave().catch(() => undefined)));
    proc.kill('SIGKILL');
    await proc.exited();
    probe.disconnect();
  }
}

export async function benchGrantDelivery(redisUrl: string, orders = ORDERS): Promise<Figure> {
  const prefix = 'bench-delivery:';
  const a = await startRooms(redisUrl, prefix);
  const b = spawnTs(FILE, { ROLE: 'grants', REDIS_URL: redisUrl, KEY_PREFIX: prefix, RATE: String(RATE), COUNT: String(orders), USERS: String(DELIVERY_PLAYERS) }, [], { stdin: true });
  let rooms: SdkRoom[] = [];
  try {
    await waitFor('granting process', () => (b.output().includes('ready') ? true : b.proc.exitCode !== null ? Promise.reject(new Error(b.output())) : undefined), 30_000);
    rooms = await join(a.url, DELIVERY_PLAYERS, 'p');
    const received = new Map<string, number>();
    /** From the grant recorded on B (its grantedAt, ms) to the client: the delivery's own share. */
    const fromGrant: number[] = [];
    for (const room of rooms)
      room.onMessage('grant', (g: { orderId: string; grantedAt: number }) => {
        const at = now();
        received.set(g.orderId, at);
        fromGrant.push(at - g.grantedAt);
      });
    b.send('go');
    await waitFor('every order accepted', () => (b.output().includes('sent') ? true : b.proc.exitCode !== null ? Promise.reject(new Error(b.output())) : undefined), orders * 20 + 30_000, 20);
    await waitUntil(
      'every grant received',
      () => received.size,
      (n) => n >= orders,
      30_000,
      20,
    ).catch(() => undefined);
    const answered = new Map<string, number>();
    for (const m of b.output().matchAll(/^acc (\S+) ([\d.]+)$/gm)) answered.set(m[1]!, Number(m[2]));
    const latencies: number[] = [];
    let lost = 0;
    for (const [orderId, at] of answered) {
      const got = received.get(orderId);
      if (got === undefined) lost++;
      else latencies.push(got - at);
    }
    if (!latencies.length) throw new Error(`grant delivery bench: nothing delivered\n${b.output().slice(-2000)}`);
    latencies.sort((x, y) => x - y);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
    const p99 = pct(99);
    fromGrant.sort((x, y) => x - y);
    const grantP99 = fromGrant[Math.min(fromGrant.length - 1, Math.ceil(0.99 * fromGrant.length) - 1)]!;
    return {
      value: p99,
      unit: 'ms',
      target: '≤ 20',
      ok: p99 <= 20 && lost === 0,
      note: `${latencies.length} of ${answered.size} orders at ${RATE}/s from process B to ${DELIVERY_PLAYERS} players on process A; p50 ${pct(50).toFixed(1)}, p90 ${pct(90).toFixed(1)}, max ${latencies.at(-1)!.toFixed(1)} ms; from the grant recorded on B to the client p99 ${grantP99.toFixed(1)} ms${lost ? `; ${lost} not received` : ''}`,
    };
  } finally {
    await Promise.all(rooms.map((r) => r.leave().catch(() => undefined)));
    for (const p of [a.proc, b]) p.kill('SIGKILL');
    await Promise.all([a.proc.exited(), b.exited()]);
  }
}
