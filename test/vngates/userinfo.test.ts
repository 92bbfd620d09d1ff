/**
 * The VNGates userinfo client against the testing kit's double of the endpoint, which checks the form and the
 * sign itself, and the onAuth verifier in a real Colyseus room joined by a real SDK client.
 */
import assert from 'node:assert/strict';
import { Room, type Client as RoomClient } from '@colyseus/core';
import { Client } from '@colyseus/sdk';
import { VngatesApiError, VngatesClient, VngatesTransportError, vngatesOnAuth, installVngates, parseVngatesOptions, type VngatesService } from '../../src/platforms/vngates/index.js';
import { bootHarness, type Harness } from '../sud/harness.js';
import { VngatesDouble } from '../../src/testing/index.js';
import { APP_ID } from './support.js';

const TOKEN = 'b8a4c967ea135a4dcfca38162111fef814a8ba21c2f04a189526eb7c7494501b';

/** The user of the document's example answer for TOKEN. */
const EXAMPLE_USER = { userId: '229', username: 'gamegate36i', refreshToken: '1dfad604a0de526872fdf3ecd7834df6' };

describe('VNGates userinfo', function () {
  this.timeout(30_000);
  // the testing kit's double: checks the form and the sign, answers in the document's shape
  const double = new VngatesDouble({ appId: APP_ID, users: { [TOKEN]: EXAMPLE_USER } });
  const calls = double.requests;
  let url: string;

  before(async () => {
    url = (await double.start()).url;
  });
  after(() => double.stop());
  beforeEach(() => {
    calls.length = 0;
  });

  const client = (over: Partial<ConstructorParameters<typeof VngatesClient>[0]> = {}) => new VngatesClient({ appId: APP_ID, userinfoUrl: url, timeoutMs: 1000, retries: 2, retryDelayMs: 1, ...over });

  it('sends the signed form of the document and reads its answer', async () => {
    const user = await client().userinfo(TOKEN);
    assert.deepEqual(calls, [{ app_id: APP_ID, access_token: TOKEN, sign: '83bb790e425b0eaa251e94ede00da20f' }], "the document's own example sign");
    assert.equal(user.userId, '229');
    assert.equal(user.username, 'gamegate36i');
    assert.equal(user.refreshToken, '1dfad604a0de526872fdf3ecd7834df6');
    assert.ok((user.accessExpires ?? 0) > Date.now());
  });

  it('status 0 is a VngatesApiError with the message, and is not retried', async () => {
    await assert.rejects(client().userinfo('stale-token'), (e: unknown) => e instanceof VngatesApiError && e.msg === 'access token expired');
    assert.equal(calls.length, 1);
  });

  it('retries HTTP 5xx and timeouts, then succeeds', async () => {
    double.failNext('503');
    double.failNext('hang');
    const user = await client({ timeoutMs: 200 }).userinfo(TOKEN);
    assert.equal(user.userId, '229');
    assert.equal(calls.length, 3);
  });

  it('gives up after the configured retries with a transport error', async () => {
    double.failNext('503', 3);
    await assert.rejects(client().userinfo(TOKEN), (e: unknown) => e instanceof VngatesTransportError && e.kind === 'http' && e.httpStatus === 503);
    assert.equal(calls.length, 3);
  });

  it('onAuth caches a verified token, shares concurrent lookups, and refuses a bad token with AUTH_FAILED', async () => {
    const onAuth = vngatesOnAuth(client(), { cacheMs: 60_000 });
    const results = await Promise.all([onAuth(TOKEN), onAuth(TOKEN), onAuth(TOKEN)]);
    assert.deepEqual(results[0], { userId: '229', username: 'gamegate36i' });
    assert.equal(calls.length, 1);
    await onAuth(TOKEN);
    assert.equal(calls.length, 1, 'served from the cache');
    await assert.rejects(onAuth('stale-token'), (e: { code?: number; message: string }) => e.code === 525 && /access token expired/.test(e.message));
    await assert.rejects(onAuth(undefined), (e: { code?: number }) => e.code === 525);
  });

  it('onAuth bounds its cache: the oldest token is asked again', async () => {
    let t = 0;
    const fake = { userinfo: async (token: string) => ({ userId: token, username: '', raw: {}, n: ++t }) };
    const onAuth = vngatesOnAuth(fake, { maxEntries: 2 });
    await onAuth('a');
    await onAuth('b');
    await onAuth('c');
    await onAuth('b');
    assert.equal(t, 3);
    await onAuth('a');
    assert.equal(t, 4, "'a' was dropped");
  });

  describe('in a real room', () => {
    let h: Harness<VngatesService>;
    const auths: unknown[] = [];
    class Battle extends Room {
      static override onAuth: typeof Room.onAuth;
      override onJoin(client: RoomClient) {
        auths.push(client.auth);
      }
    }
    before(async () => {
      h = await bootHarness(
        {},
        (ctx, { ledger }) => {
          const vg = installVngates(ctx, parseVngatesOptions({ appId: APP_ID, userinfoUrl: url }), { ledger });
          Battle.onAuth = vg.onAuth() as typeof Room.onAuth;
          return vg;
        },
        { rooms: { battle: Battle } },
      );
    });
    after(() => h?.close());

    it('a client with a VNGates token joins as that user; a bad token cannot join', async () => {
      const sdk = new Client(h.baseUrl);
      sdk.auth.token = TOKEN;
      const room = await sdk.joinOrCreate('battle');
      assert.deepEqual(auths, [{ userId: '229', username: 'gamegate36i' }]);
      await room.leave();
      const bad = new Client(h.baseUrl);
      bad.auth.token = 'stale-token';
      await assert.rejects(bad.joinOrCreate('battle'), /access token expired/);
    });
  });
});
