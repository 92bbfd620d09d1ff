/**
 * The simulator, as a user runs it: the example server started as `npm start` does, then
 * `colyseus-platform-bridge sim tour` against it (every platform path, duplicates, bad signatures), and
 * the GameCenter double watching the traffic of an example server pointed at it.
 */
import assert from 'node:assert/strict';
import { ColyseusSDK } from '@colyseus/sdk';
import { GameCenterDouble } from '../../src/testing/index.js';
import { TRIAL_SECRETS } from '../../src/testing/index.js';
import { consolePrinter } from '../../src/sim/print.js';
import { runTour } from '../../src/sim/tour.js';
import { bootBridge } from '../helpers/colyseus.js';
import { freePort } from '../helpers/ports.js';
import { spawnTs, waitFor, within, type Spawned } from '../helpers/processes.js';

async function startExample(env: Record<string, string>): Promise<{ proc: Spawned; env: Record<string, string> }> {
  const full = { PORT: String(await freePort()), RECHARGE_SOCKET_PORT: String(await freePort()), HOST: '127.0.0.1', REDIS_URL: '', ...env };
  const proc = spawnTs('example-server/index.ts', full);
  await waitFor('example server', async () => {
    if (proc.proc.exitCode !== null) throw new Error(proc.output());
    return (await fetch(`http://127.0.0.1:${full.PORT}/platform/health`)).status === 200 ? true : undefined;
  });
  return { proc, env: full };
}

describe('platform simulator', function () {
  this.timeout(60_000);
  const running: Spawned[] = [];
  afterEach(async () => {
    for (const p of running.splice(0)) {
      p.kill('SIGTERM');
      await within(15_000, 'example server exit', p.exited());
    }
  });

  it('completes the full tour against the example server, every answer as the spec says', async () => {
    const server = await startExample({});
    running.push(server.proc);
    const tour = spawnTs('src/cli.ts', { PORT: server.env.PORT!, RECHARGE_SOCKET_PORT: server.env.RECHARGE_SOCKET_PORT! }, ['sim', 'tour']);
    const { code } = await within(40_000, 'the tour', tour.exited());
    const out = tour.output();
    assert.equal(code, 0, out);
    assert.match(out, /tour finished: 17 passed, 0 failed/);
    for (const step of [
      'recharge over HTTP with a bad sign',
      'recharge over the socket, the same order again (duplicate)',
      'the same gift code again (duplicate)',
      'VNGates /rolelist',
      'SUD notification with a bad signature',
    ]) {
      assert.ok(out.includes(step), step);
    }
    // the server logged why it refused the bad signatures
    assert.match(server.proc.output(), /recharge refused: bad sign/);
  });

  it('exits non-zero when an answer is off (a wrong key makes every signed request fail)', async () => {
    const server = await startExample({});
    running.push(server.proc);
    const tour = spawnTs('src/cli.ts', { PORT: server.env.PORT!, RECHARGE_SOCKET_PORT: server.env.RECHARGE_SOCKET_PORT! }, [
      'sim',
      'tour',
      '--recharge-key',
      'not-the-key',
      '--skip',
      'socket,vngates,sud',
    ]);
    const { code } = await within(30_000, 'the tour', tour.exited());
    assert.equal(code, 1);
    assert.match(tour.output(), /✘ expected exactly/);
  });

  it('the GameCenter double sees the signed zone traffic of an example server pointed at it', async () => {
    const lines: string[] = [];
    // as `sim gamecenter` runs it
    const sim = new GameCenterDouble({
      appId: TRIAL_SECRETS.GAMECENTER_APP_ID,
      secret: TRIAL_SECRETS.GAMECENTER_SECRET,
      acceptAnyToken: true,
      unknownOrdersPaid: true,
      log: (l) => void lines.push(l),
    });
    const { url } = await sim.start();
    try {
      const server = await startExample({ GAMECENTER_URL: url });
      running.push(server.proc);
      const sdk = new ColyseusSDK(`ws://127.0.0.1:${server.env.PORT}`);
      // with GameCenter on, the room checks the token; here it travels as the join option `token`
      const room = await sdk.joinOrCreate('battle', { userId: '86179877528939918', token: 'trial-token' });
      const create = await waitFor('a type-1 create-role event at the double', () => sim.requestsTo('sync.user_game_zone_data').find((r) => r.params.user_game_zone_type === '1'));
      assert.deepEqual(create.outcome, { code: 0 }, 'signature and limits accepted');
      assert.match(create.params.user_game_zone_data!, /^\[\[86179877528939918,1,\d{13}\]\]$/, 'the id written as its exact digits');
      assert.ok(
        lines.some((l) => l.includes('sync.user_game_zone_data')),
        'printed for the user to watch',
      );
      assert.ok(
        sim.requestsTo('auth.check_status').some((r) => r.params.userToken === 'trial-token' && 'code' in r.outcome && r.outcome.code === 0),
        'the token was checked',
      );
      await room.leave();
    } finally {
      await sim.stop();
    }
  });
});

describe('platform simulator against a partial server', function () {
  this.timeout(30_000);

  const capture = () => {
    const lines: string[] = [];
    return { lines, out: consolePrinter((l) => void lines.push(l), false) };
  };
  const tourOptions = (url: string, socketPort = 1) => ({
    url,
    socketHost: '127.0.0.1',
    socketPort,
    rechargeKey: TRIAL_SECRETS.RECHARGE_KEY,
    giftKey: TRIAL_SECRETS.GIFT_KEY,
    vngatesSecret: TRIAL_SECRETS.VNGATES_SECRET,
    sudAppId: TRIAL_SECRETS.SUD_APP_ID,
    sudSecret: TRIAL_SECRETS.SUD_APP_SECRET,
    userId: 'sim-player-1',
    zoneId: '1',
  });

  it('skips what the health route says is off, says so, and passes what is on', async () => {
    const app = await bootBridge({ bridge: { http: { healthDetail: true }, recharge: { key: TRIAL_SECRETS.RECHARGE_KEY, socket: { enabled: false } } } });
    try {
      const { lines, out } = capture();
      const r = await runTour(tourOptions(app.baseUrl), out);
      const text = lines.join('\n');
      assert.deepEqual(r, { passed: 4, failed: 0 }, text);
      for (const said of ['skipped socket: the recharge socket is off on this server', 'skipped vngates: VNGates is off on this server', 'skipped sud: SUD is off on this server']) {
        assert.ok(text.includes(said), said);
      }
      assert.ok(!text.includes('gift code over the socket'), 'no gift-code step without the socket');
    } finally {
      await app.shutdown();
    }
  });

  it('with no server at the URL, says so once and stops', async () => {
    const { lines, out } = capture();
    const r = await runTour(tourOptions(`http://127.0.0.1:${await freePort()}`), out);
    const text = lines.join('\n');
    assert.deepEqual(r, { passed: 0, failed: 1 });
    assert.equal(text.match(/no server answers at/g)?.length, 1, text);
    assert.match(text, /ECONNREFUSED/);
    assert.ok(!text.includes('fetch failed'), text);
    assert.ok(!text.includes('recharge over HTTP'), 'nothing else tried');
  });
});
