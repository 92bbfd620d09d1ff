/**
 * A GameCenter order paid while not final (checked=0) is granted at once, stays on its schedule, and when
 * GameCenter later says final and reset (checked=1, status=3) it is revoked in the ledger and the game's
 * onRevoked is called once, with two processes polling and granting side by side on one Redis.
 */
import assert from 'node:assert/strict';
import { GrantWorker } from '../../src/ledger/GrantWorker.js';
import { ledgerOptionsSchema } from '../../src/ledger/options.js';
import { RevokeWorker } from '../../src/ledger/RevokeWorker.js';
import { StoreLedger } from '../../src/ledger/StoreLedger.js';
import type { LedgerRecord, RevokeContext } from '../../src/ledger/types.js';
import { OrderPoller } from '../../src/platforms/gamecenter/orders/OrderPoller.js';
import { waitFor } from '../helpers/processes.js';
import { useWorld, type World } from './support.js';

const OPTIONS = { claimLimit: 1000, checkChunkSize: 100, concurrency: 4, leaseMs: 30_000, acceptRetryMs: 3000 };

function processOf(w: World, grants: LedgerRecord[], revocations: Array<[LedgerRecord, RevokeContext]>, sandboxOrders: 'grant' | 'refuse' = 'grant') {
  const store = w.store();
  const ledger = new StoreLedger(store, w.clock);
  const options = ledgerOptionsSchema.parse({ pollIntervalMs: 20 });
  const clock = { now: Date.now };
  const grant = new GrantWorker({ store, keys: ledger.keys, clock, logger: w.logger, options, handler: (o) => void grants.push(o), onGranted: () => undefined });
  const revoke = new RevokeWorker({ store, keys: ledger.keys, clock, logger: w.logger, options, handler: (o, ctx) => void revocations.push([o, ctx]) });
  ledger.onAccepted = () => grant.kick();
  ledger.onRevoked = () => revoke.kick();
  grant.start();
  revoke.start();
  const poller = new OrderPoller({ store, client: w.client(), ledger, clock: w.clock, logger: w.logger, options: { ...OPTIONS, sandboxOrders } });
  return { ledger, poller, stop: () => Promise.all([grant.stop(), revoke.stop()]) };
}

describe('GameCenter orders reset after their grant', function () {
  const w = useWorld();

  it('paid with checked=0, then checked=1 status=3: granted once, revoked once, onRevoked called once across two processes', async () => {
    const grants: LedgerRecord[] = [];
    const revocations: Array<[LedgerRecord, RevokeContext]> = [];
    const a = processOf(w, grants, revocations);
    const b = processOf(w, grants, revocations);
    try {
      const id = '144612098616033999';
      w.double.orders.set(id, { status: 1, checked: 0, amount: 499, currency: 'AED', env: 1 });
      await a.poller.register({ orderId: id, userId: 'u1' });
      w.clock.advance(3000);
      await Promise.all([a.poller.tick(), b.poller.tick()]);
      await waitFor('grant', () => (grants.length ? true : undefined));
      const polled = (await b.poller.get(id))!;
      assert.equal(polled.state, 'polling', 'not final: stays on its schedule');
      assert.equal(polled.ledgerKey, `gamecenter:${id}`);
      assert.equal(polled.nextCheckAt, polled.firstSeenAt + 6000);

      // still paid, still not final: asked again, nothing new granted
      w.clock.advance(3000);
      await Promise.all([a.poller.tick(), b.poller.tick()]);
      assert.equal((await a.poller.get(id))!.state, 'polling');
      assert.equal(w.double.requestsTo('order.check_status').length, 2);

      // final and reset: "may be an illegal order"
      w.double.orders.set(id, { status: 3, checked: 1, amount: 499, currency: 'AED', env: 1 });
      w.clock.advance(3000);
      await Promise.all([a.poller.tick(), b.poller.tick()]);
      await waitFor('onRevoked', () => (revocations.length ? true : undefined));
      assert.equal((await a.poller.get(id))!.state, 'revoked');
      assert.equal(await b.ledger.revoke(`gamecenter:${id}`, 'again'), 'already-revoked', 'a second revocation changes nothing');
      // both processes keep looking for work for a while: nobody calls the handler again
      w.clock.advance(600_000);
      await Promise.all([a.poller.tick(), b.poller.tick()]);
      await new Promise((r) => setTimeout(r, 200));

      assert.equal(grants.length, 1, 'granted once');
      assert.equal(revocations.length, 1, 'onRevoked called once');
      const [order, ctx] = revocations[0]!;
      assert.equal(order.orderId, id);
      assert.equal(order.state, 'revoked');
      assert.equal(order.amount, 499);
      assert.equal(ctx.idempotencyKey, `revoke:gamecenter:${id}`);
      assert.equal(ctx.attempt, 1);
      const record = (await a.ledger.get(`gamecenter:${id}`))!;
      assert.equal(record.state, 'revoked');
      assert.match(record.reason!, /reset.*status=3/);
      assert.ok(record.revokedAt);
      const events = (await a.ledger.timeline(`gamecenter:${id}`)).map((e) => e.event);
      assert.deepEqual(
        events.filter((e) => ['accepted', 'granted', 'revoked', 'revocation_handled'].includes(e)),
        ['accepted', 'granted', 'revoked', 'revocation_handled'],
      );
      assert.equal(w.logger.find('reset after it was granted: revoked', 'error').length, 1, 'logged once at error level');
      assert.equal(w.double.requestsTo('order.check_status').length, 3, 'a final order is not asked again');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('a reset before the grant ran cancels the grant: nothing to claw back', async () => {
    const grants: LedgerRecord[] = [];
    const revocations: Array<[LedgerRecord, RevokeContext]> = [];
    const store = w.store();
    const ledger = new StoreLedger(store, w.clock);
    const poller = new OrderPoller({ store, client: w.client(), ledger, clock: w.clock, logger: w.logger, options: { ...OPTIONS, sandboxOrders: 'grant' } });
    const id = '144612098616034000';
    w.double.orders.set(id, { status: 1, checked: 0 });
    await poller.register({ orderId: id, userId: 'u2' });
    w.clock.advance(3000);
    await poller.tick(); // no grant worker runs here: the order waits pending
    w.double.orders.set(id, { status: 2, checked: 1 });
    w.clock.advance(3000);
    await poller.tick();
    assert.equal((await poller.get(id))!.state, 'cancelled');
    assert.equal((await ledger.get(`gamecenter:${id}`))!.state, 'cancelled');
    assert.deepEqual([grants.length, revocations.length], [0, 0]);
    assert.equal(w.logger.find('reset before its grant ran', 'error').length, 1);
  });

  it('sandbox and test-user orders reach the handler marked; with sandboxOrders refuse they are declined', async () => {
    const grants: LedgerRecord[] = [];
    const p = processOf(w, grants, []);
    const refusing = processOf(w, grants, [], 'refuse');
    try {
      const [sandbox, tester, real, refused] = ['144612098616034001', '144612098616034002', '144612098616034003', '144612098616034004'];
      w.double.orders.set(sandbox, { status: 1, checked: 1, env: 0 });
      w.double.orders.set(tester, { status: 1, checked: 1, env: 1, test: true });
      w.double.orders.set(real, { status: 1, checked: 1, env: 1 });
      w.double.orders.set(refused, { status: 1, checked: 1, env: 0, test: true });
      for (const id of [sandbox, tester, real]) await p.poller.register({ orderId: id, userId: 'u3' });
      w.clock.advance(3000);
      await p.poller.tick();
      await waitFor('three grants', () => (grants.length === 3 ? true : undefined));
      const by = (id: string) => grants.find((g) => g.orderId === id)!;
      assert.deepEqual([by(sandbox).sandbox, by(sandbox).testUser], [true, undefined]);
      assert.deepEqual([by(tester).sandbox, by(tester).testUser], [undefined, true]);
      assert.deepEqual([by(real).sandbox, by(real).testUser], [undefined, undefined]);

      await refusing.poller.register({ orderId: refused, userId: 'u3' });
      w.clock.advance(3000);
      await refusing.poller.tick();
      assert.equal((await refusing.poller.get(refused))!.state, 'declined');
      const rec = (await refusing.ledger.get(`gamecenter:${refused}`))!;
      assert.equal(rec.state, 'declined');
      assert.match(rec.reason!, /sandbox \(env 0\), test user order refused by gamecenter\.sandboxOrders/);
      assert.deepEqual([rec.sandbox, rec.testUser], [true, true]);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(grants.length, 3, 'never granted');
    } finally {
      await Promise.all([p.stop(), refusing.stop()]);
    }
  });
});
