import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import type { LogFields, Logger } from '../../src/logger.js';
import { JsonSocketServer, type JsonSocketServerOptions, type SocketRequestContext } from '../../src/socket/index.js';

const HOST = '127.0.0.1';
const b = (text: string): Buffer => Buffer.from(text, 'utf8');
const NL = b('\n');

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields;
}

function captureLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, fields: LogFields = {}) => {
      lines.push({ level, message, fields });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const withCause = (lines: LogLine[], cause: string) => lines.filter((l) => l.fields.cause === cause);

/** Polls a condition with a deadline (for state that raises no event, such as server counters or log lines). */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A real TCP client that records everything it receives and when it was closed. */
class Client {
  data = Buffer.alloc(0);
  closed = false;
  closedAt = 0;
  error: NodeJS.ErrnoException | undefined;
  readonly connectedAt = Date.now();
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error;
    });
    this.closedPromise = once(socket, 'close').then(() => {
      this.closed = true;
      this.closedAt = Date.now();
    });
  }

  /** `from`: the local address to connect from (any of 127.0.0.0/8 on loopback), to play several peers. */
  static async open(port: number, from?: string): Promise<Client> {
    const client = new Client(net.connect({ host: HOST, port, ...(from ? { localAddress: from } : {}) }));
    clients.push(client);
    await once(client.socket, 'connect');
    return client;
  }

  write(chunk: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(chunk, (error) => (error ? reject(error) : resolve())));
  }

  async writeBytewise(buf: Buffer): Promise<void> {
    for (const byte of buf) await this.write(Buffer.from([byte]));
  }

  /** Resolves once the received bytes satisfy `done`; rejects if the socket closes first or the deadline passes. */
  waitFor(done: (data: Buffer) => boolean, timeoutMs = 3000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (!done(this.data)) return false;
        cleanup();
        resolve(this.data);
        return true;
      };
      const onClose = () => {
        if (check()) return;
        cleanup();
        reject(new Error(`closed after ${this.data.length} bytes without the expected data`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out with ${this.data.length} bytes received`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.socket.off('data', check);
        this.socket.off('close', onClose);
      };
      if (check()) return;
      if (this.closed) return onClose();
      this.socket.on('data', check);
      this.socket.on('close', onClose);
    });
  }

  async untilClosed(timeoutMs = 3000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`client not closed within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.closedPromise, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Connects, writes each chunk, optionally half-closes, and waits for the server to close the connection. */
async function exchange(port: number, chunks: Buffer | Buffer[], opts: { halfClose?: boolean; bytewise?: boolean } = {}): Promise<Client> {
  const client = await Client.open(port);
  for (const chunk of Array.isArray(chunks) ? chunks : [chunks]) {
    if (opts.bytewise) await client.writeBytewise(chunk);
    else await client.write(chunk);
  }
  if (opts.halfClose) client.socket.end();
  await client.untilClosed();
  return client;
}

const servers: JsonSocketServer[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close(1000)));
});

interface Harness {
  server: JsonSocketServer;
  port: number;
  logger: ReturnType<typeof captureLogger>;
  calls: { message: unknown; ctx: SocketRequestContext }[];
}

const okReply = (message: unknown) => ({ code: 0, msg: '成功', echo: message });
const okBytes = (message: unknown) => b(JSON.stringify(okReply(message)));
const MALFORMED_REPLY = { code: 400, msg: 'malformed' };
const ERROR_REPLY = { code: 500, msg: 'internal error' };

async function start(overrides: Partial<JsonSocketServerOptions> = {}): Promise<Harness> {
  const logger = captureLogger();
  const calls: Harness['calls'] = [];
  const server = new JsonSocketServer({
    host: HOST,
    port: 0,
    framing: 'auto',
    maxMessageBytes: 4096,
    idleTimeoutMs: 5000,
    maxConnections: 50,
    keepAlive: false,
    logger,
    onMessage: async (message, ctx) => {
      calls.push({ message, ctx });
      return okReply(message);
    },
    onMalformed: () => MALFORMED_REPLY,
    onError: () => ERROR_REPLY,
    ...overrides,
  });
  servers.push(server);
  const { port } = await server.listen();
  return { server, port, logger, calls };
}

function len32(body: Buffer, order: 'be' | 'le', announced = body.length): Buffer {
  const h = Buffer.alloc(4);
  if (order === 'be') h.writeUInt32BE(announced);
  else h.writeUInt32LE(announced);
  return Buffer.concat([h, body]);
}

function tmsk6(body: Buffer, cmdId: number, lengthField = body.length + 2): Buffer {
  const h = Buffer.alloc(6);
  h.writeInt32LE(lengthField, 0);
  h.writeUInt16LE(cmdId, 4);
  return Buffer.concat([h, body]);
}

const order = { orderId: 'R-20240101-0001', amount: 600, item: '元宝礼包' };
const orderBytes = b(JSON.stringify(order));

describe('JsonSocketServer: framing round trips', () => {
  it('auto: replies with JSON and a newline', async () => {
    const { port, calls } = await start();
    const client = await exchange(port, Buffer.concat([orderBytes, NL]));
    assert.deepEqual(client.data, Buffer.concat([okBytes(order), NL]));
    assert.deepEqual(
      calls.map((c) => c.message),
      [order],
    );
  });

  it('line: replies to a peer that half-closed after an unterminated line', async () => {
    // the request only completes at EOF, so the reply is written after the FIN has been processed
    const { port } = await start({ framing: 'line' });
    const client = await exchange(port, orderBytes, { halfClose: true });
    assert.deepEqual(client.data, Buffer.concat([okBytes(order), NL]));
  });

  it('line: replies with JSON and a newline', async () => {
    const { port } = await start({ framing: 'line' });
    const client = await exchange(port, Buffer.concat([orderBytes, b('\r\n')]));
    assert.deepEqual(client.data, Buffer.concat([okBytes(order), NL]));
  });

  it('raw: replies with bare JSON to a peer that waits', async () => {
    const { port } = await start({ framing: 'raw' });
    const client = await exchange(port, orderBytes);
    assert.deepEqual(client.data, okBytes(order));
  });

  it('raw: replies to a peer that half-closed after writing', async () => {
    const { port } = await start({ framing: 'raw' });
    const client = await exchange(port, orderBytes, { halfClose: true });
    assert.deepEqual(client.data, okBytes(order));
  });

  it('len32be: replies with a big-endian length header', async () => {
    const { port } = await start({ framing: 'len32be' });
    const client = await exchange(port, len32(orderBytes, 'be'));
    assert.deepEqual(client.data, len32(okBytes(order), 'be'));
  });

  it('len32le: replies with a little-endian length header', async () => {
    const { port } = await start({ framing: 'len32le' });
    const client = await exchange(port, len32(orderBytes, 'le'));
    assert.deepEqual(client.data, len32(okBytes(order), 'le'));
  });

  it('tmsk6: echoes the request cmdId by default and passes it to the handler', async () => {
    const { port, calls } = await start({ framing: 'tmsk6' });
    const client = await exchange(port, tmsk6(orderBytes, 0x0102));
    assert.deepEqual(client.data, tmsk6(okBytes(order), 0x0102));
    assert.equal(calls[0].ctx.cmdId, 0x0102);
  });

  it('tmsk6: uses replyCmdId when configured', async () => {
    const { port } = await start({ framing: 'tmsk6', replyCmdId: 7 });
    const client = await exchange(port, tmsk6(orderBytes, 0x0102));
    assert.deepEqual(client.data, tmsk6(okBytes(order), 7));
  });
});

describe('JsonSocketServer: auto framing tolerance', () => {
  it('accepts a request without newline when the peer half-closes', async () => {
    const { port } = await start();
    const client = await exchange(port, orderBytes, { halfClose: true });
    assert.deepEqual(client.data, Buffer.concat([okBytes(order), NL]));
  });

  it('detects the end of an object without newline or close', async () => {
    const { port } = await start();
    const client = await Client.open(port);
    await client.write(orderBytes);
    await client.waitFor((d) => d.length > 0 && d.at(-1) === 0x0a);
    assert.deepEqual(client.data, Buffer.concat([okBytes(order), NL]));
    await client.untilClosed();
  });

  it('skips whitespace and a BOM before the object', async () => {
    const { port, calls } = await start();
    const client = await exchange(port, Buffer.concat([b(' \r\n\t'), Buffer.from([0xef, 0xbb, 0xbf]), orderBytes]));
    assert.deepEqual(client.data, Buffer.concat([okBytes(order), NL]));
    assert.deepEqual(calls[0].message, order);
  });

  it('handles braces and escaped quotes inside strings', async () => {
    const tricky = { remark: '}{ "quoted" \\ }', more: ['{', ']'] };
    const { port, calls } = await start();
    const client = await exchange(port, b(JSON.stringify(tricky)));
    assert.deepEqual(calls[0].message, tricky);
    assert.deepEqual(client.data, Buffer.concat([okBytes(tricky), NL]));
  });

  it('assembles a request written byte by byte, with split multi-byte characters', async () => {
    const { port, calls } = await start();
    const client = await exchange(port, orderBytes, { bytewise: true });
    assert.deepEqual(calls[0].message, order);
    assert.equal(calls[0].ctx.bytes, orderBytes.length);
    assert.equal(calls[0].ctx.text, orderBytes.toString('utf8'));
    assert.equal(calls[0].ctx.remoteAddress, HOST);
    assert.deepEqual(client.data, Buffer.concat([okBytes(order), NL]));
  });

  it('assembles a tmsk6 frame written byte by byte', async () => {
    const { port, calls } = await start({ framing: 'tmsk6' });
    const client = await exchange(port, tmsk6(orderBytes, 9), { bytewise: true });
    assert.deepEqual(calls[0].message, order);
    assert.deepEqual(client.data, tmsk6(okBytes(order), 9));
  });

  it('ignores bytes after the first request when keepAlive is off', async () => {
    const { port, calls, logger } = await start();
    const client = await exchange(port, Buffer.concat([orderBytes, NL, b('{"second":true}\n')]), { halfClose: true });
    assert.deepEqual(client.data, Buffer.concat([okBytes(order), NL]));
    assert.equal(calls.length, 1);
    assert.ok(logger.lines.some((l) => l.level === 'debug' && /ignoring bytes/.test(l.message)));
  });
});

describe('JsonSocketServer: malformed and oversized requests', () => {
  it('answers invalid JSON with the onMalformed reply without calling the handler', async () => {
    const reasons: string[] = [];
    const { port, calls, logger } = await start({
      onMalformed: (reason) => {
        reasons.push(reason);
        return MALFORMED_REPLY;
      },
    });
    const client = await exchange(port, b('{"sign":"SECRET-1", broken}\n'));
    assert.deepEqual(client.data, b(JSON.stringify(MALFORMED_REPLY) + '\n'));
    assert.equal(calls.length, 0);
    assert.match(reasons[0], /^invalid JSON/);
    const [line] = withCause(logger.lines, 'malformed');
    assert.equal(line.fields.remoteAddress, HOST);
    assert.doesNotMatch(JSON.stringify(logger.lines), /SECRET/);
  });

  for (const [label, payload] of [
    ['an array', '[1]'],
    ['a string', '"x"'],
    ['invalid UTF-8', '\u0000'],
  ] as const) {
    it(`answers ${label} in auto framing as malformed`, async () => {
      const { port, calls, logger } = await start();
      const bytes = label === 'invalid UTF-8' ? Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]) : b(payload);
      const client = await exchange(port, bytes);
      assert.deepEqual(client.data, b(JSON.stringify(MALFORMED_REPLY) + '\n'));
      assert.equal(calls.length, 0);
      assert.equal(withCause(logger.lines, 'malformed').length, 1);
    });
  }

  it('answers a line-framed array as not an object', async () => {
    const reasons: string[] = [];
    const { port, calls } = await start({ framing: 'line', onMalformed: (reason) => (reasons.push(reason), MALFORMED_REPLY) });
    await exchange(port, b('[1]\n'));
    assert.equal(calls.length, 0);
    assert.match(reasons[0], /array, not an object/);
  });

  it('awaits an onMalformed hook that returns a promise', async () => {
    const { port } = await start({ onMalformed: async () => MALFORMED_REPLY });
    const client = await exchange(port, b('{"a":}'));
    assert.deepEqual(client.data, b(JSON.stringify(MALFORMED_REPLY) + '\n'));
  });

  it('closes without a reply when onMalformed returns null', async () => {
    const { port } = await start({ onMalformed: () => null });
    const client = await exchange(port, b('{"a":}\n'));
    assert.equal(client.data.length, 0);
  });

  it('closes an oversized auto request without waiting for its end', async () => {
    const { port, calls, logger } = await start({ maxMessageBytes: 64 });
    const client = await Client.open(port);
    await client.write(b(`{"filler":"${'x'.repeat(200)}`));
    await client.untilClosed();
    assert.equal(client.data.length, 0);
    assert.equal(calls.length, 0);
    const [line] = withCause(logger.lines, 'too-large');
    assert.match(line.message, /maxMessageBytes \(64\)/);
    assert.equal(line.fields.remoteAddress, HOST);
  });

  for (const framing of ['len32be', 'tmsk6'] as const) {
    it(`closes a ${framing} connection on the header announcing an oversized payload`, async () => {
      const { port, calls, logger } = await start({ framing, maxMessageBytes: 1024, idleTimeoutMs: 20_000 });
      const header = framing === 'len32be' ? len32(Buffer.alloc(0), 'be', 1_000_000) : tmsk6(Buffer.alloc(0), 1, 1_000_002);
      const client = await Client.open(port);
      await client.write(header);
      await client.untilClosed();
      assert.equal(calls.length, 0);
      const [line] = withCause(logger.lines, 'too-large');
      assert.ok(line, JSON.stringify(logger.lines));
      assert.match(line.message, /exceeds maxMessageBytes \(1024\)/);
    });
  }

  it('logs a length-prefixed frame cut short by the peer', async () => {
    const { port, calls, logger } = await start({ framing: 'len32be' });
    await exchange(port, len32(orderBytes, 'be').subarray(0, 10), { halfClose: true });
    assert.equal(calls.length, 0);
    assert.equal(withCause(logger.lines, 'truncated').length, 1);
  });
});

describe('JsonSocketServer: slow and stalled peers', () => {
  it('closes a stalled half message after idleTimeoutMs while another client is served', async () => {
    const idleTimeoutMs = 300;
    const { port, logger, calls } = await start({ idleTimeoutMs });
    const stalled = await Client.open(port);
    await stalled.write(b('{"orderId":"stalled","amount":'));

    const other = await exchange(port, Buffer.concat([orderBytes, NL]));
    assert.deepEqual(other.data, Buffer.concat([okBytes(order), NL]));
    assert.equal(stalled.closed, false, 'the stalled client was closed before the other one was served');

    await stalled.untilClosed();
    assert.ok(other.closedAt <= stalled.closedAt);
    assert.ok(stalled.closedAt - stalled.connectedAt >= idleTimeoutMs - 20, `closed after ${stalled.closedAt - stalled.connectedAt} ms`);
    assert.equal(stalled.data.length, 0);
    assert.deepEqual(
      calls.map((c) => c.message),
      [order],
    );
    const [line] = withCause(logger.lines, 'idle-timeout');
    assert.equal(line.level, 'warn');
    assert.equal(line.fields.remoteAddress, HOST);
    assert.equal(line.fields.bufferedBytes, '{"orderId":"stalled","amount":'.length);
  });

  it('does not let a trickling peer extend its deadline', async () => {
    const idleTimeoutMs = 200;
    const { port, logger } = await start({ idleTimeoutMs });
    const client = await Client.open(port);
    const text = b(`{"filler":"${'x'.repeat(100)}"}`);
    let sent = 0;
    const trickle = setInterval(() => {
      if (client.closed || sent >= text.length) return;
      client.socket.write(text.subarray(sent, ++sent));
    }, 20);
    try {
      await client.untilClosed();
    } finally {
      clearInterval(trickle);
    }
    assert.ok(sent < text.length);
    assert.equal(withCause(logger.lines, 'idle-timeout').length, 1);
  });

  it('closes a connection that never sends anything', async () => {
    const { port, logger } = await start({ idleTimeoutMs: 150 });
    const client = await Client.open(port);
    await client.untilClosed();
    const [line] = withCause(logger.lines, 'idle-timeout');
    assert.match(line.message, /no request within 150 ms/);
  });
});

describe('JsonSocketServer: connection admission', () => {
  it('keeps maxConnections usable, refuses the rest with one rate-limited warning, then admits again', async () => {
    const { server, port, logger } = await start({ maxConnections: 3 });
    const all = await Promise.all(Array.from({ length: 10 }, () => Client.open(port)));
    await waitUntil(() => all.filter((c) => c.closed).length === 7, '7 connections are refused');
    assert.equal(server.connections, 3);
    const open = all.filter((c) => !c.closed);
    assert.equal(open.length, 3);
    for (const refused of all.filter((c) => c.closed)) assert.equal(refused.data.length, 0);

    await Promise.all(open.map((c) => c.write(Buffer.concat([orderBytes, NL]))));
    for (const client of open) {
      await client.untilClosed();
      assert.deepEqual(client.data, Buffer.concat([okBytes(order), NL]));
    }
    await waitUntil(() => server.connections === 0, 'the served connections are released');
    const late = await exchange(port, Buffer.concat([orderBytes, NL]));
    assert.deepEqual(late.data, Buffer.concat([okBytes(order), NL]));

    const refusals = logger.lines.filter((l) => /maxConnections \(3\) reached/.test(l.message));
    assert.equal(refusals.length, 1, 'a flood produces one line per window');
    assert.equal(refusals[0].fields.remoteAddress, HOST);
    await server.close();
    const summary = logger.lines.filter((l) => /maxConnections \(3\) reached \(repeated\)/.test(l.message));
    assert.equal(summary.length, 1);
    assert.equal(summary[0].fields.suppressed, 6);
  });

  it('maxConnectionsPerIp: one address cannot hold every slot; other addresses still get in', async () => {
    const { server, port, logger } = await start({ maxConnections: 10, maxConnectionsPerIp: 2 });
    const flood = await Promise.all(Array.from({ length: 8 }, () => Client.open(port, '127.0.0.2')));
    await waitUntil(() => flood.filter((c) => c.closed).length === 6, '6 of the flood are refused');
    assert.equal(server.connections, 2);
    for (const refused of flood.filter((c) => c.closed)) assert.equal(refused.data.length, 0, 'a refused peer reads nothing');

    // the platform, on another address, is served while the flood holds its two slots
    const platform = await Client.open(port, '127.0.0.3');
    await platform.write(Buffer.concat([orderBytes, NL]));
    await platform.untilClosed();
    assert.deepEqual(platform.data, Buffer.concat([okBytes(order), NL]));

    const refusals = logger.lines.filter((l) => /maxConnectionsPerIp \(2\) reached/.test(l.message));
    assert.equal(refusals.length, 1, 'one line per window');
    assert.equal(refusals[0].fields.remoteAddress, '127.0.0.2');

    // a slot freed by the flooding address can be taken by it again
    const held = flood.filter((c) => !c.closed);
    held[0]!.socket.destroy();
    await waitUntil(() => server.connections === 1, 'the closed connection is released');
    const again = await Client.open(port, '127.0.0.2');
    await again.write(Buffer.concat([orderBytes, NL]));
    await again.untilClosed();
    assert.deepEqual(again.data, Buffer.concat([okBytes(order), NL]));
    assert.throws(
      () =>
        new JsonSocketServer({
          host: HOST,
          port: 0,
          framing: 'auto',
          maxMessageBytes: 1,
          idleTimeoutMs: 1,
          maxConnections: 1,
          maxConnectionsPerIp: 0,
          keepAlive: false,
          logger,
          onMessage: async () => null,
          onMalformed: () => null,
          onError: () => null,
        }),
      /maxConnectionsPerIp/,
    );
  });

  it('refuses peers outside the allow-list', async () => {
    const seen: string[] = [];
    const { port, calls, logger } = await start({
      allowIp: (ip) => {
        seen.push(ip);
        return ip === '10.0.0.1';
      },
    });
    const client = await Client.open(port);
    await client.write(Buffer.concat([orderBytes, NL])).catch(() => undefined);
    await client.untilClosed();
    assert.equal(client.data.length, 0);
    assert.equal(calls.length, 0);
    assert.deepEqual(seen, [HOST]);
    const [line] = logger.lines.filter((l) => /address not allowed/.test(l.message));
    assert.equal(line.fields.remoteAddress, HOST);
  });

  it('serves peers on the allow-list', async () => {
    const { port } = await start({ allowIp: (ip) => ip === HOST });
    const client = await exchange(port, Buffer.concat([orderBytes, NL]));
    assert.deepEqual(client.data, Buffer.concat([okBytes(order), NL]));
  });

  it('refuses when allowIp throws', async () => {
    const { port, logger } = await start({
      allowIp: () => {
        throw new Error('boom');
      },
    });
    const client = await Client.open(port);
    await client.untilClosed();
    assert.ok(logger.lines.some((l) => l.level === 'error' && /allowIp threw/.test(l.message)));
  });
});

describe('JsonSocketServer: keepAlive', () => {
  it('answers pipelined requests in order, one handler at a time', async () => {
    let running = 0;
    let maxRunning = 0;
    const firstGate = deferred();
    const { port } = await start({
      keepAlive: true,
      onMessage: async (message) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        if ((message as { n: number }).n === 1) await firstGate.promise;
        running--;
        return { n: (message as { n: number }).n };
      },
    });
    const client = await Client.open(port);
    await client.write(b('{"n":1}\n{"n":2}\n'));
    firstGate.resolve();
    await client.waitFor((d) => d.toString().split('\n').length === 3);
    assert.deepEqual(client.data, b('{"n":1}\n{"n":2}\n'));
    await client.write(b('{"n":3}'));
    await client.waitFor((d) => d.toString().endsWith('{"n":3}\n'));
    assert.equal(client.closed, false);
    assert.equal(maxRunning, 1);
  });

  it('stops reading a peer that pipelines more than one request ahead of a slow handler, and reads on once it is answered', async () => {
    const gate = deferred();
    const seen: number[] = [];
    const { port } = await start({
      keepAlive: true,
      maxMessageBytes: 65_536,
      onMessage: async (message) => {
        const n = (message as { n: number }).n;
        seen.push(n);
        if (n === 0) await gate.promise;
        return { n };
      },
    });
    const client = await Client.open(port);
    const pad = 'x'.repeat(60_000);
    const count = 600; // 36 MB: more than the kernel's loopback buffers can hold for a reader that stopped
    const all = Buffer.concat(Array.from({ length: count }, (_, n) => b(`{"n":${n},"pad":"${pad}"}\n`)));
    client.socket.write(all);
    await waitUntil(() => seen.length === 1, 'request 0 to be handled');
    // the bytes queued on our side stop shrinking, with most of them still here, only if the server stopped
    // reading while request 0 is handled (a server reading on would take all 36 MB into its memory)
    let last = -1;
    let steady = 0;
    await waitUntil(
      () => {
        const queued = client.socket.writableLength;
        steady = queued === last && queued > 16_000_000 ? steady + 1 : 0;
        last = queued;
        return steady >= 10;
      },
      'the server to stop reading',
      5000,
    );
    assert.deepEqual(seen, [0]);
    gate.resolve();
    await client.waitFor((d) => d.toString().split('\n').length === count + 1, 20_000);
    assert.equal(seen.length, count);
    assert.deepEqual(
      seen,
      Array.from({ length: count }, (_, n) => n),
    );
  });

  it('keeps length-prefixed replies in order', async () => {
    const { port } = await start({ keepAlive: true, framing: 'len32be' });
    const client = await Client.open(port);
    const a = { a: 1 };
    const c = { c: '三' };
    await client.write(Buffer.concat([len32(b(JSON.stringify(a)), 'be'), len32(b(JSON.stringify(c)), 'be')]));
    const expected = Buffer.concat([len32(okBytes(a), 'be'), len32(okBytes(c), 'be')]);
    await client.waitFor((d) => d.length >= expected.length);
    assert.deepEqual(client.data, expected);
  });

  it('closes an idle keep-alive connection after idleTimeoutMs from the last reply', async () => {
    const { port, logger } = await start({ keepAlive: true, idleTimeoutMs: 150 });
    const client = await Client.open(port);
    await client.write(Buffer.concat([orderBytes, NL]));
    await client.waitFor((d) => d.length > 0);
    await client.untilClosed();
    assert.deepEqual(client.data, Buffer.concat([okBytes(order), NL]));
    const [line] = withCause(logger.lines, 'idle-timeout');
    assert.equal(line.level, 'info');
    assert.equal(line.fields.requests, 1);
  });

  it('waits for a large reply to drain before reading the next request', async () => {
    const pad = 'x'.repeat(1_000_000);
    const { port } = await start({ keepAlive: true, onMessage: async (message) => ({ n: (message as { n: number }).n, pad }) });
    const client = await Client.open(port);
    await client.write(b('{"n":1}{"n":2}'));
    const expected = b(`${JSON.stringify({ n: 1, pad })}\n${JSON.stringify({ n: 2, pad })}\n`);
    await client.waitFor((d) => d.length >= expected.length);
    assert.ok(client.data.equals(expected));
  });

  it('closes a keep-alive peer that stops reading its replies', async () => {
    // larger than what the kernel buffers of a paused loopback peer absorb, so 'drain' never comes
    const pad = 'x'.repeat(16_000_000);
    const { server, port, logger } = await start({ keepAlive: true, idleTimeoutMs: 200, onMessage: async () => ({ pad }) });
    const client = await Client.open(port);
    client.socket.pause();
    await client.write(b('{"n":1}'));
    await waitUntil(() => withCause(logger.lines, 'reply-stalled').length === 1, 'the stalled reply is logged');
    await waitUntil(() => server.connections === 0, 'the connection is released');
  });

  it('ends the connection after a malformed request', async () => {
    const { port, calls } = await start({ keepAlive: true, framing: 'line' });
    const client = await exchange(port, b('nope\n{"a":1}\n'));
    assert.deepEqual(client.data, b(JSON.stringify(MALFORMED_REPLY) + '\n'));
    assert.equal(calls.length, 0);
  });
});

describe('JsonSocketServer: handler failures', () => {
  it('answers a rejected handler with the onError reply and logs it', async () => {
    const errors: unknown[] = [];
    const { port, logger } = await start({
      onMessage: async () => {
        throw new Error('redis down');
      },
      onError: (error) => {
        errors.push(error);
        return ERROR_REPLY;
      },
    });
    const client = await exchange(port, Buffer.concat([orderBytes, NL]));
    assert.deepEqual(client.data, b(JSON.stringify(ERROR_REPLY) + '\n'));
    assert.equal((errors[0] as Error).message, 'redis down');
    assert.ok(logger.lines.some((l) => l.level === 'error' && /handler failed/.test(l.message)));
  });

  it('answers a synchronously throwing handler with the onError reply', async () => {
    const { port } = await start({
      onMessage: () => {
        throw new Error('sync');
      },
    });
    const client = await exchange(port, Buffer.concat([orderBytes, NL]));
    assert.deepEqual(client.data, b(JSON.stringify(ERROR_REPLY) + '\n'));
  });

  it('answers an unserialisable reply with the onError reply', async () => {
    const { port } = await start({ onMessage: async () => ({ amount: 1n }) });
    const client = await exchange(port, Buffer.concat([orderBytes, NL]));
    assert.deepEqual(client.data, b(JSON.stringify(ERROR_REPLY) + '\n'));
  });

  it('closes without a reply when onError returns null or throws', async () => {
    for (const onError of [
      () => null,
      () => {
        throw new Error('hook');
      },
    ]) {
      const { port } = await start({ onMessage: async () => Promise.reject(new Error('x')), onError });
      const client = await exchange(port, Buffer.concat([orderBytes, NL]));
      assert.equal(client.data.length, 0);
    }
  });

  it('closes without a reply when the handler resolves null', async () => {
    const { port } = await start({ onMessage: async () => null });
    const client = await exchange(port, Buffer.concat([orderBytes, NL]));
    assert.equal(client.data.length, 0);
  });

  it('survives a peer that resets while its handler runs, and logs the undelivered reply', async () => {
    const gate = deferred();
    const called = deferred();
    const { server, port, logger } = await start({
      onMessage: async () => {
        called.resolve();
        await gate.promise;
        return { code: 0 };
      },
    });
    const client = await Client.open(port);
    await client.write(Buffer.concat([orderBytes, NL]));
    await called.promise;
    client.socket.resetAndDestroy();
    await client.untilClosed();
    await waitUntil(() => server.connections === 0, 'the reset connection is released');
    gate.resolve();
    await waitUntil(() => withCause(logger.lines, 'undelivered').length === 1, 'the undelivered reply is logged');
    assert.equal(withCause(logger.lines, 'undelivered')[0].fields.remoteAddress, HOST);

    const next = await exchange(port, Buffer.concat([orderBytes, NL]));
    assert.deepEqual(next.data, b('{"code":0}\n'));
  });

  it('still replies to a peer that half-closed while its handler ran', async () => {
    const gate = deferred();
    const called = deferred();
    const { port } = await start({
      onMessage: async () => {
        called.resolve();
        await gate.promise;
        return { code: 0 };
      },
    });
    const client = await Client.open(port);
    await client.write(Buffer.concat([orderBytes, NL]));
    await called.promise;
    client.socket.end();
    gate.resolve();
    await client.untilClosed();
    assert.deepEqual(client.data, b('{"code":0}\n'));
  });
});

describe('JsonSocketServer: lifecycle', () => {
  it('close() waits for an in-flight handler, delivers its reply and releases the port', async () => {
    const gate = deferred();
    const called = deferred();
    const { server, port, logger } = await start({
      onMessage: async () => {
        called.resolve();
        await gate.promise;
        return { code: 0, msg: 'done' };
      },
    });
    const idle = await Client.open(port);
    const busy = await Client.open(port);
    await busy.write(Buffer.concat([orderBytes, NL]));
    await called.promise;

    let closed = false;
    const closing = server.close().then(() => {
      closed = true;
    });
    await idle.untilClosed();
    assert.equal(closed, false);
    await assert.rejects(Client.open(port), /ECONNREFUSED/);

    gate.resolve();
    await closing;
    await busy.untilClosed();
    assert.deepEqual(busy.data, b('{"code":0,"msg":"done"}\n'));
    assert.equal(server.connections, 0);
    assert.equal(server.address, undefined);
    assert.equal(withCause(logger.lines, 'undelivered').length, 0);
    await server.close();

    const again = new JsonSocketServer({
      host: HOST,
      port,
      framing: 'auto',
      maxMessageBytes: 1024,
      idleTimeoutMs: 1000,
      maxConnections: 1,
      keepAlive: false,
      logger: captureLogger(),
      onMessage: async () => ({ again: true }),
      onMalformed: () => null,
      onError: () => null,
    });
    servers.push(again);
    assert.deepEqual(await again.listen(), { host: HOST, port });
    const client = await exchange(port, b('{}'));
    assert.deepEqual(client.data, b('{"again":true}\n'));
  });

  it('close(timeoutMs) gives up on a handler that never settles', async () => {
    const gate = deferred();
    const called = deferred();
    const { server, port, logger } = await start({
      onMessage: async () => {
        called.resolve();
        await gate.promise;
        return { late: true };
      },
    });
    const client = await Client.open(port);
    await client.write(Buffer.concat([orderBytes, NL]));
    await called.promise;
    const started = Date.now();
    await server.close(200);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 180 && elapsed < 2000, `close took ${elapsed} ms`);
    await client.untilClosed();
    assert.equal(client.data.length, 0);
    assert.ok(logger.lines.some((l) => /handlers were still running/.test(l.message)));
    gate.resolve();
    await waitUntil(() => withCause(logger.lines, 'undelivered').length === 1, 'the late reply is logged as undelivered');
  });

  it('stopAccepting() refuses new peers but lets an in-flight request reply', async () => {
    const gate = deferred();
    const called = deferred();
    const { server, port } = await start({
      onMessage: async () => {
        called.resolve();
        await gate.promise;
        return { code: 0 };
      },
    });
    const client = await Client.open(port);
    await client.write(Buffer.concat([orderBytes, NL]));
    await called.promise;
    server.stopAccepting();
    await assert.rejects(Client.open(port), /ECONNREFUSED/);
    gate.resolve();
    await client.untilClosed();
    assert.deepEqual(client.data, b('{"code":0}\n'));
  });

  it('stopAccepting() lets idle keep-alive peers go and answers a pending first request once', async () => {
    const { server, port, calls } = await start({ keepAlive: true });
    const pooled = await Client.open(port);
    await pooled.write(Buffer.concat([orderBytes, NL]));
    await pooled.waitFor((d) => d.length > 0);
    const fresh = await Client.open(port);
    await waitUntil(() => server.connections === 2, 'both connections are accepted');

    server.stopAccepting();
    await pooled.untilClosed();
    assert.equal(fresh.closed, false);
    await fresh.write(Buffer.concat([orderBytes, NL, orderBytes, NL]));
    await fresh.untilClosed();
    assert.deepEqual(fresh.data, Buffer.concat([okBytes(order), NL]));
    assert.equal(calls.length, 2);
  });

  it('listen() rejects when the port is taken, and close() is idempotent', async () => {
    const { server, port } = await start();
    const clash = new JsonSocketServer({
      host: HOST,
      port,
      framing: 'auto',
      maxMessageBytes: 1024,
      idleTimeoutMs: 1000,
      maxConnections: 1,
      keepAlive: false,
      logger: captureLogger(),
      onMessage: async () => ({}),
      onMalformed: () => null,
      onError: () => null,
    });
    servers.push(clash);
    await assert.rejects(clash.listen(), /EADDRINUSE/);
    const first = server.close();
    assert.equal(server.close(), first);
    await first;
  });

  it('rejects invalid options at construction', () => {
    const base: JsonSocketServerOptions = {
      host: HOST,
      port: 0,
      framing: 'auto',
      maxMessageBytes: 1024,
      idleTimeoutMs: 1000,
      maxConnections: 1,
      keepAlive: false,
      logger: captureLogger(),
      onMessage: async () => ({}),
      onMalformed: () => null,
      onError: () => null,
    };
    assert.throws(() => new JsonSocketServer({ ...base, framing: 'len16' as never }), /framing/);
    assert.throws(() => new JsonSocketServer({ ...base, maxConnections: 0 }), /maxConnections/);
    assert.throws(() => new JsonSocketServer({ ...base, idleTimeoutMs: 2 ** 31 }), /idleTimeoutMs/);
    assert.throws(() => new JsonSocketServer({ ...base, replyCmdId: 70_000 }), /replyCmdId/);
    assert.throws(() => new JsonSocketServer({ ...base, port: -1 }), /port/);
  });
});

/** mulberry32: a tiny seeded PRNG so the garbage is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('JsonSocketServer: garbage input', () => {
  for (const framing of ['auto', 'line', 'raw', 'len32be', 'len32le', 'tmsk6'] as const) {
    it(`${framing}: closes every garbage connection and keeps serving`, async () => {
      const { port, calls, logger } = await start({ framing, maxMessageBytes: 256, idleTimeoutMs: 300 });
      const random = prng(framing.length * 7919);
      const garbage = Array.from({ length: 15 }, (_, i) => {
        const bytes = Buffer.alloc(1 + Math.floor(random() * 400));
        for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
        // some inputs look like the start of a request, to reach past the first-byte checks
        if (i % 3 === 0) bytes[0] = 0x7b;
        if (i % 5 === 0 && bytes.length > 4) bytes.writeUInt32LE(bytes.length - 4, 0);
        return bytes;
      });
      await Promise.all(garbage.map((chunk, i) => exchange(port, chunk, { halfClose: i % 2 === 0 }).catch(() => undefined)));
      assert.equal(calls.length, 0);
      assert.deepEqual(
        logger.lines.filter((l) => l.level === 'error'),
        [],
      );

      const valid = framing === 'len32be' ? len32(orderBytes, 'be') : framing === 'len32le' ? len32(orderBytes, 'le') : framing === 'tmsk6' ? tmsk6(orderBytes, 1) : Buffer.concat([orderBytes, NL]);
      const client = await exchange(port, valid);
      assert.ok(client.data.length > 0);
      assert.deepEqual(
        calls.map((c) => c.message),
        [order],
      );
    });
  }
});
