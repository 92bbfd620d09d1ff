import assert from 'node:assert/strict';
import type { PlatformStatus } from '../../src/context.js';
import { StoreLedger } from '../../src/ledger/StoreLedger.js';
import { installGameCenter } from '../../src/platforms/gamecenter/install.js';
import { gameCenterPlatformOptionsSchema } from '../../src/platforms/gamecenter/platformOptions.js';
import { waitFor } from '../helpers/processes.js';
import { APP_ID, SECRET, useWorld } from './support.js';

describe('GameCenter platform options and install', function () {
  const w = useWorld();

  it('fills defaults and names bad fields', () => {
    const o = gameCenterPlatformOptionsSchema.parse({ baseUrl: 'test', appId: 'a', secret: 's' });
    assert.equal(o.rankTimeZone, 'UTC');
    assert.equal(o.rankBatchSize, 999);
    assert.equal(o.checkChunkSize, 100);
    const bad = gameCenterPlatformOptionsSchema.safeParse({ baseUrl: 'test', appId: 'a', secret: 's', rankTimeZone: 'Mars/Olympus', rankBatchSize: 1000, leaseMs: 2000, onTransfer: 'x' });
    assert.equal(bad.success, false);
    const paths = bad.error!.issues.map((i) => i.path.join('.')).sort();
    assert.deepEqual(paths, ['onTransfer', 'rankBatchSize', 'rankTimeZone']);
    const lease = gameCenterPlatformOptionsSchema.safeParse({ baseUrl: 'test', appId: 'a', secret: 's', leaseMs: 5000 });
    assert.deepEqual(
      lease.error?.issues.map((i) => i.path.join('.')),
      ['leaseMs'],
    );
    for (const s of Object.values(gameCenterPlatformOptionsSchema.shape ?? {})) assert.ok((s as { description?: string }).description);
  });

  it('installs the workers, reports status, and stops them at shutdown', async () => {
    const store = w.store();
    const statuses: PlatformStatus[] = [];
    const stopFns: Array<() => void | Promise<void>> = [];
    const options = gameCenterPlatformOptionsSchema.parse({
      baseUrl: w.double.url,
      appId: APP_ID,
      secret: SECRET,
      rankFlushIntervalMs: 100_000,
      pollTickMs: 50,
    });
    const gc = installGameCenter(
      {
        store,
        clock: w.clock,
        logger: w.logger,
        setPlatformStatus: (name, s) => void (name === 'gamecenter' && statuses.push(s)),
        onStopIntake: (fn) => void stopFns.push(fn),
        onClose: () => undefined,
      },
      options,
      { ledger: new StoreLedger(store, w.clock) },
    );
    assert.equal(statuses[0]?.enabled, true);
    assert.equal(statuses[0]?.details?.rankTimeZone, 'UTC');

    const id = '144612098616033999';
    w.double.orders.set(id, { status: 1, checked: 1, amount: 100 });
    await gc.registerOrder({ orderId: id, userId: '7', zone: 40_000 });
    assert.ok(w.logger.find('zone outside', 'warn').length);
    const id2 = '144612098616034000';
    await gc.registerOrder({ orderId: id2, userId: '7', zone: 12 });
    assert.equal(w.double.orderZones.get(id2), 12);
    w.clock.advance(3000);
    await waitFor('the order poller', async () => ((await gc.orders.get(id))?.state === 'paid' ? true : undefined));

    await gc.ranks.record([{ userId: '7', type: 0, value: 3 }]);
    assert.deepEqual(await gc.flushRanks(), { requests: 1, sent: 1, failed: 0 });

    await Promise.all(stopFns.map(async (fn) => fn()));
    const requests = w.double.requests.length;
    w.clock.advance(60_000);
    await gc.registerOrder({ orderId: '144612098616034001', userId: '7' });
    w.clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(w.double.requests.length, requests, 'no worker runs after stop');
  });
});
