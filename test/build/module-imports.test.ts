/**
 * Every module of src/ imported alone, first, in a fresh Node process. An import cycle with a value
 * (not only a type) in it shows up here as "Cannot access X before initialization" for whichever module of
 * the circle is imported first (VNGates' options once did this), as does a module that throws, or keeps the
 * process alive, at import. The suite's own process cannot see it: its modules are loaded by then.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

/** Children at once: the machine has 2 cores and each child spends most of its time starting up. */
const PARALLEL = 3;
const CHILD_TIMEOUT_MS = 30_000;
/**
 * Where src/ is transpiled to, file by file (imports kept as written, `import type` dropped, as tsx does), so
 * each child is plain `node`: starting tsx in 200 processes takes minutes on 2 busy cores. Inside
 * node_modules so that packages resolve from the project.
 */
const OUT = 'node_modules/.cache/module-imports';

function transpileSrc(files: string[]): void {
  rmSync(OUT, { recursive: true, force: true });
  const { config } = ts.readConfigFile('tsconfig.json', (p) => readFileSync(p, 'utf8'));
  const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, '.');
  for (const file of files) {
    const out = join(OUT, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    const js = ts.transpileModule(readFileSync(file, 'utf8'), { fileName: file, compilerOptions: { ...options, module: ts.ModuleKind.ESNext, noEmit: false, declaration: false, sourceMap: false } });
    writeFileSync(out, js.outputText);
  }
  // the CLI reads ../package.json from its own place for --version
  copyFileSync('package.json', join(OUT, 'package.json'));
}

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return modules(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

// the CLI entry runs its command at import: `--version` is the one that prints and exits 0
const CHILD = `
process.argv.splice(1, Infinity, 'cli', '--version');
await import(process.env.PB_MODULE_URL);
`;

function importAlone(file: string): Promise<{ file: string; code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const target = file.endsWith('.ts') ? join(OUT, file.replace(/\.ts$/, '.js')) : file;
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: { ...process.env, PB_MODULE_URL: pathToFileURL(target).href },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(0, 4000)));
    // a module that keeps the process alive at import would hang here: the timeout names it
    const timer = setTimeout(() => {
      stderr += `\n(still running after ${CHILD_TIMEOUT_MS} ms: something at import time keeps the process alive)`;
      child.kill('SIGKILL');
    }, CHILD_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ file, code, stderr });
    });
  });
}

describe('every src module imports alone in a fresh process', function () {
  this.timeout(300_000);

  it('finds the modules (so the check below cannot pass by checking nothing)', () => {
    const files = modules('src');
    assert.ok(files.length > 150, `${files.length} modules`);
    for (const f of ['src/index.ts', 'src/platforms/vngates/index.ts', 'src/platforms/vngates/options.ts', 'src/cli.ts']) assert.ok(files.includes(f), f);
  });

  it('each one loads with exit code 0 and nothing on stderr', async () => {
    const queue = modules('src');
    transpileSrc(queue);
    const failures: string[] = [];
    let checked = 0;
    const worker = async () => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        const r = await importAlone(file);
        checked++;
        if (r.code !== 0 || r.stderr.trim() !== '') failures.push(`${relative('.', r.file)}: exit ${r.code}\n${r.stderr.trim()}`);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    assert.ok(checked > 150);
    assert.deepEqual(failures, [], failures.join('\n\n'));
  });

  it('the check catches a module that fails at import (a value import circle)', async () => {
    transpileSrc(['test/fixtures/value-cycle/first.ts', 'test/fixtures/value-cycle/second.ts']);
    const r = await importAlone(join(OUT, 'test/fixtures/value-cycle/first.js'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Cannot access '.+' before initialization/);
  });
});
