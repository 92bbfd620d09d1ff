/**
 * A grant worker's slot is the handler's, not the store's: it frees when the game's grant handler returns,
 * while the grant is still being recorded, so an order accepted meanwhile starts at once (leased to this
 * process in its accept) instead of waiting for a round trip or going to the claim path. Shutting down
 * still waits for such a grant to be recorded, so it is never run again after its lease. On a real
 * redis-server; the store is the real one, with the grant's record step held back where a test says.
 */
import assert from 'node:assert/strict';
import { GrantWorker } from '../../src/ledger/GrantWorker.js';
import { StoreLedger } from '../../src/ledger/StoreLedger.js';
import { ledgerOptionsSchema } from '../../src/ledger/options.js';
import type { LedgerRecord, PaidOrder } from '../../src/ledger/types.js';
import { KeySpace, RedisStore } from '../../src/store/index.js';
import { holdScript } from '../helpers/heldScript.js';
import { CapturingLogger } from '../helpers/logs.js';
import { waitFor } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';

describe('grant worker slots', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let n = 0;
  const order = (id: string): PaidOrder => ({ source: 'test', orderId: id, userId: 'slot-player', amount: 1, raw: {} });

  async function boot(wait: () => Promise<void>) {
    const real = new RedisStore({ connection: redis.url, keys: new KeySpace(`slots${++n}:`), logger: new CapturingLogger() });
    const store = holdScript(real, 'ledger_complete', wait);
    const clock = { now: Date.now };
    const ledger = new StoreLedger(store, clock);
    const runs: string[] = [];
    const worker = new GrantWorker({
      store,
      keys: ledger.keys,
      clock,
      logger: new CapturingLogger(),
      options: ledgerOptionsSchema.parse({ concurrency: 1, pollIntervalMs: 60_000 }),
      handler: (o: LedgerRecord) => {
        runs.push(o.orderId);
        return { items: [] };
      },
      onGranted: () => undefined,
    });
    ledger.taker = worker;
    worker.start();
    return { real, ledger, worker, runs };
  }

  it('frees when the handler returns: the next order runs while the one before is still being recorded', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = 0;
    const { real, ledger, worker, runs } = await boot(async () => {
      held++;
      await gate;
    });
    try {
      await ledger.accept(order('a'));
      await waitFor('the first grant on its way', () => (held === 1 ? true : undefined));
      await ledger.accept(order('b'));
      // with the slot counted until the grant is recorded, the second would wait for the first's round trip
      await waitFor('the second handler ran', () => (runs.length === 2 ? true : undefined), 5000);
      assert.deepEqual(runs, ['a', 'b']);
      assert.equal((await ledger.get('test:a'))?.state, 'granting', 'the first is not recorded yet');
      release();
      await waitFor('both granted', async () => ((await ledger.get('test:b'))?.state === 'granted' ? true : undefined));
      assert.deepEqual([(await ledger.get('test:a'))?.attempts, (await ledger.get('test:b'))?.attempts], [1, 1]);
      assert.deepEqual(
        (await ledger.timeline('test:b')).map((e) => e.event),
        ['accepted', 'lease_taken', 'granted'],
        'leased at its accept, no claim',
      );
    } finally {
      release();
      await worker.stop();
      await real.close();
    }
  });

  it('shutting down waits for the grant of a handler that returned: recorded granted, not run again', async () => {
    const { real, ledger, worker, runs } = await boot(() => new Promise((r) => setTimeout(r, 200)));
    try {
      await ledger.accept(order('c'));
      await waitFor('the handler ran', () => (runs.length === 1 ? true : undefined));
      await worker.stop();
      assert.equal((await ledger.get('test:c'))?.state, 'granted');
    } finally {
      await real.close();
    }
  });
});
