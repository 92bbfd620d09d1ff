/**
 * The Redis footprint figures, measured from Redis's side only (INFO, MONITOR, SCAN, MEMORY USAGE) with real
 * bridge processes (bench/footprintProcess.ts) on the bench's Redis and orders sent over the real recharge
 * HTTP route with valid signatures, so they hold whatever the ledger's keys and scripts look like.
 *
 * Memory first (keys the command path leaves with short TTLs would expire into its readings): ORDERS orders
 * to ORDERS distinct players who never join, after a warm-up order (scripts loaded, per-day keys made; in
 * the tombstone run its record expires too, which lowers that figure by its size ÷ ORDERS, about 2 B).
 * used_memory less client buffers (see `held`) is read after a settle (SETTLE_MS, median of 3).
 * - `redis_bytes_per_order`: that once every order is granted (the ledger's queued count is 0)
 *   minus the same before the orders, per order: record, indexes, the waiting inbox entry.
 * - `redis_bytes_per_tombstone`: the same on a process with `ledger.recordDays` RECORD_MS and
 *   `dedupeDays` 400, read once the key groups the orders added whose TTL was within recordDays are gone,
 *   the waiting set is back to its size before them (its players whose inboxes expired leave at the next
 *   delivery sweep) and the key count has stopped changing (bounded: EXPIRY_GRACE_MS past recordDays),
 *   minus before, less what the keyspace's bucket arrays grew meanwhile: Redis sized them for the record
 *   phase's keys and shrinks a dict only once it is under a tenth full, so that growth is the records'
 *   (and, with the bench's other keys, depends on where their count falls between two powers of two; it
 *   read 67 and 73 B/order in two runs). The note gives the figure with it too.
 *
 * The command path: process A serves the recharge route and grants; process B is the game server, where
 * PLAYERS real SDK clients are joined. ORDERS orders go to A at RATE a second, round robin over the
 * players; the window ends TAIL_MS after the last grant reached its client.
 * - `redis_commands_per_order`: INFO commandstats calls summed over every command (those Lua scripts call
 *   included) over that window, minus the same servers' background (a BACKGROUND_MS window with no
 *   orders just before, scaled per second to the order window's length), per order.
 * - `redis_roundtrips_per_order`: commands the bridge's connections sent in that window (MONITOR lines
 *   whose source is a client, not `lua`; the probe's own left out), minus the background the same way, per
 *   order. Each pipelined command counts as one: MONITOR does not show how they were batched.
 *
 * The notes also give the same two readings on one process that grants and has the players (a
 * single-process game), where a grant is handed over by the step that records it.
 *
 * Notes break the figures down: commands by name, by script (sha, first key) and by process; bytes by key
 * group (SCAN grouped by key shape, MEMORY USAGE sampled) and what used_memory holds beyond the keys' usage.
 */
import { Client, type Room as SdkRoom } from '@colyseus/sdk';
import { Redis } from 'ioredis';
import { freePort } from '../test/helpers/ports.js';
import { spawnTs, waitFor, waitUntil, type Spawned } from '../test/helpers/processes.js';
import { describeChanges, groupChanges, keyGroups, keysByPattern, ttlText, type KeyGroup } from './lib/keyGroups.js';
import { callsBetween, clientNames, commandCalls, sum, TrafficRecorder, type Line } from './lib/redisTraffic.js';
import { rechargeOrder } from './recharge.js';
import type { Figure } from './lib/report.js';

const FILE = 'bench/footprintProcess.ts';
const ORDERS = Number(process.env.BENCH_FOOTPRINT_ORDERS ?? 1000);
const PLAYERS = 20;
const RATE = 200;
const BACKGROUND_MS = 3000;
const TAIL_MS = 1000;
const SETTLE_MS = 1200;
const RECORD_MS = 2000;
const EXPIRY_GRACE_MS = 10_000;
const PROBE = 'fp-probe';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

interface Started {
  proc: Spawned;
  port: number;
}

/** Every connection of the process is named `name` (ioredis takes it from the URL), so MONITOR lines tell processes apart. */
async function start(role: 'accept' | 'rooms' | 'both', redisUrl: string, prefix: string, name: string, ledger?: Record<string, number>): Promise<Started> {
  const port = await freePort();
  const proc = spawnTs(FILE, { ROLE: role, REDIS_URL: `${redisUrl}?connectionName=${name}`, PORT: String(port), KEY_PREFIX: prefix, ...(ledger ? { LEDGER: JSON.stringify(ledger) } : {}) }, [], {
    stdin: true,
  });
  await waitFor(`${name} ready`, () => (proc.output().includes('ready') ? true : proc.proc.exitCode !== null ? Promise.reject(new Error(proc.output())) : undefined), 30_000);
  return { proc, port };
}

async function stop(...started: Started[]): Promise<void> {
  const each = [...new Set(started)];
  for (const s of each) s.proc.kill('SIGKILL');
  await Promise.all(each.map((s) => s.proc.exited()));
}

async function postOrder(port: number, order: Record<string, unknown>): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/platform/recharge`, { method: 'POST', body: JSON.stringify(order), headers: { 'content-type': 'application/json' } });
  const body = await res.text();
  if (res.status !== 200 || !/\\?"ret\\?":1\b/.test(body)) throw new Error(`footprint bench: order not accepted (${res.status}): ${body.slice(0, 300)}`);
}

/** Open loop from the start time, so a slow answer does not slow the offered load. */
async function sendPaced(port: number, orders: Array<Record<string, unknown>>, rate: number): Promise<void> {
  const started = performance.now();
  const errors: unknown[] = [];
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < orders.length; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    pending.push(postOrder(port, orders[i]!).catch((e: unknown) => void errors.push(e)));
  }
  await Promise.all(pending);
  if (errors.length) throw errors[0];
}

async function sendAll(port: number, orders: Array<Record<string, unknown>>, connections = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < orders.length) await postOrder(port, orders[next++]!);
    }),
  );
}

/** The orders still pending or being granted on that process (the ledger's public count). */
async function queued(p: Started): Promise<number> {
  const from = p.proc.output().length;
  const answer = () => {
    const m = /queued (\d+)/.exec(p.proc.output().slice(from));
    return m ? Number(m[1]) : undefined;
  };
  p.proc.send('queued');
  return waitFor('queued count', answer, 10_000, 10);
}

async function allGranted(p: Started): Promise<void> {
  await waitUntil(
    'every order granted',
    () => queued(p),
    (n) => n === 0,
    60_000,
    100,
  );
}

interface Window {
  from: number;
  to: number;
  calls: Map<string, number>;
}

async function counted(probe: Redis, during: () => Promise<void>): Promise<Window> {
  const before = await commandCalls(probe);
  const from = Date.now();
  await during();
  const to = Date.now();
  return { from, to, calls: callsBetween(before, await commandCalls(probe)) };
}

/** `run - background × scale` per order, name by name, those of at least 0.05 a order, largest first. */
function perOrder(run: Map<string, number>, background: Map<string, number>, scale: number): string {
  return [...new Set([...run.keys(), ...background.keys()])]
    .map((k) => [k, ((run.get(k) ?? 0) - (background.get(k) ?? 0) * scale) / ORDERS] as const)
    .filter(([, v]) => Math.abs(v) >= 0.05)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k} ${round2(v)}`)
    .join(', ');
}

function tally<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

/** Each script, per order: how often it ran and which commands it made, background taken out; costliest first. */
function scriptCosts(run: Line[], background: Line[], scale: number, names: Map<string, string>): string {
  const scriptOf = (l: Line) => `${names.get(l.script!.source) ?? 'closed connection'} ${l.script!.name}`;
  const ofScripts = (lines: Line[]) => lines.filter((l) => l.script);
  const calls = (lines: Line[]) =>
    tally(
      ofScripts(lines).filter((l) => l.source !== 'lua'),
      scriptOf,
    );
  const inside = (lines: Line[]) =>
    tally(
      ofScripts(lines).filter((l) => l.source === 'lua'),
      (l) => `${scriptOf(l)}\t${l.command}`,
    );
  const [runCalls, bgCalls, runInside, bgInside] = [calls(run), calls(background), inside(run), inside(background)];
  const per = (m: Map<string, number>, bg: Map<string, number>, k: string) => ((m.get(k) ?? 0) - (bg.get(k) ?? 0) * scale) / ORDERS;
  return [...new Set([...runCalls.keys(), ...bgCalls.keys()])]
    .map((script) => {
      const made = [...new Set([...runInside.keys(), ...bgInside.keys()])]
        .filter((k) => k.startsWith(`${script}\t`))
        .map((k) => [k.slice(script.length + 1), per(runInside, bgInside, k)] as const)
        .filter(([, n]) => Math.abs(n) >= 0.05)
        .sort((x, y) => y[1] - x[1]);
      return { script, runs: per(runCalls, bgCalls, script), made, total: made.reduce((n, [, v]) => n + v, 0) };
    })
    .filter((s) => Math.abs(s.runs) >= 0.05)
    .sort((x, y) => y.total - x.total)
    .map((s) => `${s.script} ×${round2(s.runs)}: ${round2(s.total)} commands inside (${s.made.map(([c, n]) => `${c} ${round2(n)}`).join(', ')})`)
    .join('; ');
}

const CMD_PREFIX = 'bench-fp-cmd:';
const KEPT_PREFIX = 'bench-fp-mem:';
const EXPIRING_PREFIX = 'bench-fp-tomb:';

/** What one run of the order path read: the windows with and without orders, and MONITOR's lines of each. */
interface PathReading {
  orders: number;
  background: Window;
  run: Window;
  bgLines: Line[];
  runLines: Line[];
  /** Connection address → client name. */
  names: Map<string, string>;
  /** The order window's length over the background's. */
  scale: number;
  /** Grants that never reached their client, and those that reached it twice. */
  lost: number;
  twice: number;
}

/**
 * `orders` orders at RATE a second to `grants`, round robin over PLAYERS SDK players joined on `players`
 * (the same process or another), after a warm-up; the window ends TAIL_MS after the last grant reached its
 * client. `tag` names the orders and players. Both processes are stopped before it returns.
 */
async function readPath(probe: Redis, grants: Started, players: Started, keyPrefix: string, tag: string, orders: number): Promise<PathReading> {
  let rooms: SdkRoom[] = [];
  let traffic: TrafficRecorder | undefined;
  try {
    const client = new Client(`ws://127.0.0.1:${players.port}`);
    rooms = await Promise.all(Array.from({ length: PLAYERS }, (_, k) => client.joinOrCreate('battle', { userId: `${tag}-p${k}` })));
    const received = new Set<string>();
    let duplicates = 0;
    for (const room of rooms)
      room.onMessage('grant', (g: { orderId: string }) => {
        if (received.has(g.orderId)) duplicates++;
        else received.add(g.orderId);
      });
    const batch = (n: number, t: string) => Array.from({ length: n }, (_, i) => rechargeOrder(i, t, true, `${tag}-p${i % PLAYERS}`));
    // scripts loaded and both processes' paths warm before anything is counted
    await sendPaced(grants.port, batch(PLAYERS * 2, `${tag}w`), RATE);
    await waitUntil(
      'warm-up grants received',
      () => received.size,
      (n) => n >= PLAYERS * 2,
      30_000,
      20,
    );
    traffic = await TrafficRecorder.start(probe, keyPrefix);
    await sleep(SETTLE_MS);

    const background = await counted(probe, () => sleep(BACKGROUND_MS));
    const expected = received.size + orders;
    const duplicatesBefore = duplicates;
    const run = await counted(probe, async () => {
      await sendPaced(grants.port, batch(orders, `${tag}c`), RATE);
      await waitUntil(
        'every grant received',
        () => received.size,
        (n) => n >= expected,
        30_000,
        20,
      ).catch(() => undefined);
      await sleep(TAIL_MS);
    });
    await traffic.caughtUp(run.to + 50);

    const names = await clientNames(probe);
    const probeAddrs = new Set([...names].filter(([, n]) => n === PROBE).map(([addr]) => addr));
    return {
      orders,
      background,
      run,
      bgLines: traffic.window(background.from, background.to, probeAddrs),
      runLines: traffic.window(run.from, run.to, probeAddrs),
      names,
      scale: (run.to - run.from) / (background.to - background.from),
      lost: expected - received.size,
      twice: duplicates - duplicatesBefore,
    };
  } finally {
    traffic?.stop();
    await Promise.all(rooms.map((r) => r.leave().catch(() => undefined)));
    await stop(grants, players);
  }
}

const requestsOf = (lines: Line[]) => lines.filter((l) => l.source !== 'lua');

/** A grants, B has the players; both are stopped before it returns. */
async function commandPath(probe: Redis, a: Started, b: Started): Promise<{ commands: Figure; roundtrips: Figure }> {
  const { background, run, bgLines, runLines, names, scale, lost, twice } = await readPath(probe, a, b, CMD_PREFIX, 'fp', ORDERS);
  const commands = (sum(run.calls) - sum(background.calls) * scale) / ORDERS;
  const byProcess = (lines: Line[]) => tally(requestsOf(lines), (l) => `${names.get(l.source) ?? 'closed connection'} ${l.command}`);
  const roundtrips = (requestsOf(runLines).length - requestsOf(bgLines).length * scale) / ORDERS;
  const monitored = (runLines.length - bgLines.length * scale) / ORDERS;
  const seconds = (w: Window) => round1((w.to - w.from) / 1000);
  const path = `${ORDERS} orders at ${RATE}/s over the recharge HTTP route to process A, granted there, delivered to ${PLAYERS} SDK players on process B; window ${seconds(run)} s (to ${TAIL_MS} ms after the last grant reached its client)${lost ? `; ${lost} grants NOT received` : ''}${twice ? `; ${twice} grants received twice` : ''}`;
  return {
    commands: {
      value: commands,
      unit: 'commands/order',
      baseline: (sum(background.calls) * scale) / ORDERS,
      target: '≤ 10',
      ok: commands <= 10 && lost === 0,
      note: `INFO commandstats calls over every command (script internals included) minus the background (baseline, per order: ${sum(background.calls)} calls in ${seconds(background)} s without orders, scaled to the window); ${path}; per order by command: ${perOrder(run.calls, background.calls, scale)}; per order by script (process, sha and first key, from MONITOR): ${scriptCosts(runLines, bgLines, scale, names)}; MONITOR counted ${round2(monitored)} lines/order (cross-check)`,
    },
    roundtrips: {
      value: roundtrips,
      unit: 'requests/order',
      baseline: (requestsOf(bgLines).length * scale) / ORDERS,
      target: '≤ 3',
      ok: roundtrips <= 3 && lost === 0,
      note: `MONITOR lines sent by the bridge's connections (not by Lua, not by the bench's probe) minus the background the same way (baseline, per order; ${requestsOf(bgLines).length} requests in ${seconds(background)} s); a pipelined command counts as one; ${path}; per order by process (connection name) and command: ${perOrder(byProcess(runLines), byProcess(bgLines), scale)}`,
    },
  };
}

const ONE_PREFIX = 'bench-fp-one:';

/**
 * The same order path on one process that both grants and has the players (a single-process game), for the
 * notes: commands and requests per order, background taken out the same way. Stops `p` before it returns.
 */
async function onOneProcess(probe: Redis, p: Started): Promise<string> {
  const r = await readPath(probe, p, p, ONE_PREFIX, 'fp1', Math.ceil(ORDERS / 2));
  const commands = (sum(r.run.calls) - sum(r.background.calls) * r.scale) / r.orders;
  const requests = (requestsOf(r.runLines).length - requestsOf(r.bgLines).length * r.scale) / r.orders;
  return `on one process that grants and has the players (a single-process game; ${r.orders} orders, the same way): ${round2(commands)} commands and ${round2(requests)} requests per order${r.lost ? `; ${r.lost} grants NOT received` : ''}${r.twice ? `; ${r.twice} grants received twice` : ''}`;
}

interface Reading {
  used: number;
  clients: number;
  /** The keyspace's own hash tables (MEMORY STATS overhead.hashtable main + expires): bucket arrays and per-key entries. */
  tables: number;
  /**
   * Of `tables`, the bucket arrays alone (less 24 B per key in the main and expires dicts): sized by the most
   * keys the keyspace has held lately, since Redis shrinks a dict only once it is under a tenth full.
   */
  buckets: number;
  /** DBSIZE: every key, the bench's others included. */
  keys: number;
  groups: Map<string, KeyGroup>;
}

async function memory(probe: Redis): Promise<Omit<Reading, 'groups'>> {
  const info = await probe.info('memory');
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
  // MEMORY STATS: [name, value, …, 'db.0', [name, value, …], …]
  const stats = (await probe.call('MEMORY', 'STATS')) as unknown[];
  const db = stats[stats.indexOf('db.0') + 1];
  const dbStat = (name: string) => (Array.isArray(db) ? Number(db[db.indexOf(name) + 1]) : 0);
  const tables = dbStat('overhead.hashtable.main') + dbStat('overhead.hashtable.expires');
  const keyspace = await probe.info('keyspace');
  const m = /db0:keys=(\d+),expires=(\d+)/.exec(keyspace);
  const [keys, expires] = [Number(m?.[1] ?? 0), Number(m?.[2] ?? 0)];
  return { used: field('used_memory'), clients: field('mem_clients_normal'), tables, buckets: tables - (keys + expires) * 24, keys };
}

/**
 * used_memory less the client buffers (mem_clients_normal): those follow connections and what they last
 * sent (a query buffer is kept a while after a large script call), not orders, and swung the figures by
 * up to ±90 B/order between readings a second apart.
 */
const held = (r: Omit<Reading, 'groups'>) => r.used - r.clients;

/** After a settle (client buffers shrunk, rehashing done), the median of three reads, then the keys. */
async function reading(probe: Redis, prefix: string): Promise<Reading> {
  await sleep(SETTLE_MS);
  const reads: Array<Omit<Reading, 'groups'>> = [];
  for (let i = 0; i < 3; i++) {
    if (i) await sleep(100);
    reads.push(await memory(probe));
  }
  const mid = reads.sort((x, y) => held(x) - held(y))[1]!;
  return { ...mid, groups: await keyGroups(probe, prefix) };
}

/**
 * One warm-up order, a baseline, ORDERS orders to as many offline players, every one granted, a reading:
 * settled, or at once (`settle` false: keys whose records last only seconds are read before they go).
 */
async function grantedRun(probe: Redis, p: Started, prefix: string, tag: string, settle = true): Promise<{ before: Reading; after: Reading; grantedAt: number; waitingBefore: number }> {
  await postOrder(p.port, rechargeOrder(0, `${tag}w`, true, 'fp-warm'));
  await allGranted(p);
  const before = await reading(probe, prefix);
  const waitingBefore = await probe.zcard(`${prefix}{ledger}:waiting`);
  await sendAll(
    p.port,
    Array.from({ length: ORDERS }, (_, i) => rechargeOrder(i, tag, true, `fp-off-${i}`)),
  );
  await allGranted(p);
  const grantedAt = Date.now();
  const after = settle ? await reading(probe, prefix) : { ...(await memory(probe)), groups: await keyGroups(probe, prefix) };
  return { before, after, grantedAt, waitingBefore };
}

function memoryNote(from: Reading, to: Reading, prefix: string): string {
  const changes = groupChanges(from.groups, to.groups, prefix);
  const keyed = changes.reduce((n, c) => n + c.bytes, 0);
  return `by key group per order: ${describeChanges(changes, ORDERS, 'order')}; beyond the keys' own MEMORY USAGE (main dict, expires dict, allocator rounding) ${round1((held(to) - held(from) - keyed) / ORDERS)} B/order; the keyspace's hash tables (MEMORY STATS, their per-key entries also in MEMORY USAGE) grew ${round1((to.tables - from.tables) / ORDERS)} B/order; ${round2((to.keys - from.keys) / ORDERS)} keys/order; used_memory ${from.used} → ${to.used} (${round1((to.used - from.used) / ORDERS)} B/order), of which client buffers ${from.clients} → ${to.clients} (${round1((to.clients - from.clients) / ORDERS)} B/order)`;
}

/** `k` keeps records the default time, `e` has recordDays RECORD_MS. */
async function memoryFigures(probe: Redis, k: Started, e: Started): Promise<{ bytes: Figure; tombstones: Figure }> {
  const [kept, expiring] = [KEPT_PREFIX, EXPIRING_PREFIX];
  const full = await grantedRun(probe, k, kept, 'fpm');
  const perGranted = (held(full.after) - held(full.before)) / ORDERS;
  const bytes: Figure = {
    value: perGranted,
    unit: 'B/order',
    baseline: held(full.before),
    target: '≤ 1,500',
    ok: perGranted <= 1500,
    note: `used_memory less client buffers after ${ORDERS} orders to ${ORDERS} distinct offline players were granted minus before them (baseline, bytes), per order; ${memoryNote(full.before, full.after, kept)}`,
  };

  const run = await grantedRun(probe, e, expiring, 'fpt', false);
  // the key groups the orders added (a tenth of them will do: some may be gone already) and, of those, the ones recordDays
  // should remove: whose TTL is within it
  const perOrderGroups = [...run.after.groups.values()].filter((g) => g.keys.length - (run.before.groups.get(g.pattern)?.keys.length ?? 0) >= ORDERS / 10);
  const dueToExpire = perOrderGroups.filter((g) => g.ttlMs && g.ttlMs.max <= RECORD_MS + 1000).map((g) => g.pattern);
  await sleep(run.grantedAt + RECORD_MS - Date.now());
  const deadline = run.grantedAt + RECORD_MS + EXPIRY_GRACE_MS;
  // a player whose inbox expired leaves the waiting set at the next delivery sweep (ledger.deliverySweepMs),
  // not by a TTL: in steady state that is seconds past recordDays, so the reading waits for it too
  const waitingKey = `${expiring}{ledger}:waiting`;
  const counts: number[] = [];
  let left: Map<string, string[]>;
  let waitingNow: number;
  for (;;) {
    // SCAN also expires the keys it meets, so polling hastens what it waits for
    left = await keysByPattern(probe, expiring);
    counts.push([...left.values()].reduce((n, keys) => n + keys.length, 0));
    waitingNow = await probe.zcard(waitingKey);
    const gone = dueToExpire.every((p) => !left.has(p)) && waitingNow <= run.waitingBefore;
    const still = counts.length >= 5 && counts.slice(-5).every((c) => c === counts.at(-1));
    if ((gone && still) || Date.now() > deadline) break;
    await sleep(250);
  }
  const timedOut = !dueToExpire.every((p) => !left.has(p)) || waitingNow > run.waitingBefore;
  const after = await reading(probe, expiring);
  // the keyspace's bucket arrays grew with the records (5 keys an order) and stay that size until Redis
  // shrinks them (under a tenth full): the records' cost, not the tombstones' (0.1 key an order), so left out
  const bucketGrowth = after.buckets - run.before.buckets;
  const perTombstone = (held(after) - held(run.before) - bucketGrowth) / ORDERS;
  const expired = groupChanges(run.after.groups, after.groups, expiring).filter((c) => c.keys < 0);
  const removed = expired.length ? `removed per order once records expired: ${describeChanges(expired, ORDERS, 'order')}` : 'NOTHING expired';
  const why = dueToExpire.length
    ? timedOut
      ? `; ${waitingNow > run.waitingBefore ? `the waiting set still held ${waitingNow - run.waitingBefore} players` : `key groups ${dueToExpire.join(', ')} were still there`} ${EXPIRY_GRACE_MS / 1000} s past recordDays`
      : ''
    : `; no per-order key group had a TTL within recordDays (${perOrderGroups.map((g) => `${g.pattern} ${g.ttlMs ? `TTL ${ttlText(g.ttlMs)}` : 'no TTL'}`).join(', ')})`;
  const tombstones: Figure = {
    value: perTombstone,
    unit: 'B/order',
    baseline: held(run.before),
    target: '≤ 150',
    ok: perTombstone <= 150 && expired.length > 0 && !timedOut,
    note: `used_memory less client buffers once the records expired (ledger.recordDays ${RECORD_MS / 1000} s, dedupeDays 400; read ${round1((Date.now() - run.grantedAt) / 1000)} s after the last grant) minus before the orders (baseline, bytes), less the growth of the keyspace's bucket arrays (${round1(bucketGrowth / ORDERS)} B/order: sized by the record phase's keys and not yet shrunk by Redis; with it ${round1((held(after) - held(run.before)) / ORDERS)} B/order), per order${why}; ${removed}; what remains, ${memoryNote(run.before, after, expiring)}`,
  };
  return { bytes, tombstones };
}

export async function benchFootprint(redisUrl: string): Promise<Record<string, Figure>> {
  const probe = new Redis(redisUrl, { connectionName: PROBE });
  // all four started at once, to pay the start-up once
  const all = await Promise.all([
    start('accept', redisUrl, CMD_PREFIX, 'fp-accept'),
    start('rooms', redisUrl, CMD_PREFIX, 'fp-rooms'),
    start('accept', redisUrl, KEPT_PREFIX, 'fp-mem'),
    start('accept', redisUrl, EXPIRING_PREFIX, 'fp-tomb', { recordDays: RECORD_MS / 86_400_000, dedupeDays: 400 }),
  ]);
  const [a, b, k, e] = all;
  try {
    // memory first: keys the command path leaves with short TTLs (delivery claims, acks) would expire into its readings
    const { bytes, tombstones } = await memoryFigures(probe, k, e);
    await stop(k, e);
    const { commands, roundtrips } = await commandPath(probe, a, b);
    const alone = `; ${await onOneProcess(probe, await start('both', redisUrl, ONE_PREFIX, 'fp-one'))}`;
    commands.note += alone;
    roundtrips.note += alone;
    return { redis_commands_per_order: commands, redis_roundtrips_per_order: roundtrips, redis_bytes_per_order: bytes, redis_bytes_per_tombstone: tombstones };
  } finally {
    await stop(...all);
    probe.disconnect();
  }
}
