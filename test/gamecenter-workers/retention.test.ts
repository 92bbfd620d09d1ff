/**
 * GameCenter's Redis footprint stays bounded (#15): a final order's record and a reported transfer expire
 * `recordDays` after they became final, a small tombstone (orders) or the reference's key (transfers) keeps
 * the duplicate check until `dedupeDays`, and then nothing is left. TTLs are read with PTTL on a real
 * redis-server; expiry itself is Redis's own (short retention in ms for the tests that wait for it).
 */
import assert from 'node:assert/strict';
import { GrantWorker } from '../../src/ledger/GrantWorker.js';
import { ledgerOptionsSchema } from '../../src/ledger/options.js';
import { StoreLedger } from '../../src/ledger/StoreLedger.js';
import type { LedgerRecord } from '../../src/ledger/types.js';
import { OrderPoller } from '../../src/platforms/gamecenter/orders/OrderPoller.js';
import { gameCenterPlatformOptionsSchema } from '../../src/platforms/gamecenter/platformOptions.js';
import { DuplicateTransferReferenceError, TransferService } from '../../src/platforms/gamecenter/transfers/TransferService.js';
import { waitFor } from '../helpers/processes.js';
import { useWorld } from './support.js';
import type { World } from './support.js';

const DAY = 86_400_000;
const POLL = { claimLimit: 1000, checkChunkSize: 100, concurrency: 4, leaseMs: 30_000, acceptRetryMs: 3000, sandboxOrders: 'grant' as const };
const TRANSFER = { pollMs: 1000, slowPollMs: 60_000, leaseMs: 30_000, claimLimit: 100, checkChunkSize: 100, handlerRetryMs: 1000, handlerTimeoutMs: 20_000 };
const TOKEN = 'tok-r';
const USER = '645633159128785117';
let seq = 0;
const orderId = () => String(244_612_098_616_033_280n + BigInt(++seq));

/** PTTL in whole days (a fresh TTL of N days reads N). */
const days = (pttl: number) => (pttl < 0 ? pttl : Math.round(pttl / DAY));

function polling(w: World, retention?: { recordMs: number; dedupeMs: number }) {
  const store = w.store();
  const ledger = new StoreLedger(store, w.clock);
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
  const poller = new OrderPoller({ store, client: w.client(), ledger, clock: w.clock, logger: w.logger, options: { ...POLL, retention } });
  return { store, ledger, poller, calls, worker };
}

describe('GameCenter retention: records expire, tombstones keep the duplicate check, then nothing', function () {
  const w = useWorld();
  beforeEach(() => w.double.addUser(USER, TOKEN));

  it('options: recordDays 90 and dedupeDays 400 by default; the tombstone may not die before the record', () => {
    const base = { baseUrl: 'test', appId: 'a', secret: 's' } as const;
    const o = gameCenterPlatformOptionsSchema.parse(base);
    assert.deepEqual([o.recordDays, o.dedupeDays], [90, 400]);
    assert.throws(() => gameCenterPlatformOptionsSchema.parse({ ...base, recordDays: 30, dedupeDays: 10 }), /dedupeDays/);
  });

  it('a final order: record for recordDays, tombstone for dedupeDays, nothing while it polls', async () => {
    const { store, poller, worker } = polling(w);
    try {
      const [paid, cancelled, open] = [orderId(), orderId(), orderId()];
      w.double.orders.set(paid, { status: 1, checked: 1, amount: 499, currency: 'AED', sku: 'p', payTime: 1 });
      w.double.orders.set(cancelled, { status: 2, checked: 1 });
      w.double.orders.set(open, { status: 0, checked: 0 });
      for (const id of [paid, cancelled, open]) await poller.register({ orderId: id, userId: 'u1' });
      assert.equal(await store.pttl(poller.keys.orderPrefix + open), -1, 'a polled order does not expire');
      w.clock.advance(3000);
      await poller.tick();
      for (const [id, state] of [
        [paid, 'paid'],
        [cancelled, 'cancelled'],
      ] as const) {
        assert.equal((await poller.get(id))!.state, state);
        assert.equal(days(await store.pttl(poller.keys.orderPrefix + id)), 90);
        assert.equal(days(await store.pttl(poller.keys.donePrefix + id)), 400);
        assert.equal(await store.get(poller.keys.donePrefix + id), `${state}|${w.clock.now() - 3000}|u1`);
        assert.ok((await store.get(poller.keys.donePrefix + id))!.length <= 150);
      }
      assert.equal(await store.pttl(poller.keys.orderPrefix + open), -1);
      assert.equal(await store.get(poller.keys.donePrefix + open), null);
    } finally {
      await worker.stop();
    }
  });

  it('after the record expired: registering again answers known from the tombstone and polls nothing; after dedupeDays it polls again and the ledger does not grant twice', async () => {
    const { store, ledger, poller, calls, worker } = polling(w, { recordMs: 300, dedupeMs: 900 });
    try {
      const id = orderId();
      w.double.orders.set(id, { status: 1, checked: 1, amount: 499, currency: 'AED', sku: 'p', payTime: 1 });
      await poller.register({ orderId: id, userId: 'u1' });
      w.clock.advance(3000);
      await poller.tick();
      await waitFor('the grant', () => (calls.length === 1 ? true : undefined));
      await waitFor('the record to expire', async () => ((await store.pttl(poller.keys.orderPrefix + id)) === -2 ? true : undefined));
      const again = await poller.register({ orderId: id, userId: 'u1' });
      assert.equal(again.status, 'known');
      assert.equal(again.status === 'known' && again.recordExpired, true);
      assert.equal(again.order.state, 'paid');
      assert.equal(again.order.userId, 'u1');
      assert.equal(await poller.pending(), 0, 'not on the schedule again');
      assert.equal(await store.pttl(poller.keys.orderPrefix + id), -2, 'no record recreated');

      await waitFor('the tombstone to expire', async () => ((await store.pttl(poller.keys.donePrefix + id)) === -2 ? true : undefined));
      assert.equal((await poller.register({ orderId: id, userId: 'u1' })).status, 'registered');
      w.clock.advance(3000);
      await poller.tick();
      const o = (await poller.get(id))!;
      assert.equal(o.state, 'paid');
      assert.equal(o.reason, 'already in the ledger', "the ledger's own record of gamecenter:<id> answers duplicate");
      assert.equal((await ledger.get(`gamecenter:${id}`))!.state, 'granted');
      await new Promise((r) => setImmediate(r));
      assert.equal(calls.length, 1, 'granted once');
    } finally {
      await worker.stop();
    }
  });

  it('a reported transfer: record for recordDays, reference used for dedupeDays; no refs hash grows; unknown never expires', async () => {
    const store = w.store();
    const s = new TransferService({ store, client: w.client(), clock: w.clock, logger: w.logger, options: TRANSFER, handler: () => undefined });
    const { transferId } = await s.newTransfer({ userToken: TOKEN, amount: 2, reference: 'pay-1' });
    assert.equal(await store.get(s.keys.refPrefix + 'pay-1'), transferId);
    assert.equal(await store.pttl(s.keys.refPrefix + 'pay-1'), -1, 'not final yet: kept');
    w.double.transfers.get(transferId)!.status = 2;
    w.clock.advance(1000);
    await s.tick();
    assert.equal((await s.get(transferId))!.state, 'reported');
    assert.equal(days(await store.pttl(s.keys.transferPrefix + transferId)), 90);
    assert.equal(days(await store.pttl(s.keys.refPrefix + 'pay-1')), 400);
    await assert.rejects(s.newTransfer({ userToken: TOKEN, amount: 2, reference: 'pay-1' }), (e) => e instanceof DuplicateTransferReferenceError && e.existing === transferId);
    assert.equal(await store.hgetall(s.keys.refs).then((h) => Object.keys(h).length), 0, 'the old refs hash is not written');

    w.double.failNext('transfer.new', { drop: true });
    await assert.rejects(s.newTransfer({ userToken: TOKEN, amount: 2, reference: 'pay-2' }));
    assert.equal(await store.get(s.keys.refPrefix + 'pay-2'), 'unknown');
    assert.equal(await store.pttl(s.keys.refPrefix + 'pay-2'), -1, 'an unknown outcome waits for an operator, however long');
  });

  it('a reference in the refs hash of an earlier version stays used; after dedupeDays a reference is free again', async () => {
    const store = w.store();
    const s = new TransferService({ store, client: w.client(), clock: w.clock, logger: w.logger, options: { ...TRANSFER, retention: { recordMs: 200, dedupeMs: 400 } }, handler: () => undefined });
    await store.hset(s.keys.refs, { legacy: 'T-OLD' });
    await assert.rejects(s.newTransfer({ userToken: TOKEN, amount: 1, reference: 'legacy' }), (e) => e instanceof DuplicateTransferReferenceError && e.existing === 'T-OLD');
    assert.equal(w.double.requestsTo('transfer.new').length, 0);

    const { transferId } = await s.newTransfer({ userToken: TOKEN, amount: 1, reference: 'short' });
    w.double.transfers.get(transferId)!.status = 3;
    w.clock.advance(1000);
    await s.tick();
    await waitFor('the record and reference to expire', async () =>
      (await store.pttl(s.keys.refPrefix + 'short')) === -2 && (await store.pttl(s.keys.transferPrefix + transferId)) === -2 ? true : undefined,
    );
    const next = await s.newTransfer({ userToken: TOKEN, amount: 1, reference: 'short' });
    assert.notEqual(next.transferId, transferId);
    assert.equal(w.double.requestsTo('transfer.new').length, 2);
  });
});
