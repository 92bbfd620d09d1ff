/**
 * Keeps `npm test` quiet while it passes: what the code under test prints to the console (the bridge's
 * console logger, Colyseus, the SDK, dotenv through @colyseus/tools) is held for the running test and
 * printed under it only when it fails; output of a failed hook is printed at exit. `PB_TEST_LOGS=1`
 * prints everything as it comes. Mocha's reporter keeps its own reference to console.log, so test
 * results are never held.
 */
import { format } from 'node:util';

const METHODS = ['log', 'info', 'warn', 'error', 'debug'] as const;
const held: string[] = [];
const originals = Object.fromEntries(METHODS.map((m) => [m, console[m].bind(console)])) as Record<(typeof METHODS)[number], (...args: unknown[]) => void>;
const capturing = process.env.PB_TEST_LOGS !== '1';

if (capturing) {
  for (const m of METHODS) console[m] = (...args: unknown[]) => void held.push(format(...args));
  process.on('exit', (code) => {
    if (code !== 0 && held.length) originals.error(`\n--- console output not tied to a test ---\n${held.join('\n')}`);
  });
}

export const mochaHooks = {
  afterEach(this: Mocha.Context) {
    if (!capturing) return;
    const test = this.currentTest;
    if (test?.state === 'failed' && held.length) originals.error(`\n--- console output of "${test.fullTitle()}" ---\n${held.join('\n')}\n---`);
    held.length = 0;
  },
};
