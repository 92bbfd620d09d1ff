/**
 * Several game processes on one Redis: the zone's serverstate entry sums them and drops a killed one
 * within its expiry, a grant reaches a player on whichever process they are connected to, and concurrent
 * role-info updates from two processes lose nothing.
 */
import assert from 'node:assert/strict';
import { Client } from '@colyseus/sdk';
import { Redis } from 'ioredis';
import { bootRooms, type RoomsApp } from './harness.js';
import { PlainRoom } from './fixtures/rooms.js';
import { nextMessage } from './support.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { spawnTs, waitFor, within, type Spawned } from '../helpers/processes.js';

const FIXTURE = 'test/rooms/fixtures/zone-process.ts';

describe('rooms across processes', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  let probe: Redis;
  const children: Spawned[] = [];
  before(() => (probe = new Redis(redis.url)));
  after(() => probe.disconnect());
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGKILL');
      await c.exited();
    }
  });

  async function start(env: Record<string, string>): Promise<{ child: Spawned; url: string }> {
    const child = spawnTs(FIXTURE, { REDIS_URL: redis.url, ...env });
    children.push(child);
    const port = await waitFor('child ready', () => (child.proc.exitCode !== null ? 'exited' : /ready port=(\d+)/.exec(child.output())?.[1]), 30_000);
    assert.notEqual(port, 'exited', `child exited:\n${child.output()}`);
    return { child, url: `ws://127.0.0.1:${port}` };
  }

  const onlineIn = async (zone: string) => {
    const v = await probe.hget('serverstate', zone);
    return v === null ? undefined : (JSON.parse(v) as { OnlineNum: number }).OnlineNum;
  };

  it('two processes serving one zone report the sum; a killed one drops out within its two-interval expiry', async () => {
    const interval = 200;
    const [a, b] = await Promise.all([start({ ZONE_ID: '9', INTERVAL_MS: String(interval) }), start({ ZONE_ID: '9', INTERVAL_MS: String(interval) })]);
    const onA = new Client(a.url);
    const onB = new Client(b.url);
    const rooms = await Promise.all([onA.joinOrCreate('plain', { userId: 'a1' }), onA.joinOrCreate('plain', { userId: 'a2' }), onB.joinOrCreate('plain', { userId: 'b1' })]);
    await waitFor('sum of both processes', async () => ((await onlineIn('9')) === 3 ? true : undefined));
    assert.equal(Object.keys(await probe.hgetall('platform:{serverstate}:zone:9:procs')).length, 2);

    b.child.kill('SIGKILL');
    const killedAt = Date.now();
    await within(10_000, 'B exit', b.child.exited());
    await waitFor('B dropped out', async () => ((await onlineIn('9')) === 2 ? true : undefined), 10_000, 20);
    const tookMs = Date.now() - killedAt;
    // B's last heartbeat expires two intervals after it was written; A rewrites the entry every interval
    assert.ok(tookMs <= 3 * interval + 400, `dropped after ${tookMs} ms`);
    assert.deepEqual(Object.keys(await probe.hgetall('platform:{serverstate}:zone:9:procs')).length, 1);
    await Promise.all(rooms.slice(0, 2).map((r) => r.leave()));
  });

  it('a grant for a player connected to another process reaches them there', async () => {
    const { url } = await start({ ZONE_ID: '9' });
    let here: RoomsApp | undefined;
    try {
      here = await bootRooms({
        redis: redis.url,
        zoneId: 9,
        rooms: { plain: PlainRoom },
        bridge: { ledger: { pollIntervalMs: 20 }, grant: async (order) => ({ items: [{ id: 'gem', n: order.amount }] }) },
      });
      const room = await new Client(url).joinOrCreate('plain', { userId: 'remote-1' });
      const message = nextMessage(room, 'grant');
      await here.bridge.ledger.accept({ source: 'test', orderId: 'x-proc', userId: 'remote-1', amount: 30, raw: {} });
      const grant = await message;
      assert.deepEqual([grant.orderId, grant.amount, grant.items], ['x-proc', 30, [{ id: 'gem', n: 30 }]]);
      await room.leave();
    } finally {
      await here?.shutdown();
    }
  });

  it('concurrent role-info updates of one user from two processes lose nothing', async () => {
    const goKey = `go:${Date.now()}`;
    const common = { MODE: 'roles', GO_KEY: goKey, ROLE_USER: 'shared-user', ROLE_COUNT: '40' };
    const [a, b] = await Promise.all([start({ ...common, ROLE_PREFIX: 'a' }), start({ ...common, ROLE_PREFIX: 'b' })]);
    await probe.set(goKey, '1');
    for (const { child } of [a, b]) {
      await waitFor('roles done', () => (child.proc.exitCode !== null || child.output().includes('roles-done') ? true : undefined));
      assert.match(child.output(), /roles-done/, child.output());
    }
    const doc = JSON.parse((await probe.hget('idip_server_roleinfo', 'shared-user'))!) as Array<{ serverID: number; roleIDs: Array<{ Item1: string }> }>;
    const ids = doc.flatMap((g) => g.roleIDs.map((r) => r.Item1)).sort();
    const expected = ['a', 'b'].flatMap((p) => Array.from({ length: 40 }, (_, i) => `${p}${i}`)).sort();
    assert.deepEqual(ids, expected);
    assert.deepEqual(doc.map((g) => g.serverID).sort(), [1, 2, 3]);
  });
});
