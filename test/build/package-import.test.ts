/**
 * The built package, as a user gets it: `npm test` builds first, then this checks that both `import` and
 * `require` resolve through the exports map and that the type declarations for both exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const run = (args: string[]) => execFileSync(process.execPath, args, { encoding: 'utf8' }).trim();

describe('built package', function () {
  this.timeout(30_000);
  before(function () {
    if (!existsSync('dist/index.js')) throw new Error('dist/ is missing: run `npm run build` (npm test builds first)');
  });

  it('ships ESM, CJS and type declarations for both', () => {
    for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']) assert.ok(existsSync(f), `${f} exists`);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    assert.equal(pkg.exports['.'].import.default, './dist/index.js');
    assert.equal(pkg.exports['.'].require.default, './dist/index.cjs');
    assert.match(readFileSync('dist/index.d.ts', 'utf8'), /registerPlatformBridge/);
  });

  it('can be imported with import', () => {
    const out = run(['--input-type=module', '-e', "const m = await import('colyseus-platform-bridge'); console.log(typeof m.registerPlatformBridge, typeof m.PlatformPlugin, typeof m.md5Hex)"]);
    assert.equal(out, 'function function function');
  });

  it('ships the simulator command declared as the package bin', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    const bin = pkg.bin['colyseus-platform-bridge'];
    assert.equal(bin, './bin/colyseus-platform-bridge.js');
    assert.ok(pkg.files.includes('bin') && pkg.files.includes('dist'), 'the launcher and the build are packed');
    assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node/);
    // in this checkout the launcher runs the sources; the build answers the same (a user's project runs it)
    for (const entry of [bin, 'dist/cli.js']) {
      assert.match(run([entry, 'sim', '--help']), /usage: colyseus-platform-bridge sim <command>/, entry);
      assert.equal(run([entry, '--version']), pkg.version, entry);
    }
  });

  it('can be loaded with require', () => {
    const out = run(['-e', "const m = require('colyseus-platform-bridge'); console.log(typeof m.registerPlatformBridge, typeof m.parseOptions, m.md5Hex('abc'))"]);
    assert.equal(out, 'function function 900150983cd24fb0d6963f7d28e17f72');
  });
});
