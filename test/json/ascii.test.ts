/**
 * ASCII JSON as the recharge document writes it (`"desc":"\u6210\u529f"`): every character from U+0080 up
 * escaped with lowercase hex, ASCII (DEL included) as itself, and the result still the same value.
 */
import assert from 'node:assert/strict';
import { asciiJson, asciiJsonValue } from '../../src/json/ascii.js';
import { parseKeepingNumbers, rawJson } from '../../src/json/exactNumbers.js';

describe('json/ascii', () => {
  it("writes the spec's examples byte for byte", () => {
    assert.equal(asciiJson({ desc: '成功' }), '{"desc":"\\u6210\\u529f"}');
    assert.equal(asciiJson('奥勒莎✷阿娜'), '"\\u5965\\u52d2\\u838e\\u2737\\u963f\\u5a1c"');
  });

  it('escapes from U+0080 up, leaves DEL (U+007F) and the rest of ASCII as is', () => {
    assert.equal(asciiJson('a\u007fb'), '"a\u007fb"');
    assert.equal(asciiJson('\u0080\u00e9\u00ff'), '"\\u0080\\u00e9\\u00ff"');
    // control characters are JSON's own escapes, unchanged
    assert.equal(asciiJson('\n\u0001"\\'), '"\\n\\u0001\\"\\\\"');
  });

  it('writes a character beyond U+FFFF as its two surrogate escapes, and a lone surrogate escaped too', () => {
    assert.equal(asciiJson('😀'), '"\\ud83d\\ude00"');
    assert.equal(asciiJson('\ud800x'), '"\\ud800x"');
  });

  it('output is pure ASCII and reads back as the same value, nested structures and raw numbers included', () => {
    const value = { name: 'Zoë ✷ 名字', list: [{ k: 'ü', n: 1 }], id: rawJson('3534059070281430668') };
    const text = asciiJson(value);
    // eslint-disable-next-line no-control-regex -- the check is exactly "every byte is ASCII", control characters included
    assert.match(text, /^[\x00-\x7f]*$/);
    // eslint-disable-next-line no-loss-of-precision -- JSON.parse rounds the id the same way; the exact digits are checked elsewhere
    assert.deepEqual(JSON.parse(text), { name: 'Zoë ✷ 名字', list: [{ k: 'ü', n: 1 }], id: 3534059070281430668 });
    assert.equal(text.includes('3534059070281430668'), true);
    // reading it keeping numbers and writing it again gives the same bytes
    assert.equal(asciiJson(parseKeepingNumbers(text)), text);
  });

  it('refuses a value that has no JSON form', () => {
    assert.throws(() => asciiJson(undefined), TypeError);
  });

  it('asciiJsonValue keeps its escapes inside a larger JSON.stringify', () => {
    assert.equal(JSON.stringify({ code: 1, desc: asciiJsonValue('成功') }), '{"code":1,"desc":"\\u6210\\u529f"}');
  });
});
