import assert from 'node:assert/strict';
import { decodeUtf8, jsonSyntaxReason, notAnObjectReason, parseJsonObjectText, parseJsonOr } from '../../src/json/objectParse.js';
import { parseSourced, parseSourcedBytes } from '../../src/json/sourcedObject.js';

describe('json/objectParse', () => {
  it('decodes strict UTF-8, drops a BOM, refuses invalid bytes', () => {
    assert.equal(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), '{}');
    assert.equal(decodeUtf8(Buffer.from('名', 'utf8')), '名');
    assert.equal(decodeUtf8(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), undefined);
    assert.equal(decodeUtf8(Buffer.from([0xe5, 0x90])), undefined); // a character cut short
  });

  it('a syntax reason names the position, never the text', () => {
    let error: unknown;
    try {
      JSON.parse('{"secret-sign":"ABCDEF",}');
    } catch (e) {
      error = e;
    }
    const reason = jsonSyntaxReason(error);
    assert.match(reason, /^invalid JSON at position \d+$/);
    assert.equal(jsonSyntaxReason('not an error'), 'invalid JSON');
  });

  it('names what a non-object is', () => {
    assert.equal(notAnObjectReason({}), undefined);
    assert.equal(notAnObjectReason([]), 'JSON value is an array, not an object');
    assert.equal(notAnObjectReason(null), 'JSON value is null, not an object');
    assert.equal(notAnObjectReason(3), 'JSON value is a number, not an object');
  });

  it('parses one object, nested values included, and refuses the rest by reason', () => {
    assert.deepEqual(parseJsonObjectText('{"a":{"b":[1,{"c":null}]}}'), { ok: true, value: { a: { b: [1, { c: null }] } } });
    assert.deepEqual(parseJsonObjectText('"x"'), { ok: false, reason: 'JSON value is a string, not an object' });
    const bad = parseJsonObjectText('{"a":1');
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.reason, /^invalid JSON/);
  });

  it('parseJsonOr gives the fallback for text that is not JSON', () => {
    assert.deepEqual(parseJsonOr('{"a":1}', 'raw'), { a: 1 });
    assert.equal(parseJsonOr('not json', 'not json'), 'not json');
    assert.equal(parseJsonOr('', undefined), undefined);
  });

  it('the signed-object parse reports each refusal by its reason', () => {
    assert.deepEqual(parseSourcedBytes(Buffer.from([0xff])), { ok: false, reason: 'body is not valid UTF-8' });
    assert.deepEqual(parseSourced('  '), { ok: false, reason: 'empty body' });
    assert.deepEqual(parseSourced('[1]'), { ok: false, reason: 'JSON value is an array, not an object' });
    const deep = parseSourced(`{"x":${'['.repeat(40)}${']'.repeat(40)}}`);
    assert.deepEqual(deep, { ok: false, reason: 'field x is nested deeper than 32 levels' });
    const bad = parseSourced('{"Sign":"ABC" "x":1}');
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.ok(!bad.reason.includes('ABC'), bad.reason);
  });
});
