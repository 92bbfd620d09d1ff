/**
 * SUD's retention on a real server and a real Redis, with fractions of a day so it runs in seconds: a
 * settled match keeps its full record (job, notify record, journal) for `recordDays` and then only a
 * tombstone until `dedupeDays`. A duplicate arriving while only the tombstone lives is answered SUCCESS,
 * byte for byte, records nothing and runs nothing; after `dedupeDays` the match is new again.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { Settlement } from '../../src/platforms/sud/index.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { waitFor, waitUntil } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { APP_ID, APP_SECRET, SUCCESS_TEXT, post, signed, specExample } from './support.js';
import { DEDUPE_DAYS, DEDUPE_MS, RECORD_DAYS, RECORD_MS } from '../helpers/retentionDays.js';

describe('SUD retention: full record, then a tombstone, then nothing', function () {
  this.timeout(60_000);
  let app: BootedBridge;
  let probe: Redis;
  const settled: Settlement[] = [];
  after(async () => {
    await app?.bridge.close();
    await app?.shutdown();
    probe?.disconnect();
  });
  const redis = useRedisServer();
  before(async () => {
    probe = new Redis(redis.url);
    app = await bootBridge({
      bridge: {
        redis: redis.url,
        sud: { appId: APP_ID, appSecret: APP_SECRET, recordDays: RECORD_DAYS, dedupeDays: DEDUPE_DAYS, onSettlement: (s) => void settled.push(s), worker: { pollIntervalMs: 20 } },
      },
    });
  });
  const url = () => `${app.baseUrl}/platform/sud/notify`;
  const job = (m: string) => `platform:{sud}:job:settle:${m}`;
  const notify = (n: string) => `platform:{sud}:notify:${n}`;
  const tombstone = (m: string) => `platform:{sud}:t:s:${m}`;
  const journal = (m: string) => `platform:{journal}:sud:settle:${m}`;
  const settledCount = (m: string) => settled.filter((s) => s.matchId === m).length;
  const gone = (key: string) =>
    waitUntil(
      `${key} expired`,
      () => probe.exists(key),
      (n) => n === 0,
      10_000,
      20,
    );

  it('keeps the record recordDays and the tombstone dedupeDays, answers duplicates SUCCESS meanwhile, then takes the match as new', async () => {
    const body = JSON.stringify(specExample('ret-notify-1', 'ret-match-1'));
    assert.equal((await post(url(), signed(body))).text, SUCCESS_TEXT);
    await waitFor('the match settled', async () => ((await probe.hget(job('ret-match-1'), 'state')) === 'done' ? true : undefined));
    assert.equal(settledCount('ret-match-1'), 1);

    // TTLs set when the job finished: the record for recordDays, the tombstone (the final state, `1` = done) for dedupeDays
    const [jobTtl, notifyTtl, tombTtl, journalTtl] = await Promise.all([job('ret-match-1'), notify('ret-notify-1'), tombstone('ret-match-1'), journal('ret-match-1')].map((k) => probe.pttl(k)));
    assert.ok(jobTtl! > 0 && jobTtl! <= RECORD_MS, `job pttl ${jobTtl}`);
    assert.ok(notifyTtl! > 0 && notifyTtl! <= RECORD_MS, `notify pttl ${notifyTtl}`);
    assert.ok(journalTtl! > 0 && journalTtl! <= RECORD_MS, `the job's journal expires with its record (pttl ${journalTtl})`);
    assert.ok(tombTtl! > RECORD_MS && tombTtl! <= DEDUPE_MS, `tombstone pttl ${tombTtl}`);
    assert.equal(await probe.get(tombstone('ret-match-1')), '1');
    assert.equal(await probe.type(tombstone('ret-match-1')), 'string');

    await gone(job('ret-match-1'));
    await gone(notify('ret-notify-1'));
    assert.ok((await probe.pttl(tombstone('ret-match-1'))) > 500, 'still inside the dedupe window (the machine was not too slow for this test)');

    // the same notification again (SUD re-signs a redelivery), and another notification of the same match
    const again = await post(url(), signed(body));
    assert.deepEqual([again.status, again.text], [200, SUCCESS_TEXT]);
    const other = await post(url(), signed(JSON.stringify(specExample('ret-notify-2', 'ret-match-1'))));
    assert.deepEqual([other.status, other.text], [200, SUCCESS_TEXT]);
    // and the room reporting it
    assert.deepEqual(await app.bridge.sud!.settlements.report({ matchId: 'ret-match-1', roomId: '9010', results: [{ uid: 'u1', score: 1 }] }), { status: 'duplicate', state: 'done' });
    assert.equal(app.logger.find('sud notify: duplicate of a job finished before its record expired', 'info').length, 2);
    assert.deepEqual(await Promise.all([job('ret-match-1'), notify('ret-notify-1'), notify('ret-notify-2')].map((k) => probe.exists(k))), [0, 0, 0], 'nothing recorded again');
    assert.equal(await probe.zscore('platform:{sud}:due', 'settle:ret-match-1'), null);
    assert.equal(settledCount('ret-match-1'), 1, 'the handler did not run again');

    // after dedupeDays the match is unknown: taken as new
    await gone(tombstone('ret-match-1'));
    assert.equal((await post(url(), signed(body))).text, SUCCESS_TEXT);
    await waitFor('settled again', () => (settledCount('ret-match-1') === 2 ? true : undefined));
  });

  it('an event job (onEvent) is remembered by its notify_id the same way', async () => {
    await app.bridge.close();
    await app.shutdown();
    const events: string[] = [];
    app = await bootBridge({
      bridge: {
        redis: redis.url,
        sud: { appId: APP_ID, appSecret: APP_SECRET, recordDays: RECORD_DAYS, dedupeDays: DEDUPE_DAYS, onEvent: (e) => void events.push(e.notifyId), worker: { pollIntervalMs: 20 } },
      },
    });
    const body = JSON.stringify({ notify_id: 'ret-event-1', notify_time: '1664266669547', app_id: APP_ID, notify_event: 'sud.mg.merchant.match.start', data: { match_id: 'x', room_id: '9010' } });
    assert.equal((await post(url(), signed(body))).text, SUCCESS_TEXT);
    await waitFor('the event handled', () => (events.length === 1 ? true : undefined));
    await waitFor('its job done', async () => ((await probe.hget('platform:{sud}:job:event:ret-event-1', 'state')) === 'done' ? true : undefined));
    const ttl = await probe.pttl('platform:{sud}:t:e:ret-event-1');
    assert.ok(ttl > RECORD_MS && ttl <= DEDUPE_MS, `tombstone pttl ${ttl}`);
    await gone('platform:{sud}:job:event:ret-event-1');
    await gone(notify('ret-event-1'));
    assert.equal((await post(url(), signed(body))).text, SUCCESS_TEXT);
    assert.equal(await probe.exists(notify('ret-event-1')), 0, 'nothing recorded again');
    assert.deepEqual(events, ['ret-event-1']);
  });
});
