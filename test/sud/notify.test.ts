/**
 * The SUD notify route on a real Colyseus server and a real Redis: the document's request example is
 * recorded (raw body included) before SUCCESS is answered, the game's handler and the room see the
 * settlement once, duplicates change nothing, and every kind of bad request is refused with a reason,
 * logged, and leaves Redis untouched.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { installSud, parseSudOptions, type Settlement, type SudOptionsInput, type SudService } from '../../src/platforms/sud/index.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor } from '../helpers/processes.js';
import { bootHarness, type Harness } from './harness.js';
import { APP_ID, APP_SECRET, SUCCESS_TEXT, post, rawPost, sign, signed, specExample } from './support.js';

describe('SUD notify route', function () {
  this.timeout(30_000);
  let probe: Redis;
  let h: Harness<SudService>;
  // registered before the Redis server's own `after`, so the bridge closes while Redis is still up
  after(async () => {
    await h?.close();
    probe?.disconnect();
  });
  const redis = useRedisServer();
  const settled: Array<{ settlement: Settlement; key: string; attempt: number }> = [];
  const delivered: Array<{ roomId: string; settlement: Settlement }> = [];
  let url: string;

  const sudOptions = (extra: Partial<SudOptionsInput> = {}): SudOptionsInput => ({
    appId: APP_ID,
    appSecret: APP_SECRET,
    previousAppSecret: 'the-old-secret',
    worker: { pollIntervalMs: 20 },
    onSettlement: (settlement, ctx) => void settled.push({ settlement, key: ctx.idempotencyKey, attempt: ctx.attempt }),
    ...extra,
  });

  before(async () => {
    probe = new Redis(redis.url);
    h = await bootHarness({ redis: redis.url, http: { maxBodyBytes: 4096 } }, (ctx) =>
      installSud(ctx, parseSudOptions(sudOptions()), { rooms: { deliver: (roomId, settlement) => void delivered.push({ roomId, settlement }) } }),
    );
    url = `${h.baseUrl}/platform/sud/notify`;
  });
  beforeEach(() => {
    settled.length = 0;
    delivered.length = 0;
    h.logger.clear();
  });

  const sudKeys = async () => (await probe.keys('platform:{sud}*')).sort();
  const done = (matchId: string) => waitFor(`settlement ${matchId} done`, async () => ((await h.installed.settlements.get(matchId))?.state === 'done' ? true : undefined));

  it('records the document example, answers SUCCESS, settles once and delivers to room 9010', async () => {
    const body = JSON.stringify(specExample());
    const res = await post(url, signed(body));
    assert.equal(res.status, 200);
    assert.equal(res.text, SUCCESS_TEXT);

    const notify = await probe.hgetall('platform:{sud}:notify:144884c98000100c-15da5e428a821000');
    assert.equal(notify.event, 'sud.mg.merchant.match.settle');
    assert.equal(notify.job, 'settle:ce56b6lzi1a7-cf75pcvbs7j1-cxjfg7fzupz0');
    // the raw body is kept once, byte for byte, in the job this notification created
    assert.equal(notify.body, undefined);
    assert.equal(await probe.hget('platform:{sud}:job:settle:ce56b6lzi1a7-cf75pcvbs7j1-cxjfg7fzupz0', 'body'), body);
    assert.equal((await h.installed.notification('144884c98000100c-15da5e428a821000'))?.body, body);
    const ttl = await probe.pttl('platform:{sud}:notify:144884c98000100c-15da5e428a821000');
    assert.ok(ttl > 29 * 86_400_000 && ttl <= 30 * 86_400_000, `kept for the 30-day retention (pttl ${ttl})`);

    await done('ce56b6lzi1a7-cf75pcvbs7j1-cxjfg7fzupz0');
    assert.equal(settled.length, 1);
    const { settlement, key, attempt } = settled[0]!;
    assert.equal(key, 'ce56b6lzi1a7-cf75pcvbs7j1-cxjfg7fzupz0');
    assert.equal(attempt, 1);
    assert.deepEqual(
      { ...settlement, raw: undefined },
      {
        matchId: 'ce56b6lzi1a7-cf75pcvbs7j1-cxjfg7fzupz0',
        roomId: '9010',
        source: 'sud',
        mgId: '1557194155570024449',
        gameMode: 1,
        battleStartAt: 1664265322,
        battleEndAt: 1664265594,
        battleDurationSec: 272,
        results: [
          { uid: 'fa1c53c4', isAi: false, score: -100, remainScore: 0, commissionScore: 0 },
          { uid: 'f0818db8', isAi: false, score: -100, remainScore: 0, commissionScore: 0 },
        ],
        reportGameInfoKey: 'key001',
        reportGameInfoExtras: 'extras',
        notifyId: '144884c98000100c-15da5e428a821000',
        raw: undefined,
      },
    );
    assert.deepEqual(
      delivered.map((d) => [d.roomId, d.settlement.matchId]),
      [['9010', 'ce56b6lzi1a7-cf75pcvbs7j1-cxjfg7fzupz0']],
    );
    const job = await probe.hgetall('platform:{sud}:job:settle:ce56b6lzi1a7-cf75pcvbs7j1-cxjfg7fzupz0');
    assert.equal(job.state, 'done');
    assert.equal(job.handled, '1');
    assert.equal(job.delivered, '1');
    assert.equal(job.attempts, '1');
  });

  it('a duplicate notification is answered SUCCESS again and changes nothing', async () => {
    const body = JSON.stringify(specExample('dup-1', 'match-dup-1'));
    assert.equal((await post(url, signed(body))).text, SUCCESS_TEXT);
    await done('match-dup-1');
    const before = await probe.hgetall('platform:{sud}:job:settle:match-dup-1');
    const keys = await sudKeys();
    for (let i = 0; i < 5; i++) {
      // SUD may or may not re-stamp a redelivery: new nonce and timestamp, same body
      const res = await post(url, signed(body));
      assert.equal(res.status, 200);
      assert.equal(res.text, SUCCESS_TEXT);
    }
    assert.deepEqual(await probe.hgetall('platform:{sud}:job:settle:match-dup-1'), before);
    assert.deepEqual(await sudKeys(), keys);
    assert.equal(settled.length, 1);
    assert.equal(delivered.length, 1);
    assert.ok(h.logger.find('duplicate notification').length >= 5);
  });

  it('answers are JSON that no cache keeps, SUCCESS and refusals alike, two in a row the same', async () => {
    const ok = signed(JSON.stringify(specExample('hdr-1', 'match-hdr-1')));
    for (const req of [ok, ok, signed(JSON.stringify(specExample('hdr-2', 'match-hdr-2')), { secret: 'not-the-secret' })]) {
      const res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body });
      assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(await res.text(), /^\{"ret_code":\d+,"ret_msg":"[^"]+"\}$/);
    }
    await done('match-hdr-1');
  });

  it('a second notify_id for an already settled match is recorded but does not settle again', async () => {
    const first = JSON.stringify(specExample('first-n', 'match-twice'));
    assert.equal((await post(url, signed(first))).text, SUCCESS_TEXT);
    await done('match-twice');
    const second = JSON.stringify({ ...specExample('second-n', 'match-twice'), notify_time: '1664266670000' });
    assert.equal((await post(url, signed(second))).text, SUCCESS_TEXT);
    // each body is kept: the first in the job it created, the second in its own notification record
    assert.equal((await h.installed.notification('second-n'))?.body, second);
    assert.equal((await h.installed.notification('first-n'))?.body, first);
    assert.equal((await h.installed.notification('second-n'))?.job, 'settle:match-twice');
    assert.equal(settled.length, 1);
    assert.ok(h.logger.find('already settled or reported').length === 1);
  });

  it('accepts an uppercase-hex signature and one made with previousAppSecret', async () => {
    const a = signed(JSON.stringify(specExample('upper-1', 'match-upper')));
    a.headers['Sud-Signature'] = a.headers['Sud-Signature']!.toUpperCase();
    assert.equal((await post(url, a)).text, SUCCESS_TEXT);
    const b = signed(JSON.stringify(specExample('rotated-1', 'match-rotated')), { secret: 'the-old-secret' });
    assert.equal((await post(url, b)).text, SUCCESS_TEXT);
    await done('match-upper');
    await done('match-rotated');
  });

  it('keeps fields SUD adds, in the envelope, the data and each player', async () => {
    const example = specExample('extra-1', 'match-extra') as { data: { results: Array<Record<string, unknown>> } } & Record<string, unknown>;
    example.trace_id = 't-1';
    (example.data as Record<string, unknown>).new_field = { nested: true };
    example.data.results[0]!.rank = 1;
    // numbers as strings and a robot's empty uid, as SUD's other examples have them
    example.data.results.push({ is_ai: '1', uid: '', score: '20', remain_score: '5' });
    assert.equal((await post(url, signed(JSON.stringify(example)))).text, SUCCESS_TEXT);
    await done('match-extra');
    const s = settled[0]!.settlement;
    assert.deepEqual(s.raw.new_field, { nested: true });
    assert.equal(s.results[0]!.rank, 1);
    assert.deepEqual(s.results[2], { uid: '', isAi: true, score: 20, remainScore: 5 });
  });

  describe('refuses bad requests with a reason, a log line and nothing recorded', () => {
    const cases: Array<{ name: string; code: number; status: number; reason: RegExp; build: () => { body: string; headers: Record<string, string> } }> = [
      {
        name: 'missing Sud-Signature',
        code: 1001,
        status: 401,
        reason: /missing header Sud-Signature/,
        build: () => {
          const r = signed(JSON.stringify(specExample('bad-1', 'm-bad-1')));
          delete r.headers['Sud-Signature'];
          return r;
        },
      },
      {
        name: 'missing Sud-Timestamp and Sud-Nonce',
        code: 1001,
        status: 401,
        reason: /missing header Sud-Timestamp, Sud-Nonce/,
        build: () => {
          const r = signed(JSON.stringify(specExample('bad-2', 'm-bad-2')));
          delete r.headers['Sud-Timestamp'];
          delete r.headers['Sud-Nonce'];
          return r;
        },
      },
      {
        name: 'signed with another secret',
        code: 1001,
        status: 401,
        reason: /Sud-Signature does not match/,
        build: () => signed(JSON.stringify(specExample('bad-3', 'm-bad-3')), { secret: 'not-the-secret' }),
      },
      {
        name: 'a signature over other bytes (body re-serialised)',
        code: 1001,
        status: 401,
        reason: /Sud-Signature does not match/,
        build: () => {
          const r = signed(JSON.stringify(specExample('bad-4', 'm-bad-4')));
          return { ...r, body: JSON.stringify(specExample('bad-4', 'm-bad-4'), null, 2) };
        },
      },
      {
        name: 'another Sud-AppId',
        code: 1002,
        status: 403,
        reason: /Sud-AppId "42" is not the configured appId/,
        build: () => signed(JSON.stringify(specExample('bad-5', 'm-bad-5')), { appId: '42' }),
      },
      { name: 'another app_id in the body', code: 1002, status: 403, reason: /body app_id/, build: () => signed(JSON.stringify({ ...specExample('bad-6', 'm-bad-6'), app_id: '42' })) },
      { name: 'malformed JSON', code: 1004, status: 400, reason: /malformed JSON/, build: () => signed('{"notify_id": "bad-7", ') },
      { name: 'a JSON array', code: 1004, status: 400, reason: /expected an object/, build: () => signed('[1,2]') },
      {
        name: "an unknown field nested 1,000 levels deep (within this route's 4 KiB body limit)",
        code: 1004,
        status: 400,
        reason: /field deep is nested deeper than 32 levels/,
        build: () => signed(JSON.stringify(specExample('bad-deep', 'm-bad-deep')).replace(/}$/, `,"deep":${'['.repeat(1000)}${']'.repeat(1000)}}`)),
      },
      {
        name: 'a lone surrogate in the match id',
        code: 1005,
        status: 400,
        reason: /data\.match_id holds a lone UTF-16 surrogate/,
        build: () => signed(JSON.stringify(specExample('bad-sur', 'm-bad-sur')).replace('"m-bad-sur"', '"m-\\ud800"')),
      },
      {
        name: 'a lone surrogate in notify_id',
        code: 1005,
        status: 400,
        reason: /notify_id holds a lone UTF-16 surrogate/,
        build: () => signed(JSON.stringify(specExample('bad-sur2', 'm-bad-sur2')).replace('"bad-sur2"', '"\\udfff"')),
      },
      {
        name: 'no notify_id',
        code: 1005,
        status: 400,
        reason: /body\.notify_id: missing/,
        build: () => {
          const { notify_id: _drop, ...rest } = specExample('bad-8', 'm-bad-8');
          return signed(JSON.stringify(rest));
        },
      },
      {
        name: 'a settlement without match_id',
        code: 1005,
        status: 400,
        reason: /data\.match_id: missing/,
        build: () => {
          const e = specExample('bad-9', 'm-bad-9') as { data: Record<string, unknown> };
          delete e.data.match_id;
          return signed(JSON.stringify(e));
        },
      },
      {
        name: 'a player score that is not a number',
        code: 1005,
        status: 400,
        reason: /data\.results\[1\]\.score/,
        build: () => {
          const e = specExample('bad-10', 'm-bad-10') as { data: { results: Array<Record<string, unknown>> } };
          e.data.results[1]!.score = 'lots';
          return signed(JSON.stringify(e));
        },
      },
    ];

    for (const c of cases) {
      it(c.name, async () => {
        const keys = await sudKeys();
        const res = await post(url, c.build());
        assert.equal(res.status, c.status);
        const answer = res.json as { ret_code: number; ret_msg: string };
        assert.equal(answer.ret_code, c.code);
        assert.match(answer.ret_msg, c.reason);
        assert.deepEqual(Object.keys(answer), ['ret_code', 'ret_msg']);
        const lines = h.logger.find(/sud notify refused/, 'warn').filter((l) => c.reason.test(l.message));
        assert.equal(lines.length, 1, 'one log line with the reason');
        assert.match(String(lines[0]!.fields?.peer), /^(::ffff:)?127\.0\.0\.1$|^::1$/, 'the line names the caller');
        assert.deepEqual(await sudKeys(), keys, 'nothing recorded');
      });
    }

    for (const declared of [true, false]) {
      it(`a body over the limit (${declared ? 'with' : 'without'} Content-Length)`, async () => {
        const r = signed(JSON.stringify({ ...specExample(`big-${declared}`, `m-big-${declared}`), pad: 'x'.repeat(5000) }));
        const keys = await sudKeys();
        const outcome = await rawPost(url, r, declared);
        const refused = { status: 413, text: '{"ret_code":1006,"ret_msg":"body larger than 4096 bytes"}' };
        // a declared oversized length makes the shared body reader cancel the stream, which lets the HTTP
        // adapter destroy the socket before the 413 is written: the client may see a reset instead
        if (!(declared && outcome === 'reset')) assert.deepEqual(outcome, refused);
        await waitFor('the refusal log line', () => (h.logger.find('sud notify refused: body larger than 4096 bytes', 'warn').length === 1 ? true : undefined));
        assert.deepEqual(await sudKeys(), keys);
      });
    }
  });

  it('the test signer agrees with a vector computed outside Node (openssl dgst -sha1 -hmac)', () => {
    // printf 'a\n1\nn\n{}\n' | openssl dgst -sha1 -hmac k
    assert.equal(sign('k', 'a', '1', 'n', '{}'), '03f388babc26f41b7401dedbeb19fdbb08cbffc8');
  });
});
