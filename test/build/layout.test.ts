/**
 * The shape a maintainer can hold (issue #14): no module in src/ over 400 lines, and ARCHITECTURE.md's
 * layout names every folder and top-level file of src/, with no path in it that does not exist. A new
 * folder or a move that is not drawn there fails here, so the map cannot drift from the code.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SRC = 'src';
const MAX_LINES = 400;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every folder (with a trailing slash) and .ts file below dir. */
function allPaths(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? [`${p}/`, ...allPaths(p)] : p.endsWith('.ts') ? [p] : [];
  });
}

describe('code base layout', () => {
  it(`no module in src/ is over ${MAX_LINES} lines`, () => {
    const all = files(SRC);
    assert.ok(all.length > 100, `found the modules (${all.length})`);
    const long = all.map((f) => [f, readFileSync(f, 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > MAX_LINES);
    assert.deepEqual(long, []);
  });

  it("ARCHITECTURE.md's layout names every folder and top-level file of src/, and only ones that exist", () => {
    const doc = readFileSync('ARCHITECTURE.md', 'utf8');
    const layout = /## Layout\n+```\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(layout, 'a Layout block');
    const words = new Set(layout.split(/[\s,()]+/).filter(Boolean));
    const entries = readdirSync(SRC).map((name) => (statSync(join(SRC, name)).isDirectory() ? `${name}/` : name));
    const missing = entries.filter((e) => ![...words].some((w) => w === e || w.startsWith(e)));
    assert.deepEqual(missing, [], 'src/ entries the layout does not draw');
    // a nested entry is drawn under its parent, by its own name: it must exist somewhere below src/
    const paths = allPaths(SRC).map((p) => p.slice(SRC.length + 1));
    const named = [...words].filter((w) => w !== 'src/' && /^[a-z][\w-]*(\/[\w-]*)*(\/|\.ts)$/i.test(w));
    const ghosts = named.filter((w) => !paths.some((p) => p === w || p.endsWith(`/${w}`)));
    assert.deepEqual(ghosts, [], 'paths the layout names that src/ does not have');
  });
});
