/**
 * Every onAuth the bridge offers, in a real Colyseus room joined by a real @colyseus/sdk client: a refused
 * token comes back to the client as Colyseus's auth-failed code (525) with a message it can read, never as
 * an HTTP 500 (the matchmaker uses the thrown error's `code` as the HTTP status, so a platform code such as
 * GameCenter's 922 made it throw a RangeError), and a confirmed token joins with `client.auth.userId`.
 */
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Room, type Client as RoomClient } from '@colyseus/core';
import { Client } from '@colyseus/sdk';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { GameCenterDouble } from '../../src/testing/index.js';
import { md5 } from '../vngates/support.js';

const joined: unknown[] = [];
class GcRoom extends Room {
  static override onAuth: typeof Room.onAuth;
  override onJoin(client: RoomClient) {
    joined.push(client.auth);
  }
}
class VgRoom extends Room {
  static override onAuth: typeof Room.onAuth;
  override onJoin(client: RoomClient) {
    joined.push(client.auth);
  }
}

/** Everything Colyseus and the bridge print while a join is refused: a RangeError or a 500 must not be in it. */
function captureOutput(): { text(): string; stop(): void } {
  const chunks: string[] = [];
  // kept to be put back unchanged by stop(), and only ever called with their own stream
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const originals = { out: process.stdout.write, err: process.stderr.write, error: console.error, warn: console.warn, log: console.log };
  const keep = (c: unknown) => void chunks.push(String(c));
  process.stdout.write = ((c: unknown, ...rest: unknown[]) => (keep(c), (originals.out as (...a: unknown[]) => boolean).call(process.stdout, c, ...rest))) as typeof process.stdout.write;
  process.stderr.write = ((c: unknown, ...rest: unknown[]) => (keep(c), (originals.err as (...a: unknown[]) => boolean).call(process.stderr, c, ...rest))) as typeof process.stderr.write;
  for (const k of ['error', 'warn', 'log'] as const) console[k] = (...a: unknown[]) => (keep(a.map((x) => (x instanceof Error ? `${x.name}: ${x.message}` : String(x))).join(' ')), originals[k](...a));
  return {
    text: () => chunks.join('\n'),
    stop: () => {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
      console.error = originals.error;
      console.warn = originals.warn;
      console.log = originals.log;
    },
  };
}

async function refusal(join: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await join;
  } catch (e) {
    return { code: (e as { code: number }).code, message: (e as Error).message };
  }
  assert.fail('the join was expected to be refused');
}

describe('onAuth refusals through a real SDK client', function () {
  this.timeout(30_000);
  let gc: GameCenterDouble;
  let vg: HttpServer;
  let b: BootedBridge;
  const VG_TOKEN = 'vg-good-token';

  before(async () => {
    gc = new GameCenterDouble({ appId: 'app-1', secret: 'double-secret' });
    await gc.start();
    gc.addUser('645633159128785116', 'gc-good-token');
    vg = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        res.writeHead(200, { 'content-type': 'application/json' });
        if (form.sign !== md5(form.app_id! + form.access_token!) || form.access_token !== VG_TOKEN) return void res.end(JSON.stringify({ status: 0, msg: 'access token expired' }));
        res.end(JSON.stringify({ status: 1, access_token: VG_TOKEN, access_expires: Date.now() + 3_600_000, data: { user_id: '229', username: 'gamegate36i' } }));
      });
    });
    await new Promise<void>((r) => vg.listen(0, '127.0.0.1', r));
    b = await bootBridge({
      rooms: { gc: GcRoom, vg: VgRoom },
      bridge: {
        gamecenter: { baseUrl: gc.url, appId: 'app-1', secret: 'double-secret', retries: 0 },
        vngates: { appId: 'vg-app', userinfoUrl: `http://127.0.0.1:${(vg.address() as AddressInfo).port}/api/userinfo`, secret: 'vg-secret' },
      },
    });
    GcRoom.onAuth = b.bridge.gamecenter!.onAuth as typeof Room.onAuth;
    VgRoom.onAuth = b.bridge.vngates!.onAuth() as typeof Room.onAuth;
  });
  after(async () => {
    await b?.shutdown();
    await gc?.stop();
    await new Promise<void>((r) => (vg ? vg.close(() => r()) : r()));
  });
  beforeEach(() => (joined.length = 0));

  it('GameCenter: a refused token is a 525 the client can read, with GameCenter’s code kept and logged; a confirmed one joins as the user', async () => {
    const out = captureOutput();
    let bad: { code: number; message: string };
    let missing: { code: number; message: string };
    try {
      const sdk = new Client(b.baseUrl);
      sdk.auth.token = 'stale-token';
      bad = await refusal(sdk.joinOrCreate('gc', { userId: '645633159128785116' }));
      const noUser = new Client(b.baseUrl);
      noUser.auth.token = 'gc-good-token';
      missing = await refusal(noUser.joinOrCreate('gc', {}));
    } finally {
      out.stop();
    }
    assert.equal(bad.code, 525);
    assert.match(bad.message, /GameCenter refused the token \(922: unauthorized request, invalid access token\)/);
    assert.equal(missing.code, 525);
    assert.match(missing.message, /userId/);
    assert.doesNotMatch(out.text(), /RangeError|status" must be in the range|Internal Server Error/);
    const line = b.logger.find('GameCenter onAuth: join refused', 'info').find((l) => l.fields?.gameCenterCode === 922);
    assert.ok(line, 'the refusal is logged with GameCenter’s code');
    assert.equal(line!.fields!.gameCenterMsg, 'unauthorized request, invalid access token');
    assert.equal(line!.fields!.code, 525);
    assert.deepEqual(joined, [], 'nobody joined');

    const sdk = new Client(b.baseUrl);
    sdk.auth.token = 'gc-good-token';
    const room = await sdk.joinOrCreate('gc', { userId: '645633159128785116' });
    assert.deepEqual(joined, [{ userId: '645633159128785116' }]);
    await room.leave();
  });

  it('GameCenter unreachable: a 526 "try again", not a 500', async () => {
    gc.failNext('auth.check_status', { httpStatus: 502 });
    const out = captureOutput();
    let r: { code: number; message: string };
    try {
      const sdk = new Client(b.baseUrl);
      sdk.auth.token = 'another-token';
      r = await refusal(sdk.joinOrCreate('gc', { userId: '645633159128785116' }));
    } finally {
      out.stop();
    }
    assert.equal(r.code, 526);
    assert.match(r.message, /could not check the token right now; try again/);
    assert.doesNotMatch(out.text(), /RangeError|Internal Server Error/);
  });

  it('VNGates: a refused token is a 525 with VNGates’ message; a confirmed one joins as the user', async () => {
    const out = captureOutput();
    let bad: { code: number; message: string };
    let none: { code: number; message: string };
    try {
      const sdk = new Client(b.baseUrl);
      sdk.auth.token = 'stale-token';
      bad = await refusal(sdk.joinOrCreate('vg'));
      none = await refusal(new Client(b.baseUrl).joinOrCreate('vg'));
    } finally {
      out.stop();
    }
    assert.equal(bad.code, 525);
    assert.match(bad.message, /VNGates refused the access token: access token expired/);
    assert.equal(none.code, 525);
    assert.doesNotMatch(out.text(), /RangeError|Internal Server Error/);

    const sdk = new Client(b.baseUrl);
    sdk.auth.token = VG_TOKEN;
    const room = await sdk.joinOrCreate('vg');
    assert.deepEqual(joined, [{ userId: '229', username: 'gamegate36i' }]);
    await room.leave();
  });
});
