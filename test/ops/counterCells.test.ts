/**
 * The counters the hot paths bump as plain numbers: what a scrape reads must be exactly what prom-client's
 * own Counter shows for the same calls, and the registry's reset must still zero them.
 */
import assert from 'node:assert/strict';
import { Counter, Registry } from 'prom-client';
import { CellCounter } from '../../src/ops/counterCells.js';
import { parsePrometheus, valueOf } from './promText.js';

describe('CellCounter', () => {
  const calls: Array<[string, string, string | number]> = [
    ['recharge', 'http', 1],
    ['recharge', 'http', '1'],
    ['recharge', 'http', -5],
    ['recharge', 'socket', 1],
    ['vngates', 'addgold', 'connection-refused'],
    ['recharge', 'http', 1],
  ];

  it('scrapes as the same text as a prom-client Counter given the same calls', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const config = { name: 'x_total', help: 'h', labelNames: ['platform', 'path', 'code'] as const };
    const cells = new CellCounter({ ...config, registers: [ours] });
    const plain = new Counter({ ...config, labelNames: [...config.labelNames], registers: [theirs] });
    for (const [a, b, c] of calls) {
      cells.inc(a, b, c);
      plain.inc({ platform: a, path: b, code: String(c) });
    }
    const sorted = (text: string) => text.split('\n').sort().join('\n');
    assert.equal(sorted(await ours.metrics()), sorted(await theirs.metrics()));
    const m = parsePrometheus(await ours.metrics());
    assert.equal(valueOf(m, 'x_total', { platform: 'recharge', path: 'http', code: '1' }), 3, 'a number code and its string are one series');
  });

  it('counts between scrapes, and starts again from zero after the registry is reset', async () => {
    const registry = new Registry();
    const cells = new CellCounter({ name: 'y_total', help: 'h', labelNames: ['source', 'state'], registers: [registry] });
    const read = async () => valueOf(parsePrometheus(await registry.metrics()), 'y_total', { source: 'recharge-http', state: 'pending' });
    assert.equal(await read(), 0);
    cells.inc('recharge-http', 'pending');
    cells.inc('recharge-http', 'pending');
    assert.equal(await read(), 2);
    assert.equal(await read(), 2, 'a second scrape adds nothing');
    cells.inc('recharge-http', 'pending');
    assert.equal(await read(), 3);
    registry.resetMetrics();
    assert.equal(await read(), 0);
    cells.inc('recharge-http', 'pending');
    assert.equal(await read(), 1);
  });
});
