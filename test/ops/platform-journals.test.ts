/**
 * Timelines beyond the ledger, where an operator looks: a SUD match (notified, failed once, settled, then a
 * duplicate notification), a GameCenter order (registered, paid and handed to the ledger) and a transfer
 * (created, final), read through the desk; and GameCenter calls counted in the metrics.
 */
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { Journal, SubjectJournal, journalOptionsSchema } from '../../src/ledger/journal.js';
import { StoreLedger } from '../../src/ledger/StoreLedger.js';
import { Desk } from '../../src/ops/desk.js';
import { BridgeMetrics } from '../../src/ops/metrics.js';
import { installGameCenter } from '../../src/platforms/gamecenter/install.js';
import { gameCenterPlatformOptionsSchema } from '../../src/platforms/gamecenter/platformOptions.js';
import { TransferService } from '../../src/platforms/gamecenter/transfers/TransferService.js';
import { sudNotification } from '../../src/testing/requests.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { waitFor } from '../helpers/processes.js';
import { APP_ID, SECRET, useWorld } from '../gamecenter-workers/support.js';
import { parsePrometheus, valueOf } from './promText.js';

describe('SUD timeline', function () {
  this.timeout(30_000);
  let app: BootedBridge | undefined;
  afterEach(async () => {
    await app?.bridge.close();
    await app?.shutdown();
  });

  it('reads: notified, lease taken, failed, lease taken, completed, notified again, duplicate', async () => {
    let calls = 0;
    app = await bootBridge({
      bridge: {
        sud: {
          appId: 'sud-app',
          appSecret: 'sud-secret-0123456789',
          worker: { pollIntervalMs: 20, backoffBaseMs: 5, backoffMaxMs: 5 },
          onSettlement: async () => {
            if (++calls === 1) throw new Error('score service down');
          },
        },
      },
    });
    const n = sudNotification({ appId: 'sud-app', secret: 'sud-secret-0123456789', roomId: 'room-1', matchId: 'match-42', uids: ['u1', 'u2'] });
    const post = () => fetch(`${app!.baseUrl}/platform/sud/notify`, { method: 'POST', headers: n.headers, body: n.body });
    assert.equal((await post()).status, 200);
    await waitFor('settled', async () => ((await app!.bridge.sud!.settlements.get('match-42'))?.state === 'done' ? true : undefined));
    assert.equal((await post()).status, 200);
    const entries = await waitFor('duplicate journaled', async () => {
      const e = await app!.bridge.desk.journalOf('sud', 'match-42');
      return e.at(-1)?.event === 'duplicate' ? e : undefined;
    });
    assert.deepEqual(
      entries.map((e) => e.event),
      ['notified', 'lease_taken', 'attempt_failed', 'lease_taken', 'completed', 'notified', 'duplicate'],
    );
    assert.equal(entries[0]!.peer, '127.0.0.1');
    assert.equal(entries[2]!.error, 'score service down');
    assert.deepEqual([entries[4]!.delivered, entries[4]!.roomId], [false, 'room-1'], 'settled; no live room to show it in');
    assert.equal(entries[6]!.outcome, 'duplicate-notify');
  });
});

describe('GameCenter timelines and metrics', function () {
  const w = useWorld();

  it('journals an order from registration to the ledger, a transfer to its final status, and counts each API call', async () => {
    const store = w.store();
    const registry = new Registry();
    const ledger = new StoreLedger(store, w.clock);
    const subjects = new SubjectJournal(new Journal(store, journalOptionsSchema.parse({})), store.keys, w.clock);
    const desk = new Desk(store, ledger, w.clock, subjects);
    const metrics = new BridgeMetrics({ registry, store, logger: w.logger, pingTimeoutMs: 1000, counts: () => desk.counts() });
    const stops: Array<() => unknown> = [];
    const gc = installGameCenter(
      { store, clock: w.clock, logger: w.logger, setPlatformStatus: () => undefined, onStopIntake: (fn) => void stops.push(fn), onClose: () => undefined, ops: metrics, journal: subjects },
      gameCenterPlatformOptionsSchema.parse({ baseUrl: w.double.url, appId: APP_ID, secret: SECRET, rankFlushIntervalMs: 100_000, pollTickMs: 50 }),
      { ledger },
    );
    try {
      const id = '144612098616033777';
      w.double.orders.set(id, { status: 1, checked: 1, amount: 100 });
      await gc.registerOrder({ orderId: id, userId: '7', cpOrderId: 'game-77' });
      w.clock.advance(3000);
      await waitFor('paid', async () => ((await gc.orders.get(id))?.state === 'paid' ? true : undefined));
      const order = await waitFor('journaled', async () => {
        const e = await desk.journalOf('gamecenter-order', id);
        return e.length === 2 ? e : undefined;
      });
      assert.deepEqual(
        order.map((e) => e.event),
        ['registered', 'paid'],
      );
      assert.equal(order[0]!.cpOrderId, 'game-77');
      assert.equal(order[1]!.ledgerKey, `gamecenter:${id}`);
      const ledgerTimeline = (await desk.timeline('game-77'))!;
      assert.equal(ledgerTimeline.key, `gamecenter:${id}`, 'the ledger order is found by the game’s cp order id');
      assert.deepEqual(ledgerTimeline.entries[0]!.ids, { cpOrderId: 'game-77' });

      w.double.addUser('645633159128785116', 'tok-1');
      const transfers = new TransferService({
        store,
        client: w.client({ observe: (a, c, s) => metrics.gamecenter(a, c, s) }),
        clock: w.clock,
        logger: w.logger,
        journal: subjects,
        options: { pollMs: 1000, slowPollMs: 60_000, leaseMs: 30_000, claimLimit: 100, checkChunkSize: 100, handlerRetryMs: 1000, handlerTimeoutMs: 20_000 },
      });
      const { transferId } = await transfers.newTransfer({ userToken: 'tok-1', amount: '5.00', reference: 'payout-9' });
      w.double.transfers.get(transferId)!.status = 2;
      w.clock.advance(1000);
      await transfers.tick();
      const t = await waitFor('transfer journaled', async () => {
        const e = await desk.journalOf('gamecenter-transfer', transferId);
        return e.length === 2 ? e : undefined;
      });
      assert.deepEqual(
        t.map((e) => e.event),
        ['created', 'final'],
      );
      assert.equal(t[0]!.reference, 'payout-9');

      const m = parsePrometheus(await registry.metrics());
      assert.ok(valueOf(m, 'platform_bridge_gamecenter_requests_total', { api: 'order.check_status', code: '0' }) >= 1);
      assert.equal(valueOf(m, 'platform_bridge_gamecenter_requests_total', { api: 'transfer.new', code: '0' }), 1);
      assert.equal(valueOf(m, 'platform_bridge_gamecenter_requests_total', { api: 'transfer.check_status', code: '0' }), 1);
      assert.ok(valueOf(m, 'platform_bridge_gamecenter_request_seconds_count', { api: 'transfer.new' }) === 1);
    } finally {
      for (const s of stops) await s();
    }
  });
});
