/**
 * The package as a new user gets it: `npm pack`, then a fresh project installed with README's install
 * command (packages from the npm cache, `--prefer-offline`), where README's server snippets type-check under
 * strict nodenext, the package loads with `require`, an ioredis 6 instance is accepted as `redis`, and README's "Testing your game" example passes under mocha. Needs dist/ (npm test builds first).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { useRedisServer } from '../helpers/redisServer.js';

const exec = promisify(execFile);
const README = readFileSync('README.md', 'utf8');

/** The code of README's block between `<!-- name:begin … -->` and `<!-- name:end -->`. */
function marked(name: string): string {
  const m = README.match(new RegExp(`<!-- ${name}:begin[^>]*-->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\n<!-- ${name}:end -->`));
  assert.ok(m, `README has a ${name} block`);
  return m[1]!;
}

/** README's ts block that starts with `firstLine`. */
function block(firstLine: string): string {
  const at = README.indexOf('```ts\n' + firstLine);
  assert.ok(at >= 0, `README has a block starting ${firstLine}`);
  return README.slice(at + 6, README.indexOf('```', at + 6));
}

describe('the packed package in a fresh project', function () {
  this.timeout(180_000);
  const redis = useRedisServer();
  let dir: string;
  const run = (file: string, args: string[], env: Record<string, string> = {}) => exec(file, args, { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
  const node = (args: string[], env?: Record<string, string>) => run(process.execPath, args, env);

  before(async function () {
    assert.ok(existsSync('dist/index.js'), 'dist/ is built (npm test builds first)');
    dir = mkdtempSync(join(tmpdir(), 'pb-user-'));
    const { stdout } = await exec('npm', ['pack', '--silent', '--pack-destination', dir]);
    const tarball = resolve(dir, stdout.trim().split('\n').pop()!);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'a-game', private: true, type: 'module' }));
    for (const line of marked('install').split('\n')) {
      const words = line.replace(/#.*$/, '').trim().split(/\s+/).filter(Boolean);
      if (words.length === 0) continue;
      assert.deepEqual(words.slice(0, 2), ['npm', 'install']);
      const args = words.slice(1).map((w) => (w === 'colyseus-platform-bridge' ? tarball : w));
      await run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund']);
    }
    // what the test itself needs beside README's list: a type checker, Node types, @colyseus/auth for its recipe, and ioredis 6 under another name
    await run('npm', ['install', '--save-dev', 'typescript@^5.9', '@types/node@^22', '@colyseus/auth@^0.18.3', 'ioredis6@npm:ioredis@^6', '--prefer-offline', '--no-audit', '--no-fund']);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has one @colyseus/core, 0.18', async () => {
    const { stdout } = await run('npm', ['ls', '@colyseus/core', '--all', '--parseable', '--long']);
    const versions = new Set(
      stdout
        .split('\n')
        .filter((l) => l.includes('@colyseus/core@'))
        .map((l) => l.split('@colyseus/core@')[1]),
    );
    assert.equal(versions.size, 1, stdout);
    assert.match([...versions][0]!, /^0\.18\./);
  });

  it("type-checks README's server snippets as an ESM TypeScript project (strict, nodenext)", async () => {
    mkdirSync(join(dir, 'src'), { recursive: true });
    const room = block("import { Room, definePlugins, type Client } from '@colyseus/core';");
    const use = block("import { defineServer, defineRoom } from '@colyseus/core';");
    // imports first, then the room class, then the register code that uses it
    const imports = (s: string) => s.split('\n').filter((l) => l.startsWith('import '));
    const body = (s: string) => s.split('\n').filter((l) => !l.startsWith('import '));
    writeFileSync(join(dir, 'src/server.ts'), [...imports(room), ...imports(use), ...body(room), ...body(use)].join('\n'));
    // the recipes, one module each
    writeFileSync(join(dir, 'src/rooms.ts'), marked('recipe-onauth'));
    writeFileSync(join(dir, 'src/app.config.ts'), marked('recipe-tools'));
    writeFileSync(join(dir, 'src/auth.ts'), marked('recipe-auth'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', noEmit: true, skipLibCheck: true, types: ['node'] }, include: ['src'] }),
    );
    await node([join(dir, 'node_modules/typescript/bin/tsc'), '-p', dir]).catch((err: { stdout?: string }) => assert.fail(`tsc: ${err.stdout}`));
  });

  it("boots README's @colyseus/tools app.config.ts with @colyseus/testing, and an @colyseus/auth token's id is the user id", async () => {
    mkdirSync(join(dir, 'test'), { recursive: true });
    writeFileSync(join(dir, 'src/app.config.ts'), marked('recipe-tools'));
    writeFileSync(
      join(dir, 'test/recipes.test.ts'),
      `import assert from 'node:assert/strict';
import { boot } from '@colyseus/testing';
import { JWT } from '@colyseus/auth';
import { Room, defineRoom, defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { registerPlatformBridge } from 'colyseus-platform-bridge';
import { httpExchange, rechargeOrder, testServerUrl } from 'colyseus-platform-bridge/testing';
import { onGrant, type Grant } from 'colyseus-platform-bridge/client';
import app from '../src/app.config.ts';

describe('recipes', () => {
  it('the @colyseus/tools app.config.ts boots with the bridge', async () => {
    const colyseus = await boot(app);
    try {
      const health = await fetch(testServerUrl(colyseus) + '/platform/health');
      assert.equal(health.status, 200);
      const room = await colyseus.sdk.joinOrCreate('lobby');
      await room.leave();
    } finally {
      await colyseus.shutdown();
    }
  });

  it("an @colyseus/auth token's id is the player's user id", async () => {
    JWT.settings.secret = 'test-secret';
    class ProfileRoom extends Room {
      static override async onAuth(token: string) {
        return await JWT.verify(token);
      }
    }
    const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: { profile: defineRoom(ProfileRoom) } });
    registerPlatformBridge(server, {
      logLevel: 'warn',
      recharge: { key: 'k', socket: { enabled: false } },
      grant: async () => ({}),
      rooms: { resolveUserId: (client) => client.auth?.id },
    });
    const colyseus = await boot(server);
    try {
      colyseus.sdk.auth.token = await JWT.sign({ id: 'u-42' });
      const room = await colyseus.sdk.joinOrCreate('profile', { userId: 'claimed-by-the-client' });
      const shown = new Promise<Grant>((resolve) => onGrant(room, resolve));
      const order = rechargeOrder({ key: 'k', userId: 'u-42', amount: 5, zoneId: '1' }, 'http');
      const answer = await httpExchange('POST', testServerUrl(colyseus) + '/platform/recharge', JSON.stringify(order), { 'content-type': 'application/json' });
      assert.equal(answer.status, 200);
      assert.equal((await shown).orderId, order.cporder_no);
      await room.leave();
    } finally {
      await colyseus.shutdown();
    }
  });
});
`,
    );
    await node([join(dir, 'node_modules/mocha/bin/mocha.js'), '-n', 'import=tsx', '--exit', 'test/recipes.test.ts']).catch((err: { stdout?: string; stderr?: string }) =>
      assert.fail(`mocha: ${err.stdout}\n${err.stderr}`),
    );
  });

  it('loads with require, the testing kit and the client helper included', async () => {
    const script = [
      "const m = require('colyseus-platform-bridge');",
      "const t = require('colyseus-platform-bridge/testing');",
      "const c = require('colyseus-platform-bridge/client');",
      "const o = t.rechargeOrder({ key: 'k', userId: 'u', amount: 1, zoneId: '1' }, 'socket');",
      'console.log(typeof m.registerPlatformBridge, typeof m.PlatformPlugin, typeof t.socketExchange, typeof c.onGrant, o.Sign.length);',
    ].join('\n');
    writeFileSync(join(dir, 'check.cjs'), script);
    const { stdout } = await node(['check.cjs']);
    assert.equal(stdout.trim(), 'function function function function 32');
  });

  it('runs the colyseus-platform-bridge command (the built CLI)', async () => {
    const version = JSON.parse(readFileSync('package.json', 'utf8')).version;
    const { stdout } = await run('npx', ['--no-install', 'colyseus-platform-bridge', '--version']);
    assert.equal(stdout.trim(), version);
    const help = await run('npx', ['--no-install', 'colyseus-platform-bridge', 'sim', '--help']);
    assert.match(help.stdout, /usage: colyseus-platform-bridge sim <command>/);
  });

  it('accepts an ioredis 6 instance as `redis`', async () => {
    writeFileSync(
      join(dir, 'redis6.mjs'),
      [
        "import { Redis } from 'ioredis6';",
        "import { defineServer } from '@colyseus/core';",
        "import { WebSocketTransport } from '@colyseus/ws-transport';",
        "import { registerPlatformBridge } from 'colyseus-platform-bridge';",
        'const redis = new Redis(process.env.REDIS_URL);',
        'const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });',
        "const bridge = registerPlatformBridge(server, { redis, logLevel: 'warn' });",
        'const health = await bridge.health();',
        "await bridge.store.set('platform-test:ioredis6', 'yes');",
        "console.log(JSON.stringify({ status: health.status, kind: health.store.kind, value: await bridge.store.get('platform-test:ioredis6') }));",
        'await bridge.close();',
        'redis.disconnect();',
      ].join('\n'),
    );
    const { stdout } = await node(['redis6.mjs'], { REDIS_URL: redis.url });
    assert.match(JSON.parse(readFileSync(join(dir, 'node_modules/ioredis6/package.json'), 'utf8')).version, /^6\./);
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()!), { status: 'ok', kind: 'redis', value: 'yes' });
  });

  it('passes README\'s "Testing your game" example with mocha', async () => {
    mkdirSync(join(dir, 'test'), { recursive: true });
    writeFileSync(join(dir, 'test/shop.test.ts'), marked('testing-example'));
    const { stdout } = await node([join(dir, 'node_modules/mocha/bin/mocha.js'), '-n', 'import=tsx', '--exit', 'test/shop.test.ts']).catch((err: { stdout?: string; stderr?: string }) =>
      assert.fail(`mocha: ${err.stdout}\n${err.stderr}`),
    );
    assert.match(stdout, /1 passing/);
  });
});
