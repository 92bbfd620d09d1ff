/**
 * The Lua scripts of the rooms part and their in-process twins, run side by side on a real Redis and on
 * the in-process store: the platform-read values must come out byte for byte the same.
 */
import assert from 'node:assert/strict';
import { KeySpace, MemoryStore, RedisStore, type Store } from '../../src/store/index.js';
import { ZoneKeys } from '../../src/serverstate/keys.js';
import { writeZoneStateScript, noteAccountScript } from '../../src/serverstate/scripts.js';
import { hundredths, type Contribution } from '../../src/serverstate/aggregate.js';
import { StoreRoleRegistry } from '../../src/roles/RoleRegistry.js';
import { StoreSettlementSink } from '../../src/rooms/settlements/StoreSettlementSink.js';
import type { RoleUpdate, Settlement } from '../../src/rooms/services.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { CapturingLogger } from '../helpers/logs.js';

describe('rooms scripts: Redis and in-process twins agree', () => {
  const redis = useRedisServer();
  let stores: Array<[string, Store]>;
  let n = 0;
  const logger = new CapturingLogger();

  beforeEach(() => {
    const prefix = `t${++n}:`;
    stores = [
      ['redis', new RedisStore({ connection: redis.url, keys: new KeySpace(prefix), logger })],
      ['memory', new MemoryStore(new KeySpace(prefix))],
    ];
  });
  afterEach(async () => {
    for (const [, s] of stores) await s.close();
  });

  const contribution = (over: Partial<Contribution>): string =>
    JSON.stringify({ t: 1000, x: 3000, on: 0, q: 0, cpu: 0, mem: 0, f: 0, h: 'host-a', hc: 0, n: 2, hm: 0, ...over } satisfies Contribution);

  async function writeZone(store: Store, keys: ZoneKeys, proc: string, c: string, now: number, cap = 0) {
    return store.run(
      writeZoneStateScript,
      [keys.hashName, keys.procs('7'), keys.roleAccounts('7'), keys.recentAccounts('7')],
      ['7', proc, c, now, 300_000, '7', '"2018-10-11 00:00:00"', '"2018-10-19 14:26:29"', cap],
    );
  }

  it('sums live contributions, counts each host once, drops the expired, removes the entry with the last process', async () => {
    const results: string[][] = [];
    for (const [, store] of stores) {
      const keys = new ZoneKeys(store.keys, `serverstate${n}`);
      const out: string[] = [];
      await store.sadd(keys.roleAccounts('7'), 'u1', 'u2', 'u3');
      out.push(await writeZone(store, keys, 'p1', contribution({ on: 3, q: 1, cpu: 1250, mem: 80, hc: 4000, n: 2, hm: 16000 }), 1000));
      // a second process on the same host, a third on another host with 6 cores
      out.push(await writeZone(store, keys, 'p2', contribution({ t: 1001, on: 2, cpu: 5, mem: 70, hc: 5000, n: 2, hm: 16000 }), 1001));
      out.push(await writeZone(store, keys, 'p3', contribution({ t: 1002, on: 4, cpu: 3, mem: 60, h: 'host-b', hc: 1000, n: 6, hm: 8000, f: 1 }), 1002, 3));
      // p1 and p2 expire at 3000; p3 refreshes later
      out.push(await writeZone(store, keys, 'p3', contribution({ t: 3500, x: 6000, on: 4, h: 'host-b', hc: 1000, n: 6, hm: 8000 }), 3500));
      out.push(JSON.stringify(Object.keys(await store.hgetall(keys.procs('7')))));
      out.push(await writeZone(store, keys, 'p3', '', 3600));
      out.push(String((await store.hget(keys.hashName, '7')) === null));
      results.push(out);
    }
    assert.deepEqual(results[0], results[1]);
    const [first, second, third, afterExpiry, procs, removed, gone] = results[0]!;
    assert.equal(
      first,
      '{"ZoneID":7,"OnlineNum":3,"QueueNum":1,"RoleNum":3,"ServerBeginTime":"2018-10-11 00:00:00","UpdateTime":"2018-10-19 14:26:29","fCpuUsage":12.5,"fTotalCpuUsage":40,"CurProcessMemory":80,"TotalProcessMemory":16000,"FiveMinuteAddAccountNum":0,"forceup":0}',
    );
    // host-a counted once with its latest sample (50 %), so total memory is 16000, not 32000
    assert.match(second!, /"OnlineNum":5,.*"fCpuUsage":12.55,"fTotalCpuUsage":50,"CurProcessMemory":150,"TotalProcessMemory":16000,/);
    // host-a 50 % × 2 cores + host-b 10 % × 6 cores = 20 %; the role cap 3 is reached, and p3 asked for forceup anyway
    assert.match(third!, /"OnlineNum":9,.*"fCpuUsage":12.58,"fTotalCpuUsage":20,"CurProcessMemory":210,"TotalProcessMemory":24000,.*"forceup":1\}$/);
    assert.match(afterExpiry!, /"OnlineNum":4,.*"forceup":0\}$/);
    assert.equal(procs, '["p3"]');
    assert.equal(removed, '');
    assert.equal(gone, 'true');
  });

  it('counts first sightings of accounts within five minutes', async () => {
    const results: string[][] = [];
    for (const [, store] of stores) {
      const keys = new ZoneKeys(store.keys, 'serverstate');
      const note = (u: string, at: number) => store.run(noteAccountScript, [keys.accounts('7'), keys.recentAccounts('7')], [u, at, 300_000]);
      const out = [await note('a', 0), await note('b', 100_000), await note('a', 200_000), await note('c', 350_000)].map(String);
      out.push(JSON.stringify((await store.zrangeByScore(keys.recentAccounts('7'), -Infinity, Infinity)).map((e) => e.member)));
      out.push(await writeZone(store, keys, 'p', contribution({ x: 400_001 }), 400_000));
      results.push(out);
    }
    assert.deepEqual(results[0], results[1]);
    assert.deepEqual(results[0]!.slice(0, 5), ['true', 'true', 'false', 'true', '["b","c"]']);
    assert.match(results[0]![5]!, /"FiveMinuteAddAccountNum":2,/);
  });

  it('prints percents with at most two decimals', () => {
    assert.deepEqual([0, 5, 50, 1200, 1205, 1250, 10000].map(hundredths), ['0', '0.05', '0.5', '12', '12.05', '12.5', '100']);
  });

  it('role info: the same merged JSON on both stores, with the spec shape', async () => {
    const results: string[] = [];
    for (const [, store] of stores) {
      const reg = new StoreRoleRegistry(store, store.keys, { hashName: `roleinfo${n}`, extraFields: [{ name: 'Item5', default: 0 }, { name: 'vip' }], zoneNames: {} }, logger);
      const u = (over: Partial<RoleUpdate>): RoleUpdate => ({ mode: 'create', userId: 'openid-1', zoneId: '8061', roleId: '1081181825', extra: {}, at: 1, ...over });
      await reg.apply(u({ name: '奥勒莎✷阿娜', class: 1, level: 2 }));
      await reg.apply(u({ zoneId: '8062', roleId: '10811818251', name: '奥勒莎✷阿娜', class: 1, level: 2, extra: { vip: 3 } }));
      await reg.apply(u({ zoneId: '8062', roleId: '12345678901234567890', name: 'big/id', class: 2, level: 1 }));
      await reg.apply(u({ mode: 'change', zoneId: '8062', roleId: '10811818251', level: 9, extra: { Item5: 7 } }));
      results.push((await store.hget(`roleinfo${n}`, 'openid-1'))!);
    }
    assert.equal(results[0], results[1]);
    assert.equal(
      results[0],
      '[{"serverID":8061,"roleIDs":[{"Item1":1081181825,"Item2":"\\u5965\\u52d2\\u838e\\u2737\\u963f\\u5a1c","Item3":1,"Item4":2,"Item5":0}]},' +
        '{"serverID":8062,"roleIDs":[{"Item1":10811818251,"Item2":"\\u5965\\u52d2\\u838e\\u2737\\u963f\\u5a1c","Item3":1,"Item4":9,"Item5":7,"vip":3},' +
        '{"Item1":"12345678901234567890","Item2":"big/id","Item3":2,"Item4":1,"Item5":0}]}]',
    );
  });

  it("role info: keeps another writer's keys and exact numbers when merging", async () => {
    for (const [, store] of stores) {
      const reg = new StoreRoleRegistry(store, store.keys, { hashName: 'ri', extraFields: [], zoneNames: { '5': 'Five' } }, logger);
      await store.hset('ri', { u: '[{"serverID":5,"note":"x","roleIDs":[{"Item1":98765432109876543210,"Item2":"old","Item3":1.50,"Item4":3,"other":true}]}]' });
      const r = await reg.apply({ mode: 'change', userId: 'u', zoneId: '5', roleId: '98765432109876543210', level: 4, extra: {}, at: 1 });
      assert.deepEqual(r, { created: false, changed: true });
      assert.equal(await store.hget('ri', 'u'), '[{"serverID":5,"note":"x","roleIDs":[{"Item1":98765432109876543210,"Item2":"old","Item3":1.50,"Item4":4,"other":true}]}]');
      const again = await reg.apply({ mode: 'change', userId: 'u', zoneId: '5', roleId: '98765432109876543210', level: 4, extra: {}, at: 2 });
      assert.deepEqual(again, { created: false, changed: false });
      await reg.noteLogin('u', '5', undefined, 1667812169000);
      assert.deepEqual(await reg.rolesOf('u'), [{ roleId: '98765432109876543210', roleName: 'old', serverId: '5', serverName: 'Five', loginTime: 1667812169000, class: JSON.parse('1.5'), level: 4 }]);
    }
  });

  it('settlement: recorded once per match id, the handler runs once', async () => {
    for (const [, store] of stores) {
      const seen: string[] = [];
      const sink = new StoreSettlementSink(store, store.keys, { retentionMs: 60_000, onSettlement: (s) => void seen.push(s.matchId) }, logger);
      const s: Settlement = { matchId: 'm1', results: [{ userId: 'a', score: 3 }], extra: { mode: 'duel' }, zoneId: '1', roomId: 'r', roomName: 'battle', reportedAt: 5 };
      await Promise.all([sink.report(s), sink.report(s), sink.report({ ...s, roomId: 'r2' })]);
      assert.deepEqual(seen, ['m1']);
      const record = await store.hgetall(sink.recordKey('m1'));
      assert.equal(record.results, '[{"userId":"a","score":3}]');
      assert.equal(record.extra, '{"mode":"duel"}');
      assert.ok((await store.pttl(sink.claimKey('m1'))) > 0);
    }
  });
});
