/**
 * Every StoreScript the plugin defines, run on a real redis-server (its Lua) and on the in-process store (its
 * twin) with the same inputs: each call's raw reply and, after it, every key (type, value, TTL in whole
 * seconds) must be the same. The scripts are found by importing every module of src/ (defineScript keeps a
 * registry), so a new script without cases in ./scriptCases.ts fails here until it gets some.
 *
 * Lease ends and other store-clock times (Redis's TIME, the twin's Date.now) differ by the milliseconds
 * between the two runs: values at or after STORE_CLOCK_FLOOR are masked; every other time is a fixed 2023 one.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { MemoryDb } from '../../src/store/MemoryDb.js';
import { scriptLua, type ScriptReply, type StoreScript } from '../../src/store/Store.js';
import { maskLeaseEnds } from '../helpers/leaseClock.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { CASES, type Call, type Seed, type ScriptCase } from './scriptCases.js';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '../../src');
/** Entry points that run when imported; they define no script. */
const NOT_IMPORTED = new Set(['cli.ts']);

function sourceModules(dir = SRC): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceModules(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !NOT_IMPORTED.has(relative(SRC, p))) out.push(p);
  }
  return out.sort();
}

/** One database's content under a prefix, in a form both stores produce alike. */
type Dump = Record<string, { type: string; value: unknown; ttlS: number }>;

async function dumpRedis(r: Redis, prefix: string): Promise<Dump> {
  const keys: string[] = [];
  let cursor = '0';
  for (let i = 0; i < 10_000; i++) {
    const [next, batch] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    if ((cursor = next) === '0') break;
  }
  const out: Dump = {};
  for (const k of keys.sort()) {
    const type = await r.type(k);
    let value: unknown;
    if (type === 'string') value = await r.get(k);
    else if (type === 'hash') value = sortedObject(await r.hgetall(k));
    else if (type === 'set') value = (await r.smembers(k)).sort();
    else if (type === 'list') value = await r.lrange(k, 0, -1);
    else if (type === 'zset') {
      const flat = await r.zrange(k, 0, -1, 'WITHSCORES');
      const z: Array<[string, number]> = [];
      for (let i = 0; i < flat.length; i += 2) z.push([flat[i]!, Number(flat[i + 1])]);
      value = z;
    } else value = `unsupported type ${type}`;
    out[k] = { type, value, ttlS: ttlSeconds(await r.pttl(k)) };
  }
  return out;
}

function dumpMemory(db: MemoryDb, prefix: string): Dump {
  const out: Dump = {};
  for (const k of db
    .keys()
    .filter((k) => k.startsWith(prefix))
    .sort()) {
    const type = db.type(k);
    let value: unknown;
    if (type === 'string') value = db.get(k);
    else if (type === 'hash') value = sortedObject(db.hgetall(k));
    else if (type === 'set') value = db.smembers(k).sort();
    else if (type === 'list') value = db.lrange(k, 0, -1);
    else value = db.zrangeByScore(k, -Infinity, Infinity).map((e) => [e.member, e.score]);
    out[k] = { type, value, ttlS: ttlSeconds(db.pttl(k)) };
  }
  return out;
}

const ttlSeconds = (pttl: number) => (pttl < 0 ? pttl : Math.round(pttl / 1000));
const sortedObject = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** `~` in a key or argument stands for the case's own key prefix. */
const expand = (v: string | number, prefix: string) => (typeof v === 'string' ? v.replaceAll('~', prefix) : String(v));

async function seedRedis(r: Redis, seeds: readonly Seed[], prefix: string): Promise<void> {
  for (const [cmd, ...rest] of seeds) await r.call(cmd, ...rest.map((v) => expand(v, prefix)));
}

function seedMemory(db: MemoryDb, seeds: readonly Seed[], prefix: string): void {
  for (const [cmd, key, ...raw] of seeds) {
    const k = expand(key, prefix);
    const a = raw.map((v) => expand(v, prefix));
    switch (cmd.toLowerCase()) {
      case 'hset': {
        const values: Record<string, string> = {};
        for (let i = 0; i + 1 < a.length; i += 2) values[a[i]!] = a[i + 1]!;
        db.hset(k, values);
        break;
      }
      case 'zadd': {
        const entries: Array<[number, string]> = [];
        for (let i = 0; i + 1 < a.length; i += 2) entries.push([Number(a[i]), a[i + 1]!]);
        db.zadd(k, entries);
        break;
      }
      case 'set':
        db.set(k, a[0]!, a[1]?.toUpperCase() === 'PX' ? { px: Number(a[2]) } : {});
        break;
      case 'sadd':
        db.sadd(k, ...a);
        break;
      case 'rpush':
        db.rpush(k, ...a);
        break;
      case 'pexpire':
        db.pexpire(k, Number(a[0]));
        break;
      default:
        throw new Error(`seed command ${cmd} is not modelled here`);
    }
  }
}

type Outcome = { reply: ScriptReply } | { error: true };

async function runLua(r: Redis, script: StoreScript<unknown>, keys: string[], args: string[]): Promise<Outcome> {
  try {
    return { reply: (await r.eval(scriptLua(script), script.numberOfKeys, ...keys, ...args)) as ScriptReply };
  } catch {
    return { error: true };
  }
}

function runTwin(db: MemoryDb, script: StoreScript<unknown>, keys: string[], args: string[]): Outcome {
  try {
    // through JSON, as a reply travels: the twin's `undefined` or NaN would not survive the wire either
    return { reply: JSON.parse(JSON.stringify(script.local(db, keys, args))) as ScriptReply };
  } catch {
    return { error: true };
  }
}

describe('every StoreScript: Lua on redis-server and its in-process twin agree', function () {
  const redis = useRedisServer();
  let client: Redis;
  let scripts: ReadonlyMap<string, StoreScript<unknown>>;
  let runs = 0;
  let keysSeen = 0;

  before(async () => {
    // one loader for all (a module loaded once as CommonJS and once as ESM would be two registries);
    // the package's entry first: it loads the modules in the order users load them
    const load = (file: string) => import(pathToFileURL(join(SRC, file)).href);
    await load('index.ts');
    for (const m of sourceModules()) await import(pathToFileURL(m).href);
    scripts = ((await load('store/defineScript.ts')) as typeof import('../../src/store/defineScript.js')).definedScripts();
    client = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  });
  after(async () => client?.quit());

  it('finds the scripts of src/, and each has cases (a new script needs some in scriptCases.ts)', () => {
    assert.ok(scripts.size >= 50, `only ${scripts.size} scripts found`);
    const missing = [...scripts.keys()].filter((n) => !CASES[n]?.length);
    assert.deepEqual(missing, [], `scripts without differential cases: ${missing.join(', ')}`);
    const stale = Object.keys(CASES).filter((n) => !scripts.has(n));
    assert.deepEqual(stale, [], `cases for scripts that no longer exist: ${stale.join(', ')}`);
  });

  it('every case: same replies, same data after each call', async () => {
    const failures: string[] = [];
    let calls = 0;
    for (const [name, cases] of Object.entries(CASES)) {
      const script = scripts.get(name);
      if (!script) continue;
      for (const c of cases) {
        const problem = await runCase(name, c);
        if (problem) failures.push(problem);
        calls += c.calls.length;
      }
    }
    assert.ok(calls > 0 && keysSeen > 0, 'the cases ran and wrote data');
    assert.deepEqual(failures, [], `\n${failures.join('\n\n')}`);
  });

  async function runCase(name: string, c: ScriptCase): Promise<string | undefined> {
    const prefix = `dx${++runs}:`;
    const db = new MemoryDb();
    await seedRedis(client, c.seed ?? [], prefix);
    seedMemory(db, c.seed ?? [], prefix);
    for (const [i, call] of c.calls.entries()) {
      const [scriptName, keys, args] = normalise(name, call);
      const script = scripts.get(scriptName);
      if (!script) return `${name} / ${c.name} / call ${i}: no script ${scriptName}`;
      const k = keys.map((v) => expand(v, prefix));
      const a = args.map((v) => expand(v, prefix));
      if (k.length !== script.numberOfKeys) return `${name} / ${c.name} / call ${i}: ${scriptName} takes ${script.numberOfKeys} keys, the case gives ${k.length}`;
      const norm = (o: Outcome): Outcome => ('reply' in o && c.normaliseReply ? { reply: c.normaliseReply(o.reply) } : o);
      const luaRaw = await runLua(client, script, k, a);
      const lua = maskLeaseEnds(norm(luaRaw));
      const twin = maskLeaseEnds(norm(runTwin(db, script, k, a)));
      const where = `${name} / ${c.name} / call ${i} (${scriptName})`;
      try {
        assert.deepEqual(twin, lua);
      } catch {
        return `${where}: replies differ\n  lua:  ${JSON.stringify(lua)}\n  twin: ${JSON.stringify(twin)}`;
      }
      if ('reply' in luaRaw) {
        try {
          script.decode(luaRaw.reply);
        } catch (err) {
          return `${where}: the Lua reply does not decode: ${(err as Error).message}`;
        }
      }
      const [dr, dm] = [maskLeaseEnds(await dumpRedis(client, prefix)), maskLeaseEnds(dumpMemory(db, prefix))];
      try {
        assert.deepEqual(dm, dr);
      } catch {
        return `${where}: data differs\n  redis: ${JSON.stringify(dr)}\n  twin:  ${JSON.stringify(dm)}`;
      }
      keysSeen += Object.keys(dr).length;
      if (c.expect && i === c.calls.length - 1 && 'reply' in luaRaw) {
        try {
          c.expect(luaRaw.reply, dr);
        } catch (err) {
          return `${where}: ${(err as Error).message}`;
        }
      }
    }
    return undefined;
  }
});

function normalise(name: string, call: Call): [string, ReadonlyArray<string | number>, ReadonlyArray<string | number>] {
  return call.length === 3 ? [call[0], call[1], call[2]] : [name, call[0], call[1]];
}
