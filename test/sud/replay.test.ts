/**
 * A captured SUD notification replayed after its dedupe record expired must not settle again: with the
 * skew check off (`maxSkewSec` 0, the default), a signed timestamp older than the retention is refused in
 * SUD's format and logged, on a real server, while a recent one is accepted.
 */
import assert from 'node:assert/strict';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { APP_ID, APP_SECRET, SUCCESS_TEXT, post, signed, specExample } from './support.js';

const DAY = 86_400_000;

describe('SUD replay of an expired notification', function () {
  this.timeout(30_000);
  let app: BootedBridge;
  const settled: string[] = [];
  const now = Date.UTC(2026, 5, 1, 12);
  before(async () => {
    app = await bootBridge({
      bridge: {
        clock: { now: () => now },
        sud: { appId: APP_ID, appSecret: APP_SECRET, dedupeDays: 30, onSettlement: (s) => void settled.push(s.matchId), worker: { pollIntervalMs: 20 } },
      },
    });
  });
  after(async () => {
    await app.bridge.close();
    await app.shutdown();
  });
  const url = () => `${app.baseUrl}/platform/sud/notify`;

  it('refuses a signed notification older than the retention with ret_code 1003 and a log line, recording nothing', async () => {
    const body = JSON.stringify(specExample('old-notify-1', 'old-match-1'));
    const res = await post(url(), signed(body, { timestamp: String(now - 31 * DAY) }));
    assert.equal(res.status, 400);
    assert.deepEqual(Object.keys(res.json as object), ['ret_code', 'ret_msg']);
    assert.equal((res.json as { ret_code: number }).ret_code, 1003);
    assert.match((res.json as { ret_msg: string }).ret_msg, /31 days old, past the dedupe retention/);
    assert.equal(app.logger.find('sud notify refused: Sud-Timestamp is 31 days old', 'warn').length, 1);
    assert.equal(await app.bridge.sud!.notification('old-notify-1'), undefined, 'nothing recorded');
    assert.deepEqual(settled, []);
  });

  it('also in seconds, and just before the retention ends (less the clock margin)', async () => {
    const body = JSON.stringify(specExample('old-notify-2', 'old-match-2'));
    const res = await post(url(), signed(body, { timestamp: String(Math.floor((now - 30 * DAY + 30 * 60_000) / 1000)) }));
    assert.equal((res.json as { ret_code: number }).ret_code, 1003, res.text);
  });

  it('accepts a notification within the retention', async () => {
    const body = JSON.stringify(specExample('recent-notify', 'recent-match'));
    const res = await post(url(), signed(body, { timestamp: String(now - 2 * DAY) }));
    assert.equal(res.text, SUCCESS_TEXT);
    assert.ok((await app.bridge.sud!.notification('recent-notify')) !== undefined);
  });
});
