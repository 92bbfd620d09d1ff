/**
 * SUD options that change what the route accepts (IP allow-list, timestamp window), what it answers when
 * Redis is down, and how recorded work is processed: retries of a failing handler, settlements that rooms
 * report themselves (sharing the match_id dedupe), and the other notification events.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { installSud, parseSudOptions, type Settlement, type SudEvent, type SudOptionsInput, type SudService } from '../../src/platforms/sud/index.js';
import { RedisServer, useRedisServer } from '../helpers/redisServer.js';
import { waitFor, waitUntil } from '../helpers/processes.js';
import { holdScript } from '../helpers/heldScript.js';
import { bootHarness, type Harness } from './harness.js';
import { APP_ID, APP_SECRET, SUCCESS_TEXT, post, signed, specExample } from './support.js';

describe('SUD options and processing', function () {
  this.timeout(30_000);
  const open: Array<Harness<SudService>> = [];
  let probe: Redis;
  after(async () => {
    // one at a time: Colyseus's matchmaker is one per process
    for (const h of open) await h.close();
    probe?.disconnect();
  });
  const redis = useRedisServer();
  before(() => (probe = new Redis(redis.url)));

  let prefixes = 0;
  async function boot(sud: Partial<SudOptionsInput>, rooms?: { deliver(roomId: string, s: Settlement): unknown }, redisUrl = redis.url, commandTimeoutMs = 2000, now?: () => number) {
    const keyPrefix = `e${++prefixes}:`;
    const h = await bootHarness({ redis: redisUrl, keyPrefix, redisCommandTimeoutMs: commandTimeoutMs, ...(now ? { clock: { now } } : {}) }, (ctx) =>
      installSud(ctx, parseSudOptions({ appId: APP_ID, appSecret: APP_SECRET, worker: { pollIntervalMs: 20, backoffBaseMs: 20, backoffMaxMs: 50 }, ...sud }), rooms ? { rooms: rooms as never } : {}),
    );
    open.push(h);
    return { h, url: `${h.baseUrl}/platform/sud/notify`, keys: () => probe.keys(`${keyPrefix}*`) };
  }

  it('an address outside the allow-list gets 403 and ret_code 1007, logged, nothing recorded', async () => {
    const { h, url, keys } = await boot({ ipAllowList: ['10.0.0.0/8'] });
    const res = await post(url, signed(JSON.stringify(specExample('ip-1', 'm-ip-1'))));
    assert.equal(res.status, 403);
    assert.equal(res.text, '{"ret_code":1007,"ret_msg":"caller address not allowed"}');
    assert.equal(h.logger.find('sud notify refused: caller address not allowed', 'warn').length, 1);
    assert.deepEqual(await keys(), []);
  });

  it('an allow-list that holds the caller lets it in', async () => {
    const { url } = await boot({ ipAllowList: ['127.0.0.0/8'] });
    assert.equal((await post(url, signed(JSON.stringify(specExample('ip-2', 'm-ip-2'))))).text, SUCCESS_TEXT);
  });

  it('maxSkewSec reads seconds and milliseconds, and refuses a stale timestamp with 1003', async () => {
    const now = 1_700_000_000_123;
    const { h, url, keys } = await boot({ maxSkewSec: 300 }, undefined, redis.url, 2000, () => now);
    assert.equal((await post(url, signed(JSON.stringify(specExample('ts-s', 'm-ts-s')), { timestamp: String(Math.floor(now / 1000)) }))).text, SUCCESS_TEXT);
    assert.equal((await post(url, signed(JSON.stringify(specExample('ts-ms', 'm-ts-ms')), { timestamp: String(now) }))).text, SUCCESS_TEXT);
    const stale = await post(url, signed(JSON.stringify(specExample('ts-old', 'm-ts-old')), { timestamp: String(Math.floor(now / 1000) - 3600) }));
    assert.equal(stale.status, 400);
    assert.deepEqual(stale.json, { ret_code: 1003, ret_msg: 'Sud-Timestamp is 3600 s from our clock (limit 300 s)' });
    const junk = await post(url, signed(JSON.stringify(specExample('ts-junk', 'm-ts-junk')), { timestamp: 'yesterday' }));
    assert.deepEqual(junk.json, { ret_code: 1003, ret_msg: 'Sud-Timestamp is not a number' });
    assert.equal(h.logger.find(/sud notify refused: Sud-Timestamp/, 'warn').length, 2);
    assert.deepEqual(
      (await keys()).filter((k) => /ts-old|ts-junk/.test(k)),
      [],
    );
  });

  it('with Redis down: 503 and ret_code 5001 so SUD retries; SUCCESS once Redis is back', async () => {
    // a redis-server of its own, stopped and started by this test
    const own = new RedisServer();
    await own.start();
    try {
      const { h, url } = await boot({}, undefined, own.url, 300);
      await own.stop();
      const body = JSON.stringify(specExample('down-1', 'm-down-1'));
      const res = await post(url, signed(body));
      assert.equal(res.status, 503);
      assert.equal(res.text, '{"ret_code":5001,"ret_msg":"temporarily unavailable, retry later"}');
      assert.equal(h.logger.find('store unavailable', 'error').length, 1);
      await own.start(own.port);
      const ok = await waitFor('accepted after Redis is back', async () => {
        const r = await post(url, signed(body));
        return r.status === 200 ? r : undefined;
      });
      assert.equal(ok.text, SUCCESS_TEXT);
    } finally {
      await own.dispose();
    }
  });

  it('a failing settlement handler is retried with backoff, visibly, until it succeeds; its room gets it once', async () => {
    const attempts: number[] = [];
    const rooms: string[] = [];
    const { h, url } = await boot(
      {
        onSettlement: (_s, ctx) => {
          attempts.push(ctx.attempt);
          if (attempts.length < 3) throw new Error(`wallet service down (${attempts.length})`);
        },
      },
      { deliver: (roomId) => void rooms.push(roomId) },
    );
    assert.equal((await post(url, signed(JSON.stringify(specExample('retry-1', 'm-retry'))))).text, SUCCESS_TEXT);
    const job = (await waitUntil(
      'settled after retries',
      () => h.installed.settlements.get('m-retry'),
      (j) => j?.state === 'done',
    ))!;
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.equal(job.attempts, 3);
    assert.equal(job.lastError, 'wallet service down (2)');
    assert.equal(h.logger.find('sud: handler failed; will retry', 'warn').length, 2);
    assert.deepEqual(rooms, ['9010']);
  });

  it('a room that cannot be reached (gone, or on a dead process) is not a failed attempt: the settled match is done, once', async () => {
    let settles = 0;
    let deliveries = 0;
    const { h, url } = await boot(
      // one attempt allowed: a delivery counted as a failed attempt would give the match up
      { onSettlement: () => void settles++, worker: { maxAttempts: 1, pollIntervalMs: 20 } },
      {
        deliver: () => {
          deliveries++;
          throw new Error('remote room call timed out (room process unreachable)');
        },
      },
    );
    assert.equal((await post(url, signed(JSON.stringify(specExample('dl-1', 'm-dl'))))).text, SUCCESS_TEXT);
    const job = await waitFor('done', async () => {
      const j = await h.installed.settlements.get('m-dl');
      return j && j.state !== 'running' && j.state !== 'pending' ? j : undefined;
    });
    assert.equal(job.state, 'done');
    assert.equal(job.attempts, 1);
    assert.equal(settles, 1);
    assert.equal(deliveries, 1, 'a delivery is not retried as if it were the handler');
    assert.equal(h.logger.find('could not be shown in its room', 'warn').length, 1);
    assert.equal(h.logger.find('kept failing', 'error').length, 0);
  });

  it('a room delivery slower than handlerTimeoutMs is not under that deadline: the match is settled once and shown, done in one attempt', async () => {
    let settles = 0;
    const shown: string[] = [];
    const { h, url } = await boot(
      // a room on a dead process answers only when Colyseus's remote call times out (5 s), often past a handler deadline
      { onSettlement: () => void settles++, worker: { handlerTimeoutMs: 100, maxAttempts: 1, pollIntervalMs: 20 } },
      {
        deliver: async (roomId: string) => {
          await new Promise((r) => setTimeout(r, 400));
          shown.push(roomId);
        },
      },
    );
    assert.equal((await post(url, signed(JSON.stringify(specExample('slow-room-1', 'm-slow-room'))))).text, SUCCESS_TEXT);
    const job = await waitUntil(
      'finished',
      () => h.installed.settlements.get('m-slow-room'),
      (j) => j !== undefined && j.state !== 'running' && j.state !== 'pending',
    );
    assert.equal(job!.state, 'done');
    assert.equal(job!.attempts, 1);
    assert.equal(settles, 1);
    assert.deepEqual(shown, ['9010']);
    assert.equal(await probe.hget(`e${prefixes}:{sud}:job:settle:m-slow-room`, 'delivered'), '1');
    assert.equal(h.logger.find('handler timed out').length, 0);
  });

  it('a settlement recorded while Redis stalled (answered 503) starts when Redis returns, as attempt 1, not after its lease', async () => {
    const seen: Array<{ attempt: number; at: number }> = [];
    // a long lease: a run before it ends proves the job was handed back, not taken over
    const { h, url } = await boot({ worker: { leaseMs: 30_000, pollIntervalMs: 50 }, onSettlement: (_s, ctx) => void seen.push({ attempt: ctx.attempt, at: Date.now() }) }, undefined, redis.url, 300);
    redis.pause();
    let resumedAt = 0;
    try {
      const res = await post(url, signed(JSON.stringify(specExample('stall-1', 'm-stall'))));
      assert.equal(res.status, 503);
    } finally {
      redis.resume();
      resumedAt = Date.now();
    }
    await waitFor('the settlement to run', () => (seen.length ? true : undefined), 10_000, 20);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.attempt, 1);
    assert.ok(seen[0]!.at - resumedAt < 10_000, 'ran long before its 30 s lease ended');
    assert.equal(h.logger.find('starts as attempt 1', 'info').length, 1);
    await waitFor('done', async () => ((await h.installed.settlements.get('m-stall'))?.state === 'done' ? true : undefined));
    // SUD's retry of the same notification is a duplicate: nothing runs again
    assert.equal((await post(url, signed(JSON.stringify(specExample('stall-1', 'm-stall'))))).text, SUCCESS_TEXT);
    assert.equal(seen.length, 1);
  });

  it('a new settlement is recorded already leased to the answering process, and its handler starts without waiting for a poll', async () => {
    // every reading of the clock is a new millisecond, so a later claim would show in updatedAt and the due time
    let tick = 1_700_000_000_000;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: Array<{ settlement: Settlement; attempt: number }> = [];
    const { h, url } = await boot(
      {
        worker: { pollIntervalMs: 60_000, leaseMs: 5000 },
        onSettlement: async (settlement, ctx) => {
          seen.push({ settlement, attempt: ctx.attempt });
          await gate;
        },
      },
      undefined,
      redis.url,
      2000,
      () => ++tick,
    );
    const before = Date.now();
    assert.equal((await post(url, signed(JSON.stringify(specExample('lease-1', 'm-lease'))))).text, SUCCESS_TEXT);
    await waitFor('handler started', () => (seen.length === 1 ? true : undefined));
    const jobKey = `${h.store.keys.tagged('sud', 'job')}:settle:m-lease`;
    const hash = await probe.hgetall(jobKey);
    assert.equal(hash.state, 'running');
    assert.equal(hash.fence, '1');
    assert.equal(hash.updatedAt, hash.createdAt, 'leased by the step that recorded it, not by a later claim');
    // the lease ends 5 s after the record step on Redis's clock (the game's injected clock plays no part)
    const leaseEnd = Number(await probe.zscore(h.store.keys.tagged('sud', 'due'), 'settle:m-lease'));
    assert.ok(leaseEnd >= before + 5000 && leaseEnd <= Date.now() + 5000, `lease end ${leaseEnd - before} ms after the post`);
    assert.equal(seen[0]!.attempt, 1);
    // the handler sees exactly what a retry would read back from Redis
    assert.deepEqual(seen[0]!.settlement, (await h.installed.settlements.get('m-lease'))!.payload);
    release();
    const job = await waitFor('done', async () => {
      const j = await h.installed.settlements.get('m-lease');
      return j?.state === 'done' ? j : undefined;
    });
    assert.equal(job.attempts, 1);
    assert.equal(await probe.zscore(h.store.keys.tagged('sud', 'due'), 'settle:m-lease'), null);
  });

  it('with every handler slot busy, one more settlement waits here leased (its lease kept), further ones are recorded due', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const runs: string[] = [];
    const { h, url } = await boot({
      worker: { pollIntervalMs: 60_000, concurrency: 1, leaseMs: 300 },
      onSettlement: async (s, ctx) => {
        runs.push(`${s.matchId}:${ctx.attempt}`);
        if (s.matchId === 'm-busy-a') await gate;
      },
    });
    const due = h.store.keys.tagged('sud', 'due');
    assert.equal((await post(url, signed(JSON.stringify(specExample('busy-a', 'm-busy-a'))))).text, SUCCESS_TEXT);
    await waitFor('first handler running', () => (runs.length === 1 ? true : undefined));
    assert.equal((await post(url, signed(JSON.stringify(specExample('busy-b', 'm-busy-b'))))).text, SUCCESS_TEXT);
    assert.equal((await post(url, signed(JSON.stringify(specExample('busy-c', 'm-busy-c'))))).text, SUCCESS_TEXT);
    const b = await h.installed.settlements.get('m-busy-b');
    const c = await h.installed.settlements.get('m-busy-c');
    assert.deepEqual([b?.state, c?.state], ['running', 'pending'], 'b waits here leased; c is left for any process to claim');
    // b's lease is renewed while it waits, well past its 300 ms, so nobody takes it over
    const leaseEnd = Number(await probe.zscore(due, 'settle:m-busy-b'));
    await waitFor('b renewed twice over', async () => (Number(await probe.zscore(due, 'settle:m-busy-b')) > leaseEnd + 600 ? true : undefined), 5000);
    assert.deepEqual(runs, ['m-busy-a:1']);
    release();
    // the poll is a minute away: only the freed slots can start them within the deadline
    await waitFor('all settled', async () => ((await h.installed.settlements.get('m-busy-c'))?.state === 'done' ? true : undefined), 5000);
    assert.deepEqual(runs, ['m-busy-a:1', 'm-busy-b:1', 'm-busy-c:1']);
    assert.equal((await h.installed.settlements.get('m-busy-b'))?.state, 'done');
  });

  it('a slot frees when its handler returns: the next settlement starts while the one before is still being recorded done', async () => {
    // the store holds every "done" step until released, so the first settlement's outcome is on its way while the second arrives
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held = 0;
    const runs: string[] = [];
    const keyPrefix = `e${++prefixes}:`;
    const h = await bootHarness({ redis: redis.url, keyPrefix }, (ctx) => {
      const store = holdScript(ctx.store, 'sud_complete', async (calls) => {
        held += calls;
        await gate;
      });
      return installSud(
        { ...ctx, store },
        parseSudOptions({ appId: APP_ID, appSecret: APP_SECRET, worker: { pollIntervalMs: 60_000, concurrency: 1 }, onSettlement: (s) => void runs.push(s.matchId) }),
      );
    });
    open.push(h);
    const url = `${h.baseUrl}/platform/sud/notify`;
    assert.equal((await post(url, signed(JSON.stringify(specExample('slot-a', 'm-slot-a'))))).text, SUCCESS_TEXT);
    await waitFor('the first outcome on its way', () => (held === 1 ? true : undefined));
    assert.equal((await post(url, signed(JSON.stringify(specExample('slot-b', 'm-slot-b'))))).text, SUCCESS_TEXT);
    // with the slot still counted until "done" is recorded, the second would wait here for the first's round trip
    await waitFor('the second handler ran', () => (runs.length === 2 ? true : undefined), 5000);
    assert.deepEqual(runs, ['m-slot-a', 'm-slot-b']);
    assert.equal((await h.installed.settlements.get('m-slot-a'))?.state, 'running', 'the first is not recorded done yet');
    release();
    await waitFor('both done', async () => ((await h.installed.settlements.get('m-slot-b'))?.state === 'done' ? true : undefined));
    assert.equal((await h.installed.settlements.get('m-slot-a'))?.attempts, 1);
  });

  it('shutting down waits for the outcome of a handler that returned: the settlement is done, not run again after its lease', async () => {
    const keyPrefix = `e${++prefixes}:`;
    let closing: Promise<void> | undefined;
    const booted: { h?: Harness<SudService> } = {};
    const h = (booted.h = await bootHarness({ redis: redis.url, keyPrefix }, (ctx) => {
      // "done" reaches the store a while after the handler returned, as under load
      const store = holdScript(ctx.store, 'sud_complete', () => new Promise((r) => setTimeout(r, 200)));
      return installSud({ ...ctx, store }, parseSudOptions({ appId: APP_ID, appSecret: APP_SECRET, worker: { pollIntervalMs: 60_000 }, onSettlement: () => void (closing ??= booted.h!.close()) }));
    }));
    assert.equal((await post(`${h.baseUrl}/platform/sud/notify`, signed(JSON.stringify(specExample('close-1', 'm-close'))))).text, SUCCESS_TEXT);
    await waitFor('the handler ran', () => (closing ? true : undefined));
    await closing;
    const job = await probe.hgetall(`${h.store.keys.tagged('sud', 'job')}:settle:m-close`);
    assert.equal(job.state, 'done');
    assert.equal(job.attempts, '1');
  });

  it('a job whose stored record no longer reads is counted as failed attempts and given up, not retried forever', async () => {
    const runs: string[] = [];
    const { h } = await boot({ worker: { pollIntervalMs: 20, backoffBaseMs: 20, backoffMaxMs: 50, maxAttempts: 2 }, onSettlement: (s) => void runs.push(s.matchId) });
    // a record as an older version (or a hand edit) might have left it: its body is not a SUD notification
    const jobKey = `${h.store.keys.tagged('sud', 'job')}:settle:m-garbled`;
    await probe.hset(jobKey, { state: 'pending', kind: 'settle', key: 'm-garbled', body: '{"not":"a notification"}', source: 'sud', roomId: '1', fence: '0', attempts: '0' });
    await probe.zadd(h.store.keys.tagged('sud', 'due'), Date.now(), 'settle:m-garbled');
    await waitFor('given up', async () => ((await probe.hget(jobKey, 'state')) === 'given_up' ? true : undefined));
    assert.equal(await probe.hget(jobKey, 'lastError'), 'job record unreadable');
    assert.equal(h.logger.find('sud: a job record is unreadable; counted as a failed attempt', 'error').length, 2);
    assert.deepEqual(runs, []);
  });

  it('a handler that keeps failing is given up, logged as an error, and can be retried', async () => {
    let fail = true;
    let runs = 0;
    const { h, url } = await boot({
      worker: { pollIntervalMs: 20, backoffBaseMs: 5, backoffMaxMs: 10, maxAttempts: 2 },
      onSettlement: () => {
        runs++;
        if (fail) throw new Error('bad config');
      },
    });
    assert.equal((await post(url, signed(JSON.stringify(specExample('gu-1', 'm-gu'))))).text, SUCCESS_TEXT);
    await waitUntil(
      'given up',
      () => h.installed.settlements.get('m-gu'),
      (j) => j?.state === 'given_up',
    );
    assert.equal(runs, 2);
    assert.equal(h.logger.find('job given up', 'error').length, 1);
    fail = false;
    assert.equal(await h.installed.settlements.retry('m-gu'), true);
    await waitFor('done after retry', async () => ((await h.installed.settlements.get('m-gu'))?.state === 'done' ? true : undefined));
    assert.equal(runs, 3);
  });

  it('a room report and SUD notification of one match settle it once, whichever comes first', async () => {
    const seen: Array<{ source: string; key: string }> = [];
    const rooms: string[] = [];
    const { h, url } = await boot({ onSettlement: (s, ctx) => void seen.push({ source: s.source, key: ctx.idempotencyKey }) }, { deliver: (roomId) => void rooms.push(roomId) });
    const report = { matchId: 'm-shared', roomId: '9010', results: [{ uid: 'fa1c53c4', score: -100, remainScore: 0 }] };
    assert.deepEqual(await h.installed.settlements.report(report), { status: 'accepted' });
    await waitFor('room report settled', async () => ((await h.installed.settlements.get('m-shared'))?.state === 'done' ? true : undefined));
    assert.equal((await post(url, signed(JSON.stringify(specExample('shared-1', 'm-shared'))))).text, SUCCESS_TEXT);
    assert.deepEqual(await h.installed.settlements.report(report), { status: 'duplicate', state: 'done' });
    assert.deepEqual(seen, [{ source: 'room', key: 'm-shared' }]);
    assert.deepEqual(rooms, [], 'a room that reported its own settlement is not sent it back');

    // the other way round
    assert.equal((await post(url, signed(JSON.stringify(specExample('shared-2', 'm-shared-2'))))).text, SUCCESS_TEXT);
    const second = await h.installed.settlements.report({ ...report, matchId: 'm-shared-2' });
    assert.equal(second.status, 'duplicate');
    await waitFor('sud settled', async () => ((await h.installed.settlements.get('m-shared-2'))?.state === 'done' ? true : undefined));
    assert.deepEqual(seen, [
      { source: 'room', key: 'm-shared' },
      { source: 'sud', key: 'm-shared-2' },
    ]);
  });

  it('settlements.report refuses an invalid settlement with the field at fault', async () => {
    const { h } = await boot({});
    await assert.rejects(h.installed.settlements.report({ roomId: 'r', results: [] } as never), /settlement\.matchId: missing/);
  });

  it('other events are acknowledged, recorded, and handed to onEvent once', async () => {
    const events: Array<{ e: SudEvent; key: string }> = [];
    const { h, url } = await boot({ onEvent: (e, ctx) => void events.push({ e, key: ctx.idempotencyKey }) });
    const body = JSON.stringify({
      notify_id: 'ev-1',
      notify_time: '1664266669547',
      app_id: APP_ID,
      notify_event: 'sud.mg.merchant.match.start',
      data: { mg_id: '1', room_id: '9010', game_mode: 1, match_id: 'm-start', battle_start_at: '1664265322', brand_new: 'kept' },
      envelope_extra: 7,
    });
    for (let i = 0; i < 3; i++) assert.equal((await post(url, signed(body))).text, SUCCESS_TEXT);
    await waitFor('event handled', async () => ((await h.installed.events.get('ev-1'))?.state === 'done' ? true : undefined));
    assert.equal(events.length, 1);
    assert.equal(events[0]!.key, 'ev-1');
    assert.equal(events[0]!.e.event, 'sud.mg.merchant.match.start');
    assert.equal(events[0]!.e.notifyTime, 1664266669547);
    assert.equal(events[0]!.e.data.brand_new, 'kept');
    assert.equal(events[0]!.e.raw.envelope_extra, 7);
    assert.equal((await h.installed.notification('ev-1'))?.body, body);
  });

  it('without onEvent, other events are recorded and acknowledged only', async () => {
    const { h, url } = await boot({});
    const body = JSON.stringify({ notify_id: 'ev-2', notify_time: '1', app_id: APP_ID, notify_event: 'sud.mg.merchant.room.users.changed', data: {} });
    assert.equal((await post(url, signed(body))).text, SUCCESS_TEXT);
    assert.equal((await h.installed.notification('ev-2'))?.event, 'sud.mg.merchant.room.users.changed');
    assert.equal(await h.installed.events.get('ev-2'), undefined);
  });
});
