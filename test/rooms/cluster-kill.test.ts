/**
 * Two game processes deployed as Colyseus documents scaling (RedisPresence + RedisDriver, one Redis), real
 * SDK players, and one process killed with SIGKILL while it was delivering a grant:
 * - the grant it had claimed for delivery reaches the same player, joined on the surviving process, within
 *   5 s of the kill (the claim is short and renewed, so a dead holder's claim runs out);
 * - a SUD settlement naming a room on the dead process, while Colyseus still lists that room, is settled
 *   once and ends `done` (shown in no room), never a failed attempt, never `given_up`, with no error alarm.
 * A settlement reaching a room on the other live process first shows that room delivery really crosses
 * processes here, so the dead-room case is not vacuous.
 */
import assert from 'node:assert/strict';
import { Client, type Room as SdkRoom } from '@colyseus/sdk';
import { Redis } from 'ioredis';
import { useRedisServer } from '../helpers/redisServer.js';
import { spawnTs, waitUntil, within, type Spawned } from '../helpers/processes.js';
import { APP_ID, APP_SECRET, SUCCESS_TEXT, post, signed, specExample } from '../sud/support.js';
import { nextMessage } from './support.js';
import { entriesOf } from '../../src/ledger/orderJournal.js';

const FIXTURE = 'test/rooms/fixtures/cluster-process.ts';
const HOLD_KEY = 'test:holding';
const SEEN_KEY = 'test:seen';
const RUNS_KEY = 'test:runs';

interface Member {
  child: Spawned;
  port: number;
  processId: string;
  ws: string;
  http: string;
}

describe('two processes on RedisPresence + RedisDriver, one killed with SIGKILL', function () {
  this.timeout(60_000);
  let probe: Redis;
  const children: Spawned[] = [];
  const sdkRooms: SdkRoom[] = [];
  // registered before the Redis server's own hooks, so it runs before Redis stops
  after(async () => {
    for (const c of children.splice(0)) {
      c.kill('SIGKILL');
      await within(10_000, 'child exit', c.exited());
    }
    // the servers are gone: the SDK rooms only need their sockets dropped, not a leave handshake
    for (const r of sdkRooms) r.connection.close();
    probe?.disconnect();
  });
  const redis = useRedisServer();
  let a: Member;
  let b: Member;
  /** The room on A, with the player whose grant A is delivering when it dies. */
  let tableOnA: SdkRoom;

  async function start(name: string): Promise<Member> {
    const child = spawnTs(FIXTURE, { REDIS_URL: redis.url, HOLD_KEY, SEEN_KEY, RUNS_KEY, APP_ID, APP_SECRET }, [], { stdin: true });
    children.push(child);
    const ready = await waitUntil(
      `${name} ready`,
      () => (child.proc.exitCode !== null ? 'exited' : /ready port=(\d+) process=(\S+)/.exec(child.output())),
      (m) => m !== null,
      30_000,
    );
    if (ready === 'exited' || ready === null) assert.fail(`${name} exited:\n${child.output()}`);
    const port = Number(ready[1]);
    return { child, port, processId: ready[2]!, ws: `ws://127.0.0.1:${port}`, http: `http://127.0.0.1:${port}` };
  }

  /** A player creating a table on one process. The SDK's own reconnection is off: its retries to a dead
   * server are not what is tested, joining the live process is what a client does next. */
  async function join(on: Member, options: Record<string, unknown>): Promise<SdkRoom> {
    const room = await new Client(on.ws).create('table', options);
    room.reconnection.enabled = false;
    sdkRooms.push(room);
    return room;
  }

  const roomCache = async (roomId: string) => {
    const v = await probe.hget('roomcaches', roomId);
    return v === null ? undefined : (JSON.parse(v) as { processId: string });
  };

  const settleJob = (matchId: string) => probe.hgetall(`platform:{sud}:job:settle:${matchId}`);

  function settlementNaming(roomId: string, matchId: string) {
    const body = specExample(`notify-${matchId}`, matchId) as { data: Record<string, unknown> };
    body.data.room_id = roomId;
    return signed(JSON.stringify(body));
  }

  before(async () => {
    probe = new Redis(redis.url);
    [a, b] = await Promise.all([start('A'), start('B')]);
    assert.notEqual(a.processId, b.processId);
    tableOnA = await join(a, { userId: 'player-1', holdGrants: true });
    assert.equal((await roomCache(tableOnA.roomId))?.processId, a.processId, 'the room lives on A');
  });

  it('a settlement posted to B naming a room on A reaches that room on A (presence IPC works here)', async () => {
    const answer = await post(`${b.http}/platform/sud/notify`, settlementNaming(tableOnA.roomId, 'live-match'));
    assert.equal(`${answer.status} ${answer.text}`, `200 ${SUCCESS_TEXT}`);
    const seen = await waitUntil(
      'shown in the room on A',
      () => probe.lrange(SEEN_KEY, 0, -1),
      (l) => l.length > 0,
    );
    assert.deepEqual(seen, [`${a.child.proc.pid}:${tableOnA.roomId}:live-match`]);
    const job = await waitUntil(
      'live-match done',
      () => settleJob('live-match'),
      (j) => j.state === 'done',
    );
    assert.equal(job.delivered, '1');
  });

  it('a grant A had claimed for delivery reaches the player, joined on B, within 5 s of A being killed', async () => {
    a.child.send('accept order-1 player-1 30');
    // A's room holds the grant inside its handler: A claimed it and keeps renewing the claim
    const holding = await waitUntil(
      'A delivering the grant',
      () => probe.lrange(HOLD_KEY, 0, -1),
      (l) => l.length > 0,
    );
    assert.deepEqual(holding, [`${a.child.proc.pid}:order-1`]);
    const claims = await probe.keys('platform:{ledger}:delivering:*');
    assert.equal(claims.length, 1, 'one delivery claim, held by A');
    assert.ok((await probe.pttl(claims[0]!)) > 0);

    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await within(10_000, 'A exit', a.child.exited());

    // the player comes back through the other process, as a client does after losing its server
    const onB = await join(b, { userId: 'player-1' });
    const grant = await nextMessage<{ orderId: string; amount: number; items: unknown }>(onB, 'grant', 15_000);
    const elapsed = Date.now() - killedAt;
    assert.deepEqual([grant.orderId, grant.amount, grant.items], ['order-1', 30, [{ id: 'gem', n: 30 }]]);
    assert.ok(elapsed <= 5_000, `delivered ${elapsed} ms after the kill`);
    // delivered once, by B: the inbox is empty and the order's journal names B's room
    await waitUntil(
      'inbox emptied',
      () => probe.hlen('platform:{ledger}:inbox:player-1'),
      (n) => n === 0,
    );
    // the journal is kept in the order's hash
    const journal = entriesOf(await probe.hgetall('platform:{ledger}:order:test:order-1')) as Array<{ event: string; process?: string; rooms?: string[] }>;
    const delivered = journal.filter((e) => e.event === 'delivered');
    assert.equal(delivered.length, 1, JSON.stringify(journal));
    assert.match(delivered[0]!.process!, new RegExp(`/${b.child.proc.pid}$`));
    assert.deepEqual(delivered[0]!.rooms, [onB.roomId]);
  });

  it("a SUD settlement for the dead process's room (still listed by Colyseus) is settled once and ends done, not given_up", async () => {
    assert.notEqual(a.child.proc.signalCode, null, 'A was killed by the previous test');
    // the stale room cache is what made every delivery time out and count as a failed attempt
    assert.equal((await roomCache(tableOnA.roomId))?.processId, a.processId, 'Colyseus still lists the dead room');

    const answer = await post(`${b.http}/platform/sud/notify`, settlementNaming(tableOnA.roomId, 'dead-match'));
    assert.equal(`${answer.status} ${answer.text}`, `200 ${SUCCESS_TEXT}`);
    // the delivery to the stale room times out (Colyseus's remote call waits 5 s) and is not retried
    const job = await waitUntil(
      'dead-match finished',
      () => settleJob('dead-match'),
      (j) => j.state === 'done' || j.state === 'given_up',
      30_000,
    );
    assert.equal(job.state, 'done');
    assert.equal(job.handled, '1');
    assert.equal(job.delivered, '0', 'shown in no room');
    assert.equal(job.fence, '1', 'claimed once: no second attempt');
    const runs = (await probe.lrange(RUNS_KEY, 0, -1)).filter((r) => r.includes(':dead-match:'));
    assert.deepEqual(runs, [`${b.child.proc.pid}:dead-match:1`], 'the settlement handler ran once, on B');
    assert.equal((await probe.lrange(SEEN_KEY, 0, -1)).filter((s) => s.endsWith(':dead-match')).length, 0);

    const log = b.child.output();
    assert.match(log, /a settled match could not be shown in its room .*"matchId":"dead-match"/);
    assert.doesNotMatch(log, /handler kept failing/);
    assert.doesNotMatch(log, /handler failed; will retry/);
  });
});
