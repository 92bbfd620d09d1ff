import assert from 'node:assert/strict';
import type { LedgerRecord } from '../../src/ledger/types.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { waitFor } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { KEY, httpOrder, sendJson, socketOrder } from './support.js';

const SUCCESS = '{"result":true,"msg":"{\\"msg\\":\\"succeed\\",\\"ret\\":1}"}';

describe('recharge through registerPlatformBridge', () => {
  const redis = useRedisServer();
  const granted: LedgerRecord[] = [];
  let app: BootedBridge;
  let socketPort: number;
  before(async () => {
    app = await bootBridge({
      bridge: {
        redis: redis.url,
        http: { healthDetail: true },
        grant: (order) => void granted.push(order),
        recharge: { key: KEY, socket: { host: '127.0.0.1', port: 0 } },
      },
    });
    socketPort = await waitFor(
      'the recharge socket in the health report',
      async () => {
        const r = (await app.bridge.health()).platforms.recharge;
        return r?.socketState === 'listening' ? (r.socketPort as number) : undefined;
      },
      5000,
      10,
    );
  });
  after(async () => app.shutdown());

  it('takes an order over HTTP and one over the socket, each granted once', async () => {
    const overHttp = httpOrder();
    const res = await fetch(`${app.baseUrl}/platform/recharge`, { method: 'POST', body: JSON.stringify(overHttp) });
    assert.deepEqual([res.status, await res.text()], [200, SUCCESS]);
    const overSocket = socketOrder();
    assert.equal((await sendJson(socketPort, overSocket)).reply.ret, 1);
    for (const order of [overHttp, overSocket]) {
      await waitFor(`order ${order.cporder_no} granted`, async () => ((await app.bridge.ledger.get(`recharge:${order.cporder_no}`))?.state === 'granted' ? true : undefined), 5000, 10);
    }
    assert.deepEqual(granted.map((g) => g.orderId).sort(), [overHttp.cporder_no, overSocket.cporder_no].sort());
  });

  it('reports the recharge platform in the health route', async () => {
    const body = (await (await fetch(`${app.baseUrl}/platform/health`)).json()) as { platforms: Record<string, unknown> };
    assert.deepEqual(body.platforms.recharge, {
      enabled: true,
      httpPath: '/platform/recharge',
      socketPort,
      framing: 'auto',
      socketState: 'listening',
      giftCodes: false,
      dedupeField: 'cporder_no',
    });
  });
});
