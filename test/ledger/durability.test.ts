/**
 * Replicated durability (`ledger.durability`) on a real primary + replica pair of redis-server processes:
 * success is answered only once the replica has the order, a confirmation that times out answers the retry
 * code (the order stays recorded and its retry is answered once replicated), and orders answered success
 * survive losing the primary.
 */
import assert from 'node:assert/strict';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { healthReport } from '../../src/http/health.js';
import { registerPlatformBridge } from '../../src/index.js';
import { RedisServer } from '../helpers/redisServer.js';
import { CapturingLogger } from '../helpers/logs.js';
import { waitFor } from '../helpers/processes.js';
import { installSud, parseSudOptions } from '../../src/platforms/sud/index.js';
import { installVngates, parseVngatesOptions, type VngatesOptionsInput } from '../../src/platforms/vngates/index.js';
import { bootHarness } from '../sud/harness.js';
import { APP_ID as SUD_APP_ID, APP_SECRET as SUD_SECRET, SUCCESS_TEXT as SUD_SUCCESS, post as sudPost, signed as sudSigned, specExample } from '../sud/support.js';
import { APP_ID as VNG_APP_ID, SECRET as VNG_SECRET, TEMPLATE_FIELDS, addgoldExample, addgoldUrl, get } from '../vngates/support.js';
import { GIFT_KEY, bootRecharge, giftRedemption, granted, httpAnswer, httpOrder, sendJson, socketOrder, type RechargeApp } from '../recharge/support.js';

const SUCCESS = httpAnswer(1, 'succeed');
const RETRY = httpAnswer(-6, 'store unavailable, retry later');
const DUPLICATE = httpAnswer(-1, 'duplicate order');

describe('replicated durability (ledger.durability) on a primary + replica pair', function () {
  this.timeout(60_000);
  const primary = new RedisServer();
  let replica: RedisServer;
  let app: RechargeApp | undefined;
  const gifts: string[] = [];

  before(async () => {
    await primary.start();
    replica = new RedisServer({ replicaOf: primary });
    await replica.start();
    await replica.waitForSync();
  });
  afterEach(async () => {
    replica.resume();
    await app?.close();
    app = undefined;
  });
  after(async () => {
    replica.resume();
    await replica.dispose();
    await primary.dispose();
  });

  // a long wait where the replica is expected to confirm (a loaded machine must not turn it into -6), a short
  // one where it is stopped and the retry answer is the point
  const CONFIRMS = 5000;
  const LAGS = 600;
  const boot = async (timeoutMs: number) =>
    (app = await bootRecharge({
      redisUrl: primary.url,
      durability: { replicas: 1, timeoutMs },
      recharge: { giftKey: GIFT_KEY, giftHandler: async (req) => (gifts.push(req.codeNo), { ok: true }) },
    }));
  /** The order's state as the replica has it: what a failover would keep. */
  const onReplica = async (a: RechargeApp, cporderNo: unknown) => replicaField(replica, a.ledger.keys.order(`recharge:${String(cporderNo)}`), 'state');

  it('answers success only once the replica has the order, for every order of a group-committed batch', async () => {
    const a = await boot(CONFIRMS);
    const orders = Array.from({ length: 20 }, () => httpOrder());
    const answers = await Promise.all(orders.map((o) => a.post(o)));
    for (const [i, res] of answers.entries()) {
      assert.deepEqual([res.status, res.text], [200, SUCCESS]);
      // read right after the answer: the replica already holds it
      assert.notEqual(await onReplica(a, orders[i]!.cporder_no), null, `order ${i} answered success is on the replica`);
    }
    const health = await healthReport(a.ctx, {});
    assert.equal(health.status, 'ok');
    assert.deepEqual(health.store.replicas, { wanted: 1, online: 1 });
  });

  it('a replica that does not confirm in time: -6 on HTTP, socket and gift; recorded anyway, granted once; the retry succeeds once replicated', async () => {
    const a = await boot(LAGS);
    const order = httpOrder();
    const overSocket = socketOrder();
    const gift = giftRedemption();
    replica.pause();

    const first = await a.post(order);
    assert.deepEqual([first.status, first.text], [503, RETRY]);
    // recorded on the primary: the retry will be a duplicate, not a second order
    assert.notEqual(await a.store.hget(a.ledger.keys.order(`recharge:${String(order.cporder_no)}`), 'state'), null);
    const socketReply = await sendJson(a.socketPort, overSocket);
    assert.equal(socketReply.reply.ret, -6);
    const giftReply = await sendJson(a.socketPort, gift);
    assert.equal(giftReply.reply.code, '-6');
    assert.equal(gifts.filter((c) => c === gift.codeNo).length, 0, 'the gift handler does not run on an unconfirmed claim');
    assert.ok(a.logger.find('not confirmed by enough replicas', 'warn').length > 0);

    // a retry while the replica still lags is not answered success either (a duplicate must be replicated too)
    const retryWhilePaused = await a.post(order);
    assert.deepEqual([retryWhilePaused.status, retryWhilePaused.text], [503, RETRY]);

    // the grant ran once; its record could not be confirmed, which is logged and waited for, never re-run
    await granted(a, `recharge:${String(order.cporder_no)}`);
    await waitFor('the unconfirmed grant to be logged', () => (a.logger.find('not yet confirmed by the replicas', 'warn').length > 0 ? true : undefined), 5000, 20);

    replica.resume();
    const retried = await waitFor(
      'the retry to be answered once replicated',
      async () => {
        const r = await a.post(order);
        return r.status === 503 ? undefined : r;
      },
      10_000,
      50,
    );
    assert.deepEqual([retried.status, retried.text], [200, DUPLICATE]);
    assert.notEqual(await onReplica(a, order.cporder_no), null);
    assert.equal((await sendJson(a.socketPort, overSocket)).reply.ret, -1, 'the socket order is a duplicate: recorded by the first try');
    assert.equal((await sendJson(a.socketPort, gift)).reply.code, '1');
    assert.equal(gifts.filter((c) => c === gift.codeNo).length, 1);
    await waitFor('the grant confirmed once the replica is back', () => (a.logger.find('now confirmed by the replicas', 'info').length > 0 ? true : undefined), 10_000, 20);
    assert.equal(a.grants.filter((g) => g.orderId === order.cporder_no).length, 1, 'the grant handler ran once');
  });

  it('SUD notifications and VNGates /addgold: 503 while the replica lags, success on the retry once replicated', async () => {
    const settled: string[] = [];
    const h = await bootHarness(
      { redis: primary.url, keyPrefix: `dur${Date.now()}:`, redisCommandTimeoutMs: 500, ledger: { pollIntervalMs: 20, durability: { replicas: 1, timeoutMs: LAGS } }, grant: () => undefined },
      (ctx, { ledger }) => {
        installSud(ctx, parseSudOptions({ appId: SUD_APP_ID, appSecret: SUD_SECRET, worker: { pollIntervalMs: 20 }, onSettlement: (s) => void settled.push(s.matchId) }), {
          rooms: { deliver: () => undefined },
        });
        installVngates(ctx, parseVngatesOptions({ appId: VNG_APP_ID, secret: VNG_SECRET, signTemplate: { fields: TEMPLATE_FIELDS } } as VngatesOptionsInput), { ledger });
      },
    );
    try {
      const notify = sudSigned(JSON.stringify(specExample(`n-${Date.now()}`, `m-${Date.now()}`)));
      const addgold = addgoldUrl(h.baseUrl, addgoldExample({ transaction_id: String(Date.now()) }));
      replica.pause();
      const sud = await sudPost(`${h.baseUrl}/platform/sud/notify`, notify);
      assert.equal(sud.status, 503);
      assert.equal((sud.json as { ret_code: number }).ret_code, 5001);
      const vng = await get(addgold);
      assert.equal(vng.status, 503);
      replica.resume();
      const sudRetry = await waitFor(
        'the SUD retry to succeed',
        async () => {
          const r = await sudPost(`${h.baseUrl}/platform/sud/notify`, notify);
          return r.status === 503 ? undefined : r;
        },
        10_000,
        50,
      );
      assert.deepEqual([sudRetry.status, sudRetry.text], [200, SUD_SUCCESS]);
      assert.deepEqual(await get(addgold), { status: 200, text: '{"status":1,"msg":"success"}' });
      await waitFor('the settlement to run', () => (settled.length > 0 ? true : undefined), 5000, 20);
      assert.equal(settled.length, 1, 'recorded by the first try, run once');
    } finally {
      replica.resume();
      await h.close();
    }
  });

  it('without a connected replica: health is degraded and names the replicas, money paths answer -6', async () => {
    const a = await boot(LAGS);
    await replica.stop();
    try {
      await waitFor('the primary to see the replica gone', async () => ((await healthReport(a.ctx, {})).store.replicas?.online === 0 ? true : undefined), 5000, 20);
      const health = await healthReport(a.ctx, {});
      assert.equal(health.status, 'degraded');
      assert.deepEqual(health.store.replicas, { wanted: 1, online: 0 });
      assert.equal(health.store.reachable, true);
      const res = await a.post(httpOrder());
      assert.deepEqual([res.status, res.text], [503, RETRY]);
    } finally {
      await replica.start(replica.port);
      await replica.waitForSync();
    }
    await waitFor('health ok again', async () => ((await healthReport(a.ctx, {})).status === 'ok' ? true : undefined), 5000, 20);
  });

  it('refuses replicas > 0 with the in-process store, at register', () => {
    const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
    assert.throws(() => registerPlatformBridge(server, { logger: new CapturingLogger(), ledger: { durability: { replicas: 1 } } }), /in-process store/);
  });

  // last: it kills the primary
  it('orders answered success survive kill -9 of the primary and promotion of the replica', async () => {
    const a = await boot(CONFIRMS);
    const orders = Array.from({ length: 30 }, () => httpOrder());
    const answers = await Promise.all(orders.map((o) => a.post(o)));
    const succeeded = orders.filter((_, i) => answers[i]!.text === SUCCESS);
    assert.equal(succeeded.length, orders.length);
    await primary.stop(); // SIGKILL: no chance to flush anything more
    assert.match(await replica.command('REPLICAOF', 'NO', 'ONE'), /^\+OK/);
    for (const o of succeeded) assert.notEqual(await onReplica(a, o.cporder_no), null, `order ${String(o.cporder_no)} survived the failover`);
  });
});

/** One hash field read straight from a server (the bridge's connection points at the primary). */
async function replicaField(server: RedisServer, key: string, field: string): Promise<string | null> {
  const raw = await server.command('HGET', key, field);
  const m = /^\$(-?\d+)\r\n(.*)\r\n$/s.exec(raw);
  if (!m) throw new Error(`unexpected reply ${JSON.stringify(raw)}`);
  return Number(m[1]) < 0 ? null : m[2]!;
}
