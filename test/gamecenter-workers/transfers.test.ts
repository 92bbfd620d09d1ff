import assert from 'node:assert/strict';
import { GameCenterInvalidAccessTokenError } from '../../src/platforms/gamecenter/errors.js';
import { DuplicateTransferReferenceError, TransferService } from '../../src/platforms/gamecenter/transfers/TransferService.js';
import type { TransferHandler, TransferOutcome } from '../../src/platforms/gamecenter/transfers/types.js';
import { useWorld } from './support.js';
import type { World } from './support.js';

const OPTIONS = { pollMs: 1000, slowPollMs: 60_000, leaseMs: 30_000, claimLimit: 100, checkChunkSize: 100, handlerRetryMs: 1000, handlerTimeoutMs: 20_000 };
const TOKEN = 'tok-1';
const USER = '645633159128785116';

function service(w: World, handler?: TransferHandler): TransferService {
  return new TransferService({ store: w.store(), client: w.client(), clock: w.clock, logger: w.logger, options: OPTIONS, handler });
}

describe('GameCenter transfers against the double', function () {
  const w = useWorld();
  beforeEach(() => w.double.addUser(USER, TOKEN));

  it('reports the final outcome once, after the intermediate statuses', async () => {
    const seen: TransferOutcome[] = [];
    const s = service(w, (o) => void seen.push(o));
    const { transferId, tracked } = await s.newTransfer({ userToken: TOKEN, amount: '12.50', reference: 'payout-1' });
    assert.equal(tracked, true);
    assert.equal(w.double.transfers.get(transferId)?.amount, 1250);
    for (const status of [0, 1] as const) {
      w.double.transfers.get(transferId)!.status = status;
      w.clock.advance(1000);
      await s.tick();
      assert.equal(seen.length, 0);
    }
    w.double.transfers.get(transferId)!.status = 2;
    w.clock.advance(1000);
    await s.tick();
    assert.equal(seen.length, 1);
    assert.deepEqual({ ...seen[0]!, raw: undefined }, { transferId, reference: 'payout-1', outcome: 'success', status: 2, amount: 1250, currency: 'AED', userId: USER, raw: undefined });
    for (let i = 0; i < 3; i++) {
      w.clock.advance(120_000);
      await s.tick();
    }
    assert.equal(seen.length, 1);
    assert.equal((await s.get(transferId))!.state, 'reported');
    assert.equal(w.double.requestsTo('transfer.new').length, 1);
  });

  it('with two pollers, calls the handler exactly once per transfer', async () => {
    const calls = new Map<string, number>();
    const handler: TransferHandler = async (o) => {
      calls.set(o.transferId, (calls.get(o.transferId) ?? 0) + 1);
      await new Promise((r) => setImmediate(r));
    };
    const a = service(w, handler);
    const b = service(w, handler);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await (i % 2 ? a : b).newTransfer({ userToken: TOKEN, amount: 1, reference: `r-${i}` })).transferId);
    ids.forEach((id, i) => (w.double.transfers.get(id)!.status = i % 3 === 0 ? 3 : 2));
    for (let round = 0; round < 4; round++) {
      w.clock.advance(31_000);
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    }
    assert.equal(calls.size, 30);
    assert.ok([...calls.values()].every((n) => n === 1));
  });

  it('calls a failing handler again later until it succeeds, then never again', async () => {
    let n = 0;
    const s = service(w, () => {
      if (++n === 1) throw new Error('wallet db down');
    });
    const { transferId } = await s.newTransfer({ userToken: TOKEN, amount: 3, reference: 'r-f' });
    w.double.transfers.get(transferId)!.status = 3;
    w.clock.advance(1000);
    await s.tick();
    assert.equal(n, 1);
    assert.equal((await s.get(transferId))!.state, 'reporting');
    w.clock.advance(1000);
    await s.tick();
    assert.equal(n, 2);
    w.clock.advance(60_000);
    await s.tick();
    assert.equal(n, 2);
    assert.equal(w.double.requestsTo('transfer.check_status').length, 1, 'a known outcome is not asked again');
  });

  it('a handler past transferHandlerTimeoutMs: signal aborted, the call counts as failed and is made again', async () => {
    const signals: AbortSignal[] = [];
    const s = new TransferService({
      store: w.store(),
      client: w.client(),
      clock: w.clock,
      logger: w.logger,
      options: { ...OPTIONS, handlerTimeoutMs: 100 },
      handler: async (_o, ctx) => {
        signals.push(ctx.signal);
        // the first call never returns by itself: only its deadline ends it
        if (signals.length === 1) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      },
    });
    const { transferId } = await s.newTransfer({ userToken: TOKEN, amount: 3, reference: 'r-slow' });
    w.double.transfers.get(transferId)!.status = 2;
    w.clock.advance(1000);
    await s.tick();
    assert.equal(signals[0]!.aborted, true);
    assert.equal((await s.get(transferId))!.state, 'reporting', 'not reported: called again later');
    assert.equal(w.logger.find('transfer outcome handler timed out', 'warn').length, 1);
    w.clock.advance(1000);
    await s.tick();
    assert.equal(signals.length, 2);
    assert.equal((await s.get(transferId))!.state, 'reported');
  });

  it('pays a reference at most once, and frees it when GameCenter refused', async () => {
    const s = service(w);
    await assert.rejects(s.newTransfer({ userToken: 'bad-token', amount: 5, reference: 'r-x' }), GameCenterInvalidAccessTokenError);
    const { transferId } = await s.newTransfer({ userToken: TOKEN, amount: 5, reference: 'r-x' });
    await assert.rejects(s.newTransfer({ userToken: TOKEN, amount: 5, reference: 'r-x' }), (e: unknown) => e instanceof DuplicateTransferReferenceError && e.existing === transferId);
    assert.equal(w.double.transfers.size, 1);
  });

  it('keeps a reference blocked when the outcome of transfer.new is unknown, and never retries it', async () => {
    const s = service(w);
    w.double.failNext('transfer.new', { drop: true });
    await assert.rejects(s.newTransfer({ userToken: TOKEN, amount: 5, reference: 'r-u' }));
    assert.equal(w.double.requestsTo('transfer.new').length, 1);
    await assert.rejects(s.newTransfer({ userToken: TOKEN, amount: 5, reference: 'r-u' }), (e: unknown) => e instanceof DuplicateTransferReferenceError && e.existing === 'unknown');
    assert.equal(w.double.requestsTo('transfer.new').length, 1);
    assert.ok(w.logger.find('transfer outcome unknown', 'error').length);
  });
});
