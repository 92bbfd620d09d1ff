/**
 * A network partition between one bridge process and Redis, the way an operator's chaos test makes one:
 * a TCP relay the test cuts and heals. Process A runs slow grant handlers when the link is cut; process B
 * (directly on Redis) takes the orders over once A's leases end. A must stop its handlers before B may
 * start them: every run's start and end is written to a file outside both processes, and no two runs of
 * one order may overlap. Each order is granted once, and A says in its log that it lost the lease.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { useRedisServer } from '../helpers/redisServer.js';
import { spawnTs, waitUntil, within, type Spawned } from '../helpers/processes.js';
import { TcpRelay } from '../helpers/tcpRelay.js';

interface Run {
  process: string;
  order: string;
  attempt: number;
  event: 'start' | 'end' | 'abort';
  at: number;
}

const LEASE_MS = 2000;
const HANDLER_MS = 3000;

describe('ledger under a network partition (TCP relay between one process and Redis)', function () {
  this.timeout(90_000);
  const redis = useRedisServer();
  let relay: TcpRelay;
  let probe: Redis;
  let dir: string;
  const children: Spawned[] = [];
  before(async () => {
    relay = await new TcpRelay(redis.port).start();
    probe = new Redis(redis.url);
    dir = mkdtempSync(join(tmpdir(), 'pb-partition-'));
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited()));
    await relay.close();
    probe.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  const spawnBridge = (name: string, url: string, runsFile: string) => {
    const child = spawnTs(
      'test/fixtures/partition-process.ts',
      { REDIS_URL: url, NAME: name, RUNS_FILE: runsFile, LEASE_MS: String(LEASE_MS), HANDLER_MS: String(HANDLER_MS), KEY_PREFIX: 'part:' },
      [],
      { stdin: true },
    );
    children.push(child);
    return child;
  };
  const runsIn = (file: string): Run[] =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Run);

  it('the cut-off process stops its handlers before the other takes over; every order granted once', async () => {
    const runsFile = join(dir, 'runs.jsonl');
    writeFileSync(runsFile, '');
    const a = spawnBridge('A', relay.url, runsFile);
    const b = spawnBridge('B', redis.url, runsFile);
    await waitUntil(
      'both processes ready',
      () => [a.output(), b.output()],
      (o) => o.every((x) => /^ready$/m.test(x)),
      30_000,
    );

    // B frozen while A accepts and starts the orders, so that A, not B's next poll, runs them first
    b.kill('SIGSTOP');
    const orders = ['slow-1', 'slow-2'];
    for (const id of orders) a.send(id);
    await waitUntil(
      'A runs both orders',
      () => runsIn(runsFile),
      (runs) => orders.every((o) => runs.some((r) => r.order === `test:${o}` && r.process === 'A' && r.event === 'start')),
      20_000,
    );
    relay.partition();
    b.kill('SIGCONT');

    const orderKey = (id: string) => `part:{ledger}:order:test:${id}`;
    await waitUntil(
      'B granted both orders',
      () => Promise.all(orders.map((o) => probe.hget(orderKey(o), 'state'))),
      (s) => s.every((x) => x === 'granted'),
      30_000,
    );
    await waitUntil(
      'A logged the lost lease for both',
      () => a.output(),
      (out) => orders.every((o) => new RegExp(`lease lost \\(renewals not confirmed in time\\).*test:${o}`).test(out)),
      10_000,
    );

    relay.heal();
    // A works again after the heal: an order accepted there is granted
    a.send('after-heal');
    await waitUntil(
      'the order after the heal is granted',
      () => probe.hget(orderKey('after-heal'), 'state'),
      (s) => s === 'granted',
      30_000,
    );

    const runs = runsIn(runsFile);
    for (const id of orders) {
      const mine = runs.filter((r) => r.order === `test:${id}`);
      const intervals = mine
        .filter((r) => r.event === 'start')
        .map((s) => {
          const end = mine.find((r) => r.process === s.process && r.attempt === s.attempt && r.event !== 'start');
          assert.ok(end, `run ${s.process}/${s.attempt} of ${id} ended (${JSON.stringify(mine)})`);
          return { ...s, end: end.at, how: end.event };
        })
        .sort((x, y) => x.at - y.at);
      for (let i = 1; i < intervals.length; i++) {
        assert.ok(intervals[i - 1]!.end <= intervals[i]!.at, `runs of ${id} overlap: ${JSON.stringify(intervals)}`);
      }
      assert.deepEqual(
        intervals.map((r) => [r.process, r.how]),
        [
          ['A', 'abort'],
          ['B', 'end'],
        ],
        `${id}: A's run stopped, B's finished, nothing else ran`,
      );
      assert.equal(intervals[1]!.attempt, 2, 'the takeover is the second hand-over');
      assert.equal(await probe.hget(orderKey(id), 'attempts'), '1', 'one successful attempt recorded, no failure from A');
    }
    const bLog = b.output();
    assert.match(bLog, /taking over an order whose grant lease ran out/);
    // the same, as lease events a journal can listen to
    const events = (out: string) => [...out.matchAll(/^lease-event (.*)$/gm)].map((m) => JSON.parse(m[1]!) as { type: string; id: string; reason?: string; attempt: number });
    for (const id of orders) {
      assert.deepEqual(
        events(a.output())
          .filter((e) => e.id === `test:${id}`)
          .map((e) => [e.type, e.reason, e.attempt]),
        [['lost', 'expired', 1]],
      );
      assert.deepEqual(
        events(bLog)
          .filter((e) => e.id === `test:${id}`)
          .map((e) => [e.type, e.attempt]),
        [['taken-over', 2]],
      );
    }
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    await within(15_000, 'both processes exit', Promise.all([a.exited(), b.exited()]));
  });
});
