import assert from 'node:assert/strict';
import type { RankType } from '../../src/platforms/gamecenter/client.js';
import { ZonedDays } from '../../src/platforms/gamecenter/day.js';
import { RankFlusher } from '../../src/platforms/gamecenter/ranks/RankFlusher.js';
import { RankStore } from '../../src/platforms/gamecenter/ranks/RankStore.js';
import type { RankEntry } from '../../src/platforms/gamecenter/ranks/RankSink.js';
import type { GameCenterClientDeps } from '../../src/platforms/gamecenter/client.js';
import { rankPairs, useWorld } from './support.js';
import type { World } from './support.js';

const ZONE = 'Asia/Dubai';
const days = new ZonedDays(ZONE);
const user = (i: number) => String(1_000_000 + i);

function pipeline(w: World, deps: GameCenterClientDeps = {}) {
  const store = w.store();
  const common = { store, clock: w.clock, days, logger: w.logger };
  return {
    sink: new RankStore(common),
    flusher: new RankFlusher({ ...common, client: w.client(deps), options: { batchSize: 999, leaseMs: 60_000, retryMs: 30_000 } }),
  };
}

function entries(n: number, types: readonly RankType[], value: (i: number, t: RankType) => number): RankEntry[] {
  const out: RankEntry[] = [];
  for (const type of types) for (let i = 0; i < n; i++) out.push({ userId: user(i), type, value: value(i, type) });
  return out;
}

/** How many times each user+type was stored by the double, and whether any request was refused as a duplicate. */
function ledgerOf(w: World) {
  const times = new Map<string, number>();
  for (const s of w.double.rankSubmissions) times.set(`${s.rankType}|${s.userId}`, (times.get(`${s.rankType}|${s.userId}`) ?? 0) + 1);
  const duplicates = w.double.requestsTo('sync.rank_data').filter((r) => 'code' in r.outcome && r.outcome.code === 998).length;
  return { times, duplicates };
}

/** The first instant of the next day in the configured zone. */
const nextMidnight = (ms: number) => days.nextDayStart(ms);

describe('GameCenter ranks: RankStore + RankFlusher against the double', function () {
  const w = useWorld({ timeZone: ZONE });

  it('sends 2,500 users per type in 3 requests of at most 999, and nothing on a second flush the same day', async () => {
    const { sink, flusher } = pipeline(w);
    await sink.record(entries(2500, [0, 1, 2], (i, t) => i * 10 + t));
    const first = await flusher.flush();
    assert.deepEqual(first, { requests: 9, sent: 7500, failed: 0 });
    const reqs = w.double.requestsTo('sync.rank_data');
    assert.equal(reqs.length, 9);
    for (const type of ['0', '1', '2']) {
      const ofType = reqs.filter((r) => r.params.rank_type === type).map((r) => rankPairs(r.params.rank_data).length);
      assert.deepEqual(ofType, [999, 999, 502], `rank type ${type}`);
    }
    assert.ok(reqs.every((r) => 'code' in r.outcome && r.outcome.code === 0));
    const { times } = ledgerOf(w);
    assert.equal(times.size, 7500);
    assert.ok([...times.values()].every((n) => n === 1));

    // the rooms report the same values again, and the day is not over
    await sink.record(entries(2500, [0, 1, 2], (i, t) => i * 10 + t));
    w.clock.advance(3_600_000);
    assert.deepEqual(await flusher.flush(), { requests: 0, sent: 0, failed: 0 });
    assert.equal(w.double.requestsTo('sync.rank_data').length, 9);
  });

  it('holds a value changed after today’s submission until the next day in the configured zone, and never resends an unchanged one', async () => {
    const { sink, flusher } = pipeline(w);
    await sink.record([
      { userId: user(1), type: 1, value: 100 },
      { userId: user(2), type: 1, value: 200 },
    ]);
    await flusher.flush();
    assert.equal(w.double.rankSubmissions.length, 2);

    // user 1 changes twice after the submission; user 2 reports the same value
    await sink.record([{ userId: user(1), type: 1, value: 150 }]);
    await sink.record([
      { userId: user(1), type: 1, value: 175 },
      { userId: user(2), type: 1, value: 200 },
    ]);
    const midnight = nextMidnight(w.clock.now());
    w.clock.set(midnight - 1);
    assert.deepEqual(await flusher.flush(), { requests: 0, sent: 0, failed: 0 }, 'still the same day in Dubai');
    assert.equal(await sink.dirtyCount(1), 1, 'only the changed user waits');

    w.clock.set(midnight + 1);
    assert.deepEqual(await flusher.flush(), { requests: 1, sent: 1, failed: 0 });
    const last = w.double.requestsTo('sync.rank_data').at(-1)!;
    assert.deepEqual(rankPairs(last.params.rank_data), [[1_000_001, 175]], 'the latest value, once');
    assert.equal(w.double.rankSubmissions.at(-1)!.day, days.dayOf(midnight + 1));

    // the next day: nothing changed, nothing sent
    w.clock.set(nextMidnight(w.clock.now()) + 1000);
    await sink.record([
      { userId: user(1), type: 1, value: 175 },
      { userId: user(2), type: 1, value: 200 },
    ]);
    assert.deepEqual(await flusher.flush(), { requests: 0, sent: 0, failed: 0 });
    assert.equal(await sink.dirtyCount(1), 0);
    assert.equal(ledgerOf(w).duplicates, 0);
  });

  it('never sends a user twice when two processes flush at once', async () => {
    const a = pipeline(w);
    const b = pipeline(w);
    for (let day = 0; day < 3; day++) {
      // both processes' rooms report overlapping users
      await Promise.all([a.sink.record(entries(3000, [0, 2], (i) => i + day)), b.sink.record(entries(3000, [0, 2], (i) => i + day))]);
      const [ra, rb] = await Promise.all([a.flusher.flush(), b.flusher.flush()]);
      assert.equal(ra.sent + rb.sent, 6000, `day ${day}`);
      assert.ok(ra.sent > 0 && rb.sent > 0, 'both took part');
      w.clock.set(nextMidnight(w.clock.now()) + 1);
    }
    const { times, duplicates } = ledgerOf(w);
    assert.equal(duplicates, 0, 'GameCenter never refused a second submission');
    assert.equal(w.double.rankSubmissions.length, 18_000);
    assert.ok(
      [...times.values()].every((n) => n === 3),
      'each user and type once per day',
    );
    for (const r of w.double.requestsTo('sync.rank_data')) assert.ok(rankPairs(r.params.rank_data).length <= 999);
  });

  it('keeps the batch of a failed request and sends it later, once', async () => {
    const { sink, flusher } = pipeline(w);
    await sink.record(entries(1500, [0], (i) => i));
    w.double.failNext('sync.rank_data', { code: 900, msg: 'internal error' });
    const first = await flusher.flush();
    assert.deepEqual(first, { requests: 1, sent: 0, failed: 999 });
    assert.equal(w.double.rankSubmissions.length, 0);
    assert.ok(w.logger.find('rank submission failed', 'warn').length);

    // the next run sends the users that were never claimed; the failed batch waits for its retry delay
    assert.deepEqual(await flusher.flush(), { requests: 1, sent: 501, failed: 0 });
    w.clock.advance(30_000);
    assert.deepEqual(await flusher.flush(), { requests: 1, sent: 999, failed: 0 });
    const { times, duplicates } = ledgerOf(w);
    assert.equal(times.size, 1500);
    assert.ok([...times.values()].every((n) => n === 1));
    assert.equal(duplicates, 0);
  });

  it('treats a lost answer of a stored request as sent: 998 is narrowed down to the users it means', async () => {
    let lose = 1;
    const fetchLosingAnswers: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const body = await res.text();
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith('/sync.rank_data') && lose-- > 0) throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const { sink, flusher } = pipeline(w, { fetch: fetchLosingAnswers });
    await sink.record(entries(8, [1], (i) => i));
    assert.equal((await flusher.flush()).failed, 8, 'the answer was lost: kept for later');
    assert.equal(w.double.rankSubmissions.length, 8, 'but GameCenter had stored them');
    // one more user joins before the retry, so the retried batch mixes stored and new users
    await sink.record([{ userId: user(8), type: 1, value: 8 }]);
    w.clock.advance(30_000);
    const retry = await flusher.flush();
    assert.equal(retry.sent, 9);
    const { times } = ledgerOf(w);
    assert.equal(times.size, 9);
    assert.ok(
      [...times.values()].every((n) => n === 1),
      'no user stored twice',
    );
    assert.equal(await sink.dirtyCount(1), 0);
    assert.ok(w.logger.find('already holds today', 'info').length >= 8);
  });

  it('refuses malformed entries with a log and keeps the rest', async () => {
    const { sink, flusher } = pipeline(w);
    await sink.record([
      { userId: user(1), type: 0, value: 5 },
      { userId: '', type: 0, value: 5 },
      { userId: user(2), type: 7 as RankType, value: 5 },
      { userId: user(3), type: 0, value: Number.NaN },
    ]);
    assert.equal((await flusher.flush()).sent, 1);
    assert.equal(w.logger.find('rank entries refused', 'warn')[0]?.fields?.refused, 3);
  });
});
