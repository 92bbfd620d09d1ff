import assert from 'node:assert/strict';
import { GrantWorker } from '../../src/ledger/GrantWorker.js';
import { ledgerOptionsSchema } from '../../src/ledger/options.js';
import { StoreLedger } from '../../src/ledger/StoreLedger.js';
import type { LedgerRecord } from '../../src/ledger/types.js';
import type { GameCenterClient } from '../../src/platforms/gamecenter/client.js';
import { OrderPoller } from '../../src/platforms/gamecenter/orders/OrderPoller.js';
import { nextCheckAt } from '../../src/platforms/gamecenter/orders/schedule.js';
import { STORE_CLOCK_FLOOR } from '../helpers/leaseClock.js';
import type { Store } from '../../src/store/Store.js';
import type { DoubleOrder } from '../../src/testing/index.js';
import { waitFor } from '../helpers/processes.js';
import { useWorld } from './support.js';
import type { World } from './support.js';

const OPTIONS = { claimLimit: 1000, checkChunkSize: 100, concurrency: 4, leaseMs: 30_000, acceptRetryMs: 3000, sandboxOrders: 'grant' as const };
const S = 1000;
const MIN = 60 * S;

/** Every check time the document's back-off gives, relative to first seen. */
const EXPECTED_OFFSETS = [
  ...Array.from({ length: 10 }, (_, i) => (i + 1) * 3 * S),
  ...Array.from({ length: 10 }, (_, i) => (i + 1) * MIN),
  ...Array.from({ length: 48 }, (_, i) => (i + 1) * 30 * MIN),
];

let seq = 0;
const orderId = () => String(144_612_098_616_033_280n + BigInt(++seq));

function setup(w: World, store: Store = w.store(), client: Pick<GameCenterClient, 'checkOrders'> = w.client(), options: Partial<typeof OPTIONS> = {}) {
  const ledger = new StoreLedger(store, w.clock);
  const poller = new OrderPoller({ store, client, ledger, clock: w.clock, logger: w.logger, options: { ...OPTIONS, ...options } });
  return { store, ledger, poller };
}

/** A grant worker on the ledger, counting handler calls per order. */
function granting(w: World, store: Store, ledger: StoreLedger) {
  const calls: LedgerRecord[] = [];
  const worker = new GrantWorker({
    store,
    keys: ledger.keys,
    clock: { now: Date.now },
    logger: w.logger,
    options: ledgerOptionsSchema.parse({ pollIntervalMs: 20 }),
    handler: (o) => void calls.push(o),
    onGranted: () => undefined,
  });
  ledger.onAccepted = () => worker.kick();
  worker.start();
  return { calls, worker };
}

const paid = (over: Partial<DoubleOrder> = {}): DoubleOrder => ({ status: 1, checked: 1, amount: 499, currency: 'AED', sku: 'pack5', payTime: 1, ...over });

describe('GameCenter order polling against the double', function () {
  const w = useWorld();

  it('computes the documented schedule from first seen', () => {
    const offsets: number[] = [];
    for (let t: number | null = 0; (t = nextCheckAt(0, t)) !== null;) offsets.push(t);
    assert.deepEqual(offsets, EXPECTED_OFFSETS);
    assert.equal(nextCheckAt(1000, 1000 + 31_500), 1000 + MIN, 'a late check does not stretch the schedule');
    assert.equal(nextCheckAt(0, 24 * 60 * MIN), null);
  });

  it('checks through all four phases at the exact times, then gives up and marks the order', async () => {
    const { poller } = setup(w);
    const id = orderId();
    w.double.orders.set(id, { status: 0, checked: 0 });
    const first = w.clock.now();
    await poller.register({ orderId: id, userId: 'u1' });
    for (let guard = 0; guard < 100; guard++) {
      const o = (await poller.get(id))!;
      if (o.state !== 'polling') break;
      w.clock.set(o.nextCheckAt!);
      assert.equal((await poller.tick()).claimed, 1);
    }
    const at = w.double.requestsTo('order.check_status').map((r) => r.at - first);
    assert.deepEqual(at, EXPECTED_OFFSETS);
    const o = (await poller.get(id))!;
    assert.equal(o.state, 'expired');
    assert.equal(o.checks, 68);
    assert.match(o.reason!, /24 h/);
    assert.equal(await poller.pending(), 0);
    assert.equal(w.logger.find('order given up', 'warn').length, 1);
    w.clock.advance(3_600_000);
    assert.equal((await poller.tick()).claimed, 0, 'never asked again');
  });

  it('grants a paid order once through the ledger, with the game order id as alias', async () => {
    const { store, ledger, poller } = setup(w);
    const { calls, worker } = granting(w, store, ledger);
    try {
      const id = orderId();
      w.double.orders.set(id, paid({ cpOrderId: 'cp-1' }));
      await poller.register({ orderId: id, userId: 'u1', cpOrderId: 'cp-1', amount: 499, productId: 'pack5', zone: 3 });
      assert.equal((await poller.register({ orderId: id, userId: 'u1' })).status, 'known');
      assert.equal((await poller.tick()).claimed, 0, 'first check 3 s after first seen');
      w.clock.advance(3 * S);
      await poller.tick();
      const o = (await poller.get(id))!;
      assert.equal(o.state, 'paid');
      assert.equal(o.ledgerKey, `gamecenter:${id}`);
      await waitFor('grant', () => (calls.length ? true : undefined));
      assert.equal(calls[0]!.orderId, id);
      assert.equal(calls[0]!.userId, 'u1');
      assert.equal(calls[0]!.amount, 499);
      assert.equal(calls[0]!.productId, 'pack5');
      assert.equal(calls[0]!.zoneId, '3');
      assert.equal(calls[0]!.raw.cpOrderId, 'cp-1');
      // another path bringing the same game order later is a duplicate
      const again = await ledger.accept({ source: 'recharge-http', orderId: 'R-1', dedupeKey: 'recharge:R-1', userId: 'u1', amount: 499, raw: {} }, { alias: 'cp:cp-1' });
      assert.equal(again.status, 'duplicate');
      w.clock.advance(3_600_000);
      await poller.tick();
      await waitFor('granted', async () => ((await ledger.get(`gamecenter:${id}`))?.state === 'granted' ? true : undefined));
      assert.equal(calls.length, 1);
      assert.equal(w.double.requestsTo('order.check_status').length, 1, 'a final order is not asked again');
    } finally {
      await worker.stop();
    }
  });

  it('grants once when the same order was accepted through another path first', async () => {
    const { store, ledger, poller } = setup(w);
    const { calls, worker } = granting(w, store, ledger);
    try {
      const first = await ledger.accept({ source: 'recharge-http', orderId: 'R-2', dedupeKey: 'recharge:R-2', userId: 'u2', amount: 499, raw: {} }, { alias: 'cp:cp-2' });
      assert.equal(first.status, 'accepted');
      const id = orderId();
      w.double.orders.set(id, paid({ cpOrderId: 'cp-2' }));
      await poller.register({ orderId: id, userId: 'u2', cpOrderId: 'cp-2' });
      w.clock.advance(3 * S);
      await poller.tick();
      const o = (await poller.get(id))!;
      assert.equal(o.state, 'paid');
      assert.equal(o.ledgerKey, 'recharge:R-2');
      assert.equal(await ledger.get(`gamecenter:${id}`), undefined);
      await waitFor('granted', async () => ((await ledger.get('recharge:R-2'))?.state === 'granted' ? true : undefined));
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.dedupeKey, 'recharge:R-2');
    } finally {
      await worker.stop();
    }
  });

  it('cancels orders that are final and unpaid (status 0, 2, 3) and keeps polling ones that are not final', async () => {
    const { ledger, poller } = setup(w);
    const ids = [orderId(), orderId(), orderId(), orderId()];
    w.double.orders.set(ids[0]!, { status: 0, checked: 1 });
    w.double.orders.set(ids[1]!, { status: 2, checked: 1 });
    w.double.orders.set(ids[2]!, { status: 3, checked: 1 });
    w.double.orders.set(ids[3]!, { status: 0, checked: 0 });
    for (const id of ids) await poller.register({ orderId: id, userId: 'u3' });
    w.clock.advance(3 * S);
    const tick = await poller.tick();
    assert.deepEqual(tick, { claimed: 4, requests: 1, more: false });
    const states = await Promise.all(ids.map(async (id) => (await poller.get(id))!));
    assert.deepEqual(
      states.map((o) => o.state),
      ['cancelled', 'cancelled', 'cancelled', 'polling'],
    );
    assert.match(states[0]!.reason!, /never paid.*status=0/);
    assert.match(states[1]!.reason!, /reset.*status=2/);
    assert.match(states[2]!.reason!, /reset.*status=3/);
    assert.equal(states[3]!.nextCheckAt, w.clock.now() + 3 * S);
    for (const id of ids) assert.equal(await ledger.get(`gamecenter:${id}`), undefined, 'nothing in the ledger');
  });

  it('reads each order of an answer on its own: a malformed entry is logged and asked again, the others are granted and cancelled', async () => {
    const { store, ledger, poller } = setup(w);
    const { calls, worker } = granting(w, store, ledger);
    try {
      const [good, reset, bad] = [orderId(), orderId(), orderId()];
      // payTime is not needed for a decision: an entry without it is still read
      w.double.orders.set(good, paid({ answer: { payTime: undefined } }));
      w.double.orders.set(reset, { status: 3, checked: 1 });
      w.double.orders.set(bad, paid({ answer: { status: 'paid?', checked: null } }));
      for (const id of [good, reset, bad]) await poller.register({ orderId: id, userId: 'u8' });
      w.clock.advance(3 * S);
      await poller.tick();
      assert.equal(w.double.requestsTo('order.check_status').length, 1, 'one call for the three');
      assert.equal((await poller.get(good))!.state, 'paid');
      assert.equal((await poller.get(reset))!.state, 'cancelled');
      const b = (await poller.get(bad))!;
      assert.equal(b.state, 'polling');
      assert.equal(b.nextCheckAt, w.clock.now() + 3 * S, 'asked again on its schedule');
      const line = w.logger.find('one order’s answer is malformed', 'warn');
      assert.equal(line.length, 1);
      assert.equal(line[0]!.fields!.orderId, bad);
      assert.match(String(line[0]!.fields!.issues), /status|checked/);
      await waitFor('grant', () => (calls.length ? true : undefined));
      assert.deepEqual(
        calls.map((c) => c.orderId),
        [good],
      );
      // the platform's answer is well-formed again: the order proceeds
      w.double.orders.set(bad, paid());
      w.clock.advance(3 * S);
      await poller.tick();
      assert.equal((await poller.get(bad))!.state, 'paid');
      await waitFor('second grant', () => (calls.length === 2 ? true : undefined));
    } finally {
      await worker.stop();
    }
  });

  it('does not grant an order whose cpOrderId differs from the registered one', async () => {
    const { ledger, poller } = setup(w);
    const id = orderId();
    w.double.orders.set(id, paid({ cpOrderId: 'someone-else' }));
    await poller.register({ orderId: id, userId: 'u4', cpOrderId: 'cp-4' });
    w.clock.advance(3 * S);
    await poller.tick();
    const o = (await poller.get(id))!;
    assert.equal(o.state, 'mismatch');
    assert.match(o.reason!, /someone-else.*cp-4/);
    assert.equal(await ledger.get(`gamecenter:${id}`), undefined);
    assert.equal(w.logger.find('another cpOrderId', 'error').length, 1);
  });

  it('resumes the schedule after a restart, and takes over orders a dead process had claimed once its lease ends on the store clock', async () => {
    const stuck: Pick<GameCenterClient, 'checkOrders'> = { checkOrders: () => new Promise(() => undefined) };
    // lease ends are on Redis's clock (real time); a short lease lets the test see one end
    const leaseMs = 400;
    const before = setup(w, w.store(), stuck, { leaseMs });
    const a = orderId();
    const b = orderId();
    w.double.orders.set(a, { status: 0, checked: 0 });
    w.double.orders.set(b, { status: 0, checked: 0 });
    await before.poller.register({ orderId: a, userId: 'u5' });
    w.clock.advance(3 * S);
    // process 1 claims a, then hangs forever (as good as dead)
    const sent = Date.now();
    void before.poller.tick();
    const leaseEnd = await waitFor('the claim', async () => {
      const score = await before.store.zscore(before.poller.keys.due, a);
      return score !== null && score >= STORE_CLOCK_FLOOR ? score : undefined;
    });
    assert.ok(leaseEnd >= sent + leaseMs && leaseEnd <= Date.now() + leaseMs, 'the lease ends leaseMs after the claim on the store clock');
    await before.poller.register({ orderId: b, userId: 'u5' });

    // process 2 starts on the same Redis
    const after = setup(w);
    w.double.orders.set(a, paid());
    w.clock.advance(3 * S);
    assert.equal((await after.poller.tick()).claimed, 1, 'b is due; a is still leased');
    assert.equal((await after.poller.get(b))!.checks, 1);
    await waitFor('the lease end on the store clock', () => (Date.now() > leaseEnd ? true : undefined));
    w.clock.set(leaseEnd + 1);
    await after.poller.tick();
    assert.equal((await after.poller.get(a))!.state, 'paid');
    assert.equal((await after.ledger.get(`gamecenter:${a}`))!.amount, 499);
  });

  it('lets two processes tick at once without checking an order twice', async () => {
    const one = setup(w);
    const two = setup(w);
    const ids = Array.from({ length: 450 }, orderId);
    for (const id of ids) w.double.orders.set(id, { status: 0, checked: 0 });
    await Promise.all(ids.map((id, i) => (i % 2 ? one : two).poller.register({ orderId: id, userId: 'u6' })));
    w.clock.advance(3 * S);
    const [r1, r2] = await Promise.all([one.poller.tick(), two.poller.tick()]);
    assert.equal(r1.claimed + r2.claimed, 450);
    const asked = w.double.requestsTo('order.check_status').flatMap((r) => r.params.orders!.split(','));
    assert.equal(asked.length, 450);
    assert.equal(new Set(asked).size, 450);
    for (const r of w.double.requestsTo('order.check_status')) assert.ok(r.params.orders!.split(',').length <= 100);
  });

  it('claims only the due orders, however many are pending', async () => {
    const { poller } = setup(w);
    const later = Array.from({ length: 2000 }, orderId);
    await Promise.all(later.map((id) => poller.register({ orderId: id, userId: 'u7' })));
    w.clock.advance(S);
    const due = Array.from({ length: 7 }, orderId);
    await Promise.all(due.map((id) => poller.register({ orderId: id, userId: 'u7' })));
    w.clock.set(w.clock.now() + 3 * S - 1);
    // only the first 2,000 are due: their first check at +3 s
    assert.equal((await poller.tick()).claimed, 1000, 'one claim is capped at claimLimit');
    assert.equal((await poller.tick()).claimed, 1000);
    assert.equal((await poller.tick()).claimed, 0);
    w.clock.advance(1);
    assert.deepEqual(await poller.tick(), { claimed: 7, requests: 1, more: false });
  });
});
