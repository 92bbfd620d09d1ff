/**
 * The Colyseus adapter names the @colyseus/core versions it is tested with, and the register call warns once
 * when the running one is outside them: the bridge relies on internals (shutdown slots, the router, wrapped
 * room methods) that a minor Colyseus version may change.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defineServer } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { TESTED_COLYSEUS_CORE, colyseusCoreVersion, untestedColyseusVersion, warnIfUntestedColyseus } from '../../src/colyseus/adapter.js';
import { registerPlatformBridge } from '../../src/index.js';
import { CapturingLogger } from '../helpers/logs.js';

describe('Colyseus adapter: tested versions', () => {
  it('states the range it is tested with, and the devDependency in use is inside it', () => {
    assert.equal(TESTED_COLYSEUS_CORE, '>=0.18.0 <0.19.0');
    const installed = JSON.parse(readFileSync('node_modules/@colyseus/core/package.json', 'utf8')).version as string;
    assert.equal(colyseusCoreVersion(), installed);
    assert.equal(untestedColyseusVersion(installed), undefined);
  });

  for (const inside of ['0.18.0', '0.18.17', '0.18.99', 'v0.18.3']) {
    it(`${inside} is inside the range`, () => assert.equal(untestedColyseusVersion(inside), undefined));
  }
  for (const outside of ['0.17.9', '0.19.0', '0.19.0-beta.1', '0.18.0-rc.1', '1.0.0', '0.20.1']) {
    it(`${outside} is outside the range, and the reason names both`, () => {
      const problem = untestedColyseusVersion(outside);
      assert.ok(problem, 'a problem');
      assert.match(problem, new RegExp(`@colyseus/core ${outside.replace(/\./g, '\\.')} is outside .*>=0\\.18\\.0 <0\\.19\\.0`));
    });
  }
  it('a version it cannot read is reported as such', () => {
    assert.match(untestedColyseusVersion(undefined)!, /could not read the @colyseus\/core version \(not found\)/);
    assert.match(untestedColyseusVersion('next')!, /could not read the @colyseus\/core version \("next"\)/);
  });

  it('warns once, at warn level, for a version outside the range; nothing for one inside', () => {
    const logger = new CapturingLogger();
    assert.equal(warnIfUntestedColyseus(logger, '0.19.2'), true);
    assert.equal(logger.lines.length, 1);
    assert.equal(logger.lines[0]!.level, 'warn');
    assert.match(logger.lines[0]!.message, /@colyseus\/core 0\.19\.2 is outside .*src\/colyseus\/adapter\.ts/);
    assert.deepEqual(logger.lines[0]!.fields, { colyseusCore: '0.19.2', tested: '>=0.18.0 <0.19.0' });
    logger.clear();
    assert.equal(warnIfUntestedColyseus(logger, '0.18.5'), false);
    assert.deepEqual(logger.lines, []);
  });

  it('a normal register call (the tested Colyseus) logs no version warning', async () => {
    const server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
    const logger = new CapturingLogger();
    const bridge = registerPlatformBridge(server, { logger });
    try {
      assert.ok(logger.find('platform bridge registered', 'info').length === 1, 'the register call ran to the end');
      assert.deepEqual(logger.find('@colyseus/core'), []);
    } finally {
      await bridge.close();
    }
  });
});
