/**
 * Safe defaults on a real Colyseus server: a body trickled past `http.bodyTimeoutMs` is cut with the route's
 * own answer and a log line; the SUD route refuses a declared oversized body with 413 before reading it; a
 * flood of bad requests writes a bounded number of log lines; the health route is terse unless detail is
 * asked for (option or admin token); and a start without a user id resolver says what that means.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { waitFor } from '../helpers/processes.js';

interface Trickled {
  head: string;
  body: string;
  closed: boolean;
  bytesSent: number;
}

/** Sends the headers of a POST declaring `declared` bytes, then one body byte every `everyMs`, until the server answers or closes. */
function trickle(port: number, path: string, headers: Record<string, string>, declared: number, everyMs: number, boundMs: number): Promise<Trickled> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let received = '';
    let bytesSent = 0;
    let timer: NodeJS.Timeout | undefined;
    const bound = setTimeout(() => finish(new Error(`no answer within ${boundMs} ms`)), boundMs);
    const finish = (err?: Error) => {
      clearInterval(timer);
      clearTimeout(bound);
      sock.destroy();
      if (err) return reject(err);
      const at = received.indexOf('\r\n\r\n');
      const head = at < 0 ? received : received.slice(0, at);
      const raw = at < 0 ? '' : received.slice(at + 4);
      resolve({ head, body: /transfer-encoding: chunked/i.test(head) ? dechunk(raw) : raw, closed: true, bytesSent });
    };
    sock.on('connect', () => {
      const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Length: ${declared}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      sock.write(lines.join('\r\n') + '\r\n\r\n');
      timer = setInterval(() => {
        if (bytesSent < declared - 1 && sock.writable) {
          sock.write('{');
          bytesSent++;
        }
      }, everyMs);
    });
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (received += d));
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', () => finish());
  });
}

function dechunk(raw: string): string {
  let out = '';
  let rest = raw;
  for (;;) {
    const eol = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, eol), 16);
    if (!(size > 0)) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 2 + size + 2);
  }
}

describe('safe defaults', function () {
  this.timeout(30_000);
  const boots: BootedBridge[] = [];
  after(async () => {
    for (const b of boots) {
      await b.bridge.close();
      await b.shutdown();
    }
  });
  const boot = async (bridge: Parameters<typeof bootBridge>[0] extends infer O ? (O extends { bridge?: infer B } ? B : never) : never) => {
    const b = await bootBridge({ bridge });
    boots.push(b);
    return b;
  };

  describe('body-read deadline', () => {
    it('cuts a recharge POST trickled at the deadline with the recharge answer and a log line', async () => {
      const app = await boot({ http: { bodyTimeoutMs: 400 }, recharge: { key: 'k', socket: { enabled: false } } });
      const r = await trickle(app.port, '/platform/recharge', { 'content-type': 'application/json' }, 200, 50, 10_000);
      assert.match(r.head, /^HTTP\/1\.1 408/);
      assert.match(r.head, /connection: close/i);
      assert.deepEqual(JSON.parse(JSON.parse(r.body).msg), { msg: 'body not received within 400 ms', ret: -2 });
      assert.ok(r.bytesSent < 199, 'cut before the body was complete');
      const line = app.logger.find('recharge refused: body not received within 400 ms', 'warn');
      assert.equal(line.length, 1);
      assert.equal(line[0]!.fields?.path, 'http');
    });

    it('cuts a SUD notification trickled at the deadline with a SUD answer and a log line', async () => {
      const app = await boot({ http: { bodyTimeoutMs: 400 }, sud: { appId: 'app', appSecret: 'secret' } });
      const r = await trickle(app.port, '/platform/sud/notify', { 'content-type': 'application/json' }, 200, 50, 10_000);
      assert.match(r.head, /^HTTP\/1\.1 4\d\d/);
      assert.equal(JSON.parse(r.body).ret_code, 1004);
      assert.match(JSON.parse(r.body).ret_msg, /body not received within 400 ms/);
      assert.equal(app.logger.find('sud notify refused: body not received within 400 ms', 'warn').length, 1);
    });
  });

  it('the SUD route answers a declared oversized body with 413 in its own format, without reading it', async () => {
    const app = await boot({ http: { maxBodyBytes: 1024 }, sud: { appId: 'app', appSecret: 'secret' } });
    // declares 10 MB and sends almost nothing: only the early check can answer this
    const r = await trickle(app.port, '/platform/sud/notify', { 'content-type': 'application/json' }, 10_000_000, 1000, 10_000);
    assert.match(r.head, /^HTTP\/1\.1 413/);
    assert.deepEqual(JSON.parse(r.body), { ret_code: 1006, ret_msg: 'body larger than 1024 bytes' });
    assert.equal(app.logger.find('sud notify refused: body larger than 1024 bytes', 'warn').length, 1);
  });

  it('a flood of bad requests writes a bounded number of log lines', async () => {
    const app = await boot({ recharge: { key: 'k', socket: { enabled: false } }, sud: { appId: 'app', appSecret: 'secret' } });
    for (let i = 0; i < 60; i++) {
      const r = await fetch(`${app.baseUrl}/platform/recharge`, { method: 'POST', body: `not json ${i}` });
      assert.equal(r.status, 400);
      const s = await fetch(`${app.baseUrl}/platform/sud/notify`, { method: 'POST', body: '{}' });
      assert.equal(s.status, 401);
    }
    const recharge = app.logger.find('recharge refused: malformed JSON', 'warn');
    const sud = app.logger.find('sud notify refused: missing header', 'warn');
    assert.ok(recharge.length >= 1 && recharge.length <= 10, `recharge lines: ${recharge.length}`);
    assert.ok(sud.length >= 1 && sud.length <= 10, `sud lines: ${sud.length}`);
  });

  describe('health route', () => {
    it('says only the status by default', async () => {
      const app = await boot({ sud: { appId: 'secret-app-id', appSecret: 's' } });
      const res = await fetch(`${app.baseUrl}/platform/health`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '{"status":"ok"}');
    });

    it('shows the detail with http.healthDetail', async () => {
      const app = await boot({ http: { healthDetail: true }, sud: { appId: 'secret-app-id', appSecret: 's' } });
      const body = (await (await fetch(`${app.baseUrl}/platform/health`)).json()) as any;
      assert.equal(body.status, 'ok');
      assert.equal(body.platforms.sud.appId, 'secret-app-id');
      assert.equal(body.store.kind, 'memory');
    });

    it('shows the detail to a request with the admin token, and only the status without it', async () => {
      const token = 'admin-token-0123456789abcdef0123';
      const app = await boot({ admin: { enabled: true, token }, sud: { appId: 'secret-app-id', appSecret: 's' } });
      const withToken = (await (await fetch(`${app.baseUrl}/platform/health`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
      assert.equal(withToken.platforms.sud.appId, 'secret-app-id');
      assert.equal(await (await fetch(`${app.baseUrl}/platform/health`, { headers: { authorization: 'Bearer wrong' } })).text(), '{"status":"ok"}');
    });
  });

  it('warns at start when user ids may come from the join option, not when a resolver is set', async () => {
    const open = await boot({});
    await waitFor('the start warning', async () => (open.logger.find('rooms.resolveUserId is not set', 'warn').length === 1 ? true : undefined));
    assert.match(open.logger.find('rooms.resolveUserId is not set', 'warn')[0]!.message, /any client can set/);
    const resolved = await boot({ rooms: { resolveUserId: (client) => (client.auth as { uid?: string } | undefined)?.uid } });
    assert.equal(resolved.logger.find('rooms.resolveUserId is not set').length, 0);
  });
});
