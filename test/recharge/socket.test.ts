import assert from 'node:assert/strict';
import { createServer, Socket, type Server } from 'node:net';
import { once } from 'node:events';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor, within } from '../helpers/processes.js';
import { bootRecharge, exchange, gate, granted, httpOrder, httpSign, sendJson, socketOrder, socketSign, type RechargeApp } from './support.js';

/** The reply line for a recharge request: Id echoed as sent, the code, the message, both order numbers. */
function replyLine(order: Record<string, unknown>, ret: number, msg: string): string {
  return JSON.stringify({ Id: order.Id, ret, msg, cporder_no: order.cporder_no, order_no: order.order_no });
}

function connect(port: number): Promise<Socket> {
  const socket = new Socket();
  socket.on('error', () => {});
  return within(5000, 'a socket connect', new Promise<Socket>((resolve) => socket.connect(port, '127.0.0.1', () => resolve(socket))));
}

describe('recharge over the TCP socket', () => {
  const redis = useRedisServer();

  describe('orders', () => {
    let app: RechargeApp;
    before(async () => (app = await bootRecharge({ redisUrl: redis.url, recharge: { zones: [4, 50222] } })));
    after(async () => app.close());
    beforeEach(() => app.logger.clear());

    it('accepts the document 2.3 example and answers one JSON line, then closes', async () => {
      const order = socketOrder();
      const r = await exchange(app.socketPort, JSON.stringify(order));
      assert.equal(r.text, replyLine(order, 1, 'succeed') + '\n');
      const record = await granted(app, `recharge:${order.cporder_no}`);
      assert.equal(record.source, 'recharge-socket');
      assert.equal(record.zoneId, '50222');
      assert.equal(record.unsigned?.roleId, '3534059070281430668');
      assert.equal(record.unsigned?.productId, '600059992');
      assert.equal(record.amount, 999);
      assert.equal(app.grants.filter((g) => g.orderId === order.cporder_no).length, 1);
    });

    it("accepts the 3.3 variant (cmdId in the JSON) with the example's number literals kept for the sign", async () => {
      const order = socketOrder({ cmdId: 50222, RoleID: 0 });
      const text = JSON.stringify(order).replace('"RoleID":0', '"RoleID":3534059070281430668');
      const r = await exchange(app.socketPort, text + '\r\n');
      assert.equal(r.text, replyLine(order, 1, 'succeed') + '\n');
      assert.equal((await app.ledger.get(`recharge:${order.cporder_no}`))?.unsigned?.roleId, '3534059070281430668');
    });

    it('one order over HTTP and then the socket is granted once (one ledger key for both paths)', async () => {
      const order = httpOrder({ fanli: '' });
      assert.equal((await app.post(order)).status, 200);
      await granted(app, `recharge:${order.cporder_no}`);
      const overSocket = { ...order, Sign: socketSign(order) };
      const { line } = await sendJson(app.socketPort, overSocket);
      assert.equal(line, replyLine(order, -1, 'duplicate order'));
      assert.equal(app.grants.filter((g) => g.orderId === order.cporder_no).length, 1);
    });

    it('a wrong sign gets -4 and nothing is recorded', async () => {
      const order = socketOrder();
      order.Sign = socketSign(order, 'wrong');
      const { line } = await sendJson(app.socketPort, order);
      assert.equal(line, replyLine(order, -4, 'bad sign'));
      const lines = app.logger.find('recharge refused: bad sign', 'warn');
      assert.equal(lines.length, 1);
      assert.deepEqual([lines[0]!.fields?.path, lines[0]!.fields?.peer, lines[0]!.fields?.cporder_no], ['socket', '127.0.0.1', order.cporder_no]);
      assert.equal(await app.ledger.get(`recharge:${order.cporder_no}`), undefined);
    });

    it('the HTTP formula (with fanli) does not verify on the socket when fanli is set', async () => {
      const order = socketOrder({ fanli: '5' });
      order.Sign = httpSign(order);
      assert.equal((await sendJson(app.socketPort, order)).reply.ret, -4);
    });

    it('a missing field gets -2 naming it', async () => {
      const order = socketOrder();
      delete order.order_no;
      const { line } = await sendJson(app.socketPort, order);
      assert.equal(line, JSON.stringify({ Id: order.Id, ret: -2, msg: 'bad field order_no: missing', cporder_no: order.cporder_no }));
      assert.equal(app.logger.find('recharge refused: bad field order_no: missing', 'warn').length, 1);
      assert.equal(await app.ledger.get(`recharge:${order.cporder_no}`), undefined);
    });

    it('a mistyped amount gets -2 naming it', async () => {
      const order = socketOrder({ Amount: 'abc' });
      const { reply } = await sendJson(app.socketPort, order);
      assert.equal(reply.ret, -2);
      assert.equal(reply.msg, 'bad field Amount: expected a positive whole amount (a number or a numeric string)');
      assert.equal(await app.ledger.get(`recharge:${order.cporder_no}`), undefined);
    });

    it('malformed JSON gets -2 and a log line', async () => {
      const r = await exchange(app.socketPort, '{"Amount":999,"UserID":}');
      assert.match(r.text, /^\{"ret":-2,"msg":"malformed request: invalid JSON( at position \d+)?"\}\n$/);
      assert.equal(app.logger.find('socket request malformed', 'warn').length, 1);
      assert.equal(await app.ledger.queued(), 0);
    });

    it('a zone not served gets -3', async () => {
      const order = socketOrder({ ZoneID: 7 });
      assert.equal((await sendJson(app.socketPort, order)).line, replyLine(order, -3, 'zone 7 is not served here'));
      assert.equal(app.logger.find('zone 7 is not served here', 'warn').length, 1);
      assert.equal(await app.ledger.get(`recharge:${order.cporder_no}`), undefined);
    });
  });

  describe('limits', () => {
    let app: RechargeApp;
    before(
      async () =>
        (app = await bootRecharge({
          redisUrl: redis.url,
          recharge: { socket: { maxMessageBytes: 1024, idleTimeoutMs: 300 } },
        })),
    );
    after(async () => app.close());
    beforeEach(() => app.logger.clear());

    it('an oversized message closes the connection without a reply and records nothing', async () => {
      const order = socketOrder({ extendParams: 'x'.repeat(2000) });
      const r = await exchange(app.socketPort, JSON.stringify(order));
      assert.equal(r.silent, true);
      assert.equal(app.logger.find('exceeds maxMessageBytes (1024)', 'warn').length, 1);
      assert.equal(await app.ledger.get(`recharge:${order.cporder_no}`), undefined);
    });

    it('half a message, then silence: closed after the idle timeout, nothing recorded', async () => {
      const order = socketOrder();
      const text = JSON.stringify(order);
      const socket = await connect(app.socketPort);
      const received: Buffer[] = [];
      socket.on('data', (c: Buffer) => received.push(c));
      const closed = once(socket, 'close');
      socket.write(text.slice(0, text.length >> 1));
      await within(3000, 'the server to close a stalled connection', closed);
      assert.equal(Buffer.concat(received).length, 0);
      const lines = app.logger.find('incomplete request after 300 ms', 'warn');
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.fields?.cause, 'idle-timeout');
      assert.equal(await app.ledger.get(`recharge:${order.cporder_no}`), undefined);
    });
  });

  describe('connection cap', () => {
    let app: RechargeApp;
    // a long idle timeout, so the held connections cannot be closed for idleness while the test runs
    before(async () => (app = await bootRecharge({ redisUrl: redis.url, recharge: { socket: { idleTimeoutMs: 10_000, maxConnections: 3 } } })));
    after(async () => app.close());

    it('connections over the cap are refused; held ones still work; slots free up again', async () => {
      const held = [await connect(app.socketPort), await connect(app.socketPort), await connect(app.socketPort)];
      try {
        const flood = Array.from({ length: 20 }, () => socketOrder());
        const refused = await Promise.all(flood.map((o) => exchange(app.socketPort, JSON.stringify(o))));
        assert.ok(
          refused.every((r) => r.silent),
          'every connection over the cap is closed without a reply',
        );
        // one line per window, not one per refused connection
        assert.equal(app.logger.find('maxConnections (3) reached', 'warn').length, 1);
        for (const o of flood) assert.equal(await app.ledger.get(`recharge:${o.cporder_no}`), undefined);

        const order = socketOrder();
        const replied = once(held[0]!, 'end');
        const chunks: Buffer[] = [];
        held[0]!.on('data', (c: Buffer) => chunks.push(c));
        held[0]!.write(JSON.stringify(order));
        await within(3000, 'a reply on a held connection', replied);
        assert.equal(Buffer.concat(chunks).toString(), replyLine(order, 1, 'succeed') + '\n');
      } finally {
        for (const s of held) s.destroy();
      }
      const later = socketOrder();
      const answered = await waitFor(
        'a free connection slot',
        async () => {
          const r = await exchange(app.socketPort, JSON.stringify(later));
          return r.silent ? undefined : r.text;
        },
        5000,
        20,
      );
      assert.equal(answered, replyLine(later, 1, 'succeed') + '\n');
    });
  });

  describe('per-address cap', () => {
    let app: RechargeApp;
    before(async () => (app = await bootRecharge({ redisUrl: redis.url, recharge: { socket: { idleTimeoutMs: 10_000, maxConnections: 50, maxConnectionsPerIp: 2 } } })));
    after(async () => app.close());

    it('recharge.socket.maxConnectionsPerIp refuses a third connection from one address, nothing recorded', async () => {
      const held = [await connect(app.socketPort), await connect(app.socketPort)];
      try {
        const order = socketOrder();
        const r = await exchange(app.socketPort, JSON.stringify(order));
        assert.equal(r.silent, true, 'refused on accept, without a reply');
        assert.equal(app.logger.find('maxConnectionsPerIp (2) reached', 'warn').length, 1);
        assert.equal(await app.ledger.get(`recharge:${order.cporder_no}`), undefined);
      } finally {
        for (const s of held) s.destroy();
      }
    });
  });

  describe('IP allow-list', () => {
    let app: RechargeApp;
    before(async () => (app = await bootRecharge({ redisUrl: redis.url, recharge: { ipAllowList: ['192.0.2.0/24'] } })));
    after(async () => app.close());

    it('a peer outside the allow-list is disconnected without a reply and nothing is recorded', async () => {
      const order = socketOrder();
      const r = await exchange(app.socketPort, JSON.stringify(order));
      assert.equal(r.silent, true);
      const lines = app.logger.find('socket connection refused: address not allowed', 'warn');
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.fields?.remoteAddress, '127.0.0.1');
      assert.equal(await app.ledger.get(`recharge:${order.cporder_no}`), undefined);
    });
  });

  describe('grant in progress', () => {
    let app: RechargeApp;
    const hold = gate();
    const entered = gate();
    before(
      async () =>
        (app = await bootRecharge({
          redisUrl: redis.url,
          grant: async () => {
            entered.open();
            await hold.promise;
          },
        })),
    );
    after(async () => {
      hold.open();
      await app.close();
    });

    it("'auto' answers -5 while the grant runs", async () => {
      const order = socketOrder();
      assert.equal((await sendJson(app.socketPort, order)).reply.ret, 1);
      await entered.promise;
      assert.equal((await sendJson(app.socketPort, order)).line, replyLine(order, -5, 'duplicate order, grant in progress'));
      hold.open();
      await granted(app, `recharge:${order.cporder_no}`);
      assert.equal(app.grants.length, 1);
    });
  });

  describe('framing and keep-alive', () => {
    let lenApp: RechargeApp;
    let keepApp: RechargeApp;
    before(async () => {
      lenApp = await bootRecharge({ redisUrl: redis.url, recharge: { socket: { framing: 'len32be' } } });
      keepApp = await bootRecharge({ redisUrl: redis.url, recharge: { socket: { keepAlive: true } } });
    });
    after(async () => {
      await lenApp.close();
      await keepApp.close();
    });

    it("'len32be' reads a length-prefixed request and answers length-prefixed", async () => {
      const order = socketOrder();
      const payload = Buffer.from(JSON.stringify(order));
      const header = Buffer.alloc(4);
      header.writeUInt32BE(payload.length);
      const r = await exchange(lenApp.socketPort, Buffer.concat([header, payload]));
      const reply = r.bytes;
      assert.equal(reply.readUInt32BE(0), reply.length - 4);
      assert.equal(reply.subarray(4).toString(), replyLine(order, 1, 'succeed'));
    });

    it('keepAlive answers several requests on one connection, in order', async () => {
      const first = socketOrder();
      const second = socketOrder();
      const socket = await connect(keepApp.socketPort);
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString()));
      socket.write(JSON.stringify(first) + '\n' + JSON.stringify(first) + '\n' + JSON.stringify(second) + '\n');
      await waitFor('three replies', () => (text.split('\n').length === 4 ? true : undefined), 5000, 10);
      socket.destroy();
      const lines = text.split('\n');
      assert.equal(lines[0], replyLine(first, 1, 'succeed'));
      // the repeat is a duplicate either way; which code depends on whether the grant has finished yet
      assert.ok([replyLine(first, -5, 'duplicate order, grant in progress'), replyLine(first, -1, 'duplicate order')].includes(lines[1]!), lines[1]);
      assert.equal(lines[2], replyLine(second, 1, 'succeed'));
    });
  });

  describe('installation', () => {
    let blocker: Server;
    let port: number;
    before(async () => {
      blocker = createServer();
      blocker.listen(0, '127.0.0.1');
      await once(blocker, 'listening');
      port = (blocker.address() as { port: number }).port;
    });
    after(() => new Promise<void>((r) => blocker.close(() => r())));

    it('a port in use is logged with the port and the option, reported, and HTTP keeps working', async () => {
      const app = await bootRecharge({ redisUrl: redis.url, awaitSocket: false, recharge: { socket: { port } } });
      try {
        await waitFor('the socket failure to be reported', () => (app.statuses.get('recharge')?.details?.socketState === 'failed' ? true : undefined), 5000, 10);
        const lines = app.logger.find(`could not listen on 127.0.0.1:${port}`, 'error');
        assert.equal(lines.length, 1);
        assert.match(lines[0]!.message, /EADDRINUSE/);
        assert.match(lines[0]!.message, /recharge\.socket\.port/);
        const order = httpOrder();
        assert.equal((await app.post(order)).status, 200);
        await granted(app, `recharge:${order.cporder_no}`);
      } finally {
        await app.close();
      }
    });

    it('reports the route, the bound port and the framing in the platform status', async () => {
      const app = await bootRecharge({ redisUrl: redis.url, recharge: { giftKey: 'g', giftHandler: async () => ({ ok: true }) } });
      try {
        assert.deepEqual(app.statuses.get('recharge'), {
          enabled: true,
          details: {
            httpPath: '/platform/recharge',
            socketPort: app.socketPort,
            framing: 'auto',
            socketState: 'listening',
            giftCodes: true,
            dedupeField: 'cporder_no',
          },
        });
        assert.equal(app.logger.find('recharge socket listening', 'info').length, 1);
      } finally {
        await app.close();
      }
    });

    it('with the socket disabled nothing listens and HTTP still works', async () => {
      const app = await bootRecharge({ redisUrl: redis.url, awaitSocket: false, recharge: { socket: { enabled: false } } });
      try {
        assert.equal(app.statuses.get('recharge')?.details?.socketState, 'disabled');
        assert.equal((await app.post(httpOrder())).status, 200);
      } finally {
        await app.close();
      }
    });
  });
});
