import assert from 'node:assert/strict';
import { zoneKeys } from '../../src/platforms/gamecenter/zones/keys.js';
import { ZoneSync } from '../../src/platforms/gamecenter/zones/ZoneSync.js';
import { STORE_CLOCK_FLOOR } from '../helpers/leaseClock.js';
import { waitFor } from '../helpers/processes.js';
import { useWorld } from './support.js';
import type { World } from './support.js';

const OPTIONS = { leaseMs: 60_000, retryMs: 1000, maxAttempts: 3, activeBatchSize: 1000 };

function zoneSync(w: World): ZoneSync {
  return new ZoneSync({ store: w.store(), client: w.client(), clock: w.clock, logger: w.logger, options: OPTIONS });
}

const creates = (w: World) => w.double.userZoneEvents.filter((e) => e.type === 1);
const codes = (w: World, endpoint: string) => w.double.requestsTo(endpoint).map((r) => ('code' in r.outcome ? r.outcome.code : -1));

describe('GameCenter zone data against the double', function () {
  const w = useWorld();

  it('sends a role creation once, however often and from however many processes it is reported', async () => {
    const a = zoneSync(w);
    const b = zoneSync(w);
    const at = w.clock.now();
    const outcomes = await Promise.all([a.roleCreated('42', 7, at), b.roleCreated('42', 7, at), a.roleCreated('42', 7, at), b.roleCreated('42', 7, at)]);
    assert.deepEqual(outcomes.filter((o) => o === 'sent').length, 1);
    assert.deepEqual(outcomes.filter((o) => o === 'duplicate').length, 3);
    assert.equal(await a.roleCreated('42', 7, at + 5), 'duplicate', 'later too');
    assert.deepEqual(creates(w), [{ type: 1, userId: '42', zone: 7, timeMs: at }]);
    assert.deepEqual(codes(w, 'sync.user_game_zone_data'), [0], 'one request, never a 998');
    assert.equal(await b.roleCreated('42', 8, at), 'sent', 'another zone is another role');
  });

  it('queues a failed role creation and retries it until GameCenter has it, once', async () => {
    const a = zoneSync(w);
    w.double.failNext('sync.user_game_zone_data', { code: 900 });
    assert.equal(await a.roleCreated('43', 1, w.clock.now()), 'queued');
    assert.equal(creates(w).length, 0);
    assert.equal(await a.roleCreated('43', 1, w.clock.now()), 'duplicate', 'guarded while queued');
    assert.equal(await a.retryDue(), 0, 'not due yet');
    w.clock.advance(1000);
    // another process's retry loop picks it up
    assert.equal(await zoneSync(w).retryDue(), 1);
    assert.equal(creates(w).length, 1);
    w.clock.advance(120_000);
    assert.equal(await a.retryDue(), 0, 'done for good');
  });

  it('keeps type-1 events GameCenter refuses with 999 (parked, retried with backoff, listed) and sends them once it accepts', async () => {
    // a process with a wrong secret: every call is answered 999 "invalid signature"
    const wrong = new ZoneSync({ store: w.store(), client: w.client({}, { secret: 'not-the-secret' }), clock: w.clock, logger: w.logger, options: OPTIONS });
    const t = w.clock.now();
    assert.equal(await wrong.roleCreated('44', 1, t), 'queued');
    assert.equal(await wrong.roleCreated('45', 1, t), 'queued');
    assert.equal(await wrong.orderZone('144612098616033280', 1), 'queued');
    assert.deepEqual(codes(w, 'sync.user_game_zone_data'), [999, 999]);
    assert.equal(creates(w).length, 0);
    assert.equal(w.logger.find('refused a zone event; it is kept (parked)', 'error').length, 3, 'one error line per event when it is parked');
    const causes = w.logger.find('every GameCenter call is refused', 'error');
    assert.equal(causes.length, 1, 'one line names the likely causes');
    assert.match(causes[0]!.message, /gamecenter\.secret.*gamecenter\.appId.*gamecenter\.sign/);
    assert.equal(await wrong.roleCreated('44', 1, t), 'duplicate', 'still guarded: never sent twice');

    const parked = await wrong.parked();
    assert.deepEqual(parked.map((p) => [p.event, p.why, p.code, p.attempts]).sort(), [
      ['create role', 'refused', 999, 1],
      ['create role', 'refused', 999, 1],
      ['order zone', 'refused', 999, 1],
    ]);
    assert.equal(parked.find((p) => 'userId' in p && p.userId === '44')!.nextAttemptAt, t + 1000);
    // retried with backoff: refused again, next attempt after twice the delay
    w.clock.advance(1000);
    assert.equal(await wrong.retryDue(), 3);
    assert.equal(await wrong.parkedCount(), 3);
    assert.equal((await wrong.parked()).find((p) => 'userId' in p && p.userId === '44')!.nextAttemptAt, w.clock.now() + 2000);
    assert.equal(w.logger.find('every GameCenter call is refused', 'error').length, 1, 'named once per run of refusals');

    // the secret is fixed (a restarted process); an operator makes the parked events due now
    const fixed = zoneSync(w);
    assert.equal(await fixed.retryParked(), 3);
    assert.equal(await fixed.retryDue(), 3);
    assert.deepEqual(
      creates(w)
        .map((e) => [e.userId, e.zone, e.timeMs])
        .sort(),
      [
        ['44', 1, t],
        ['45', 1, t],
      ],
    );
    assert.equal(w.double.orderZones.get('144612098616033280'), 1);
    assert.equal(await fixed.parkedCount(), 0);
    assert.deepEqual(await fixed.parked(), []);
    w.clock.advance(600_000);
    assert.equal(await fixed.retryDue(), 0, 'done for good');
    assert.equal(await fixed.roleCreated('44', 1, t), 'duplicate');
    assert.equal(creates(w).length, 2);
  });

  it('parks an event that keeps failing after maxAttempts, and still retries it', async () => {
    const a = zoneSync(w);
    w.double.failNext('sync.user_game_zone_data', { httpStatus: 502 }, 4);
    assert.equal(await a.roleCreated('48', 1, w.clock.now()), 'queued');
    for (const wait of [1000, 2000]) {
      w.clock.advance(wait);
      assert.equal(await a.retryDue(), 1);
    }
    assert.deepEqual(
      (await a.parked()).map((p) => [p.why, p.attempts]),
      [['failing', 3]],
    );
    assert.equal(w.logger.find('keeps failing; it is kept (parked)', 'error').length, 1);
    w.clock.advance(4000);
    assert.equal(await a.retryDue(), 1);
    assert.equal(creates(w).length, 0);
    w.clock.advance(8000);
    assert.equal(await a.retryDue(), 1);
    assert.equal(creates(w).length, 1);
    assert.equal(await a.parkedCount(), 0);
  });

  it('takes over a creation whose sender died before recording the outcome', async () => {
    const a = zoneSync(w);
    w.double.failNext('sync.user_game_zone_data', { hang: true });
    // lease ends are on Redis's clock (real time): a short lease lets the test see one end
    const dying = new ZoneSync({ store: w.store(), client: w.client(), clock: w.clock, logger: w.logger, options: { ...OPTIONS, leaseMs: 400 } });
    void dying.roleCreated('45', 2, w.clock.now()).catch(() => undefined);
    await waitFor('the first sender’s request', () => (w.double.requestsTo('sync.user_game_zone_data').length === 1 ? true : undefined));
    assert.equal(await a.retryDue(), 0, 'leased to the first sender');
    const store = w.store();
    const leaseEnd = (await store.zscore(zoneKeys(store.keys).outbox, 'c:2:45'))!;
    assert.ok(leaseEnd >= STORE_CLOCK_FLOOR, 'the recorder holds it until a store-clock time');
    w.clock.set(leaseEnd + 1);
    await waitFor('the lease end on the store clock', () => (Date.now() > leaseEnd ? true : undefined));
    assert.equal(await a.retryDue(), 1);
    assert.equal(creates(w).length, 1);
  });

  it('refuses zones outside 0..32767 with a log and sends nothing', async () => {
    const a = zoneSync(w);
    assert.equal(await a.roleCreated('46', 32768, w.clock.now()), 'refused');
    assert.equal(await a.roleCreated('46', -1, w.clock.now()), 'refused');
    assert.equal(await a.roleActive('46', 1.5, w.clock.now()), false);
    assert.equal(await a.orderZone('900', 40000), 'refused');
    assert.equal(w.logger.find('zone must be an integer', 'warn').length, 4);
    assert.equal(w.double.requests.length, 0);
    assert.equal(await a.roleCreated('46', 32767, w.clock.now()), 'sent');
    assert.equal(await a.roleCreated('47', 0, w.clock.now()), 'sent');
  });

  it('batches role activity: one row per user and zone per flush, at most 1000 rows a request', async () => {
    const a = zoneSync(w);
    const b = zoneSync(w);
    const t = w.clock.now();
    for (let i = 0; i < 1500; i++) await (i % 2 ? a : b).roleActive(String(5000 + i), 3, t + i);
    // the same users again, later: still one row each, with the latest time
    for (let i = 0; i < 10; i++) await a.roleActive(String(5000 + i), 3, t + 100_000 + i);
    await a.roleActive('5000', 4, t);
    const [ra, rb] = await Promise.all([a.flushActive(), b.flushActive()]);
    assert.equal(ra + rb, 2);
    const reqs = w.double.requestsTo('sync.user_game_zone_data');
    assert.deepEqual(
      reqs.map((r) => r.params.user_game_zone_type),
      ['2', '2'],
    );
    assert.deepEqual(reqs.map((r) => (JSON.parse(r.params.user_game_zone_data!) as unknown[]).length).sort(), [1000, 501].sort());
    const active = w.double.userZoneEvents.filter((e) => e.type === 2);
    assert.equal(active.length, 1501);
    assert.equal(new Set(active.map((e) => `${e.userId}|${e.zone}`)).size, 1501);
    assert.equal(active.find((e) => e.userId === '5003' && e.zone === 3)?.timeMs, t + 100_003);
    assert.equal(await a.flushActive(), 0, 'nothing left');
    await a.roleActive('5001', 3, t + 200_000);
    assert.equal(await b.flushActive(), 1);
  });

  it('keeps activity of a failed request for a later flush', async () => {
    const a = zoneSync(w);
    await a.roleActive('77', 5, w.clock.now());
    w.double.failNext('sync.user_game_zone_data', { httpStatus: 502 });
    assert.equal(await a.flushActive(), 1);
    assert.equal(await a.flushActive(), 0, 'waits for the retry delay');
    w.clock.advance(1000);
    assert.equal(await a.flushActive(), 1);
    assert.equal(w.double.userZoneEvents.length, 1);
  });

  it('sends an order’s zone once', async () => {
    const a = zoneSync(w);
    const b = zoneSync(w);
    const outcomes = await Promise.all([a.orderZone('144612098616033280', 9), b.orderZone('144612098616033280', 9)]);
    assert.deepEqual(outcomes.sort(), ['duplicate', 'sent']);
    assert.equal(w.double.orderZones.get('144612098616033280'), 9);
    assert.deepEqual(codes(w, 'sync.order_game_zone_data'), [0]);
  });
});
