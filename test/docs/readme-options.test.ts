/**
 * README.md documents every option of the register call: its reference block is generated from the zod
 * schema, and this fails when a schema change was not carried into README.md (run `npm run docs:options`).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { END, START, optionRows, renderReference } from '../../tools/optionsReference.js';

describe('README option reference', () => {
  const readme = readFileSync('README.md', 'utf8');

  it('is the one generated from the current schema', () => {
    const block = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    assert.equal(block, renderReference(), 'README.md is out of date: run `npm run docs:options`');
  });

  it('has a description for every option', () => {
    const missing = optionRows()
      .filter((r) => r.description.trim() === '')
      .map((r) => r.path);
    assert.deepEqual(missing, []);
  });

  it('lists the options the platform sections talk about', () => {
    for (const path of ['redis', 'grant', 'recharge.key', 'recharge.socket.framing', 'vngates.signTemplate.fields', 'sud.appSecret', 'gamecenter.rankTimeZone', 'rooms.serverState.hashName']) {
      assert.ok(readme.includes(`| \`${path}\` |`), `${path} in the reference`);
    }
  });
});
