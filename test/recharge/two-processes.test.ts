/**
 * The same recharge order posted 500 times at once, half to each of two game processes sharing one Redis:
 * exactly one "succeed", every other answer a duplicate code, and one grant (the order handed to a grant
 * handler once: its fencing counter is 1).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { TRIAL_SECRETS } from '../../src/testing/index.js';
import { freePort } from '../helpers/ports.js';
import { spawnTs, waitFor, within, type Spawned } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';

const md5Upper = (s: string) => createHash('md5').update(s).digest('hex').toUpperCase();

describe('recharge over HTTP, two processes, one order', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  const procs: Spawned[] = [];
  after(async () => {
    for (const p of procs) {
      p.kill('SIGTERM');
      await within(15_000, 'exit', p.exited());
    }
  });

  it('500 concurrent duplicates over two processes: one success, one grant', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const proc = spawnTs('example-server/index.ts', { PORT: String(port), RECHARGE_SOCKET_PORT: String(await freePort()), HOST: '127.0.0.1', REDIS_URL: redis.url });
      procs.push(proc);
      ports.push(port);
    }
    for (const port of ports) await waitFor(`server ${port}`, async () => ((await fetch(`http://127.0.0.1:${port}/platform/health`)).status === 200 ? true : undefined));

    const order: Record<string, unknown> = {
      Amount: 999,
      BudanFlag: 0,
      cporder_no: `OurpalmHaiWai${Date.now()}`,
      order_no: '0522022103101002265800',
      Id: '4416429',
      ItemId: '600059992',
      RoleID: '3534059070281430668',
      Time: 1667149237,
      UserID: '0400010000000000000000000000000013220926',
      ZoneID: 50222,
      currencyType: '2',
      fanli: '0',
    };
    order.Sign = md5Upper(`${order.Amount}${order.UserID}${order.ZoneID}${order.cporder_no}${order.order_no}${order.Time}${order.fanli}${TRIAL_SECRETS.RECHARGE_KEY}`);
    const body = JSON.stringify(order);
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        fetch(`http://127.0.0.1:${ports[i % 2]}/platform/recharge`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then((r) => r.text()),
      ),
    );
    const rets = answers.map((a) => JSON.parse(JSON.parse(a).msg).ret as number);
    assert.equal(rets.filter((r) => r === 1).length, 1, 'exactly one succeed');
    assert.ok(
      rets.every((r) => r === 1 || r === -1 || r === -5),
      `only duplicate codes otherwise: ${[...new Set(rets)]}`,
    );

    const probe = new Redis(redis.url);
    try {
      const key = `platform:{ledger}:order:recharge:${order.cporder_no}`;
      await waitFor('granted', async () => ((await probe.hget(key, 'state')) === 'granted' ? true : undefined));
      const [fence, attempts, arrival] = await probe.hmget(key, 'fence', 'attempts', 'o');
      const o = JSON.parse(arrival!) as { amount: number; unsigned: unknown };
      assert.deepEqual([fence, attempts, o.amount, o.unsigned], ['1', '1', 999, { roleId: '3534059070281430668', currency: '2', productId: '600059992', budanFlag: 0 }]);
    } finally {
      probe.disconnect();
    }
  });
});
