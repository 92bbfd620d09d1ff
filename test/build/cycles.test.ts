/**
 * `npm test` starts with `npm run check:cycles` (madge, configured by .madgerc). That step is only worth
 * something if it fails on a circle made of type-only imports, the kind that crept in before: this runs
 * the same command, with the same configuration, on a two-file circle and expects a refusal naming both.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const madge = 'node_modules/madge/bin/cli.js';

describe('import cycle check', function () {
  this.timeout(60_000);

  it('fails on a circle of type-only imports, `import type` and `import()` type expressions included', async () => {
    const run = await exec(process.execPath, [madge, '--circular', '--no-color', '--no-spinner', 'test/fixtures/import-cycle']).then(
      (r) => ({ code: 0, out: r.stdout }),
      (err: { code?: number; stdout?: string }) => ({ code: err.code, out: err.stdout ?? '' }),
    );
    assert.equal(run.code, 1, `madge exits 1 on a circle; printed:\n${run.out}`);
    assert.match(run.out, /left\.ts > right\.ts/);
  });

  it('is what npm test runs first, over src, bench, example-server and tools', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.test!, /^npm run check:cycles && /);
    assert.equal(pkg.scripts['check:cycles'], 'madge --circular --warning src bench example-server tools');
  });
});
