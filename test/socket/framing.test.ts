import assert from 'node:assert/strict';
import { createFrameDecoder, encodeFrame, encodeJsonReply, isSocketFraming, type DecodeResult, type FrameDecoder, type FramingError, type SocketFraming } from '../../src/socket/framing.js';
import { parseJsonObject } from '../../src/socket/jsonPayload.js';

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Pushes every chunk (pulling after each, as the server does), optionally ends, and drains. */
function decodeAll(decoder: FrameDecoder, chunks: Buffer[], end = false): Exclude<DecodeResult, null>[] {
  const out: Exclude<DecodeResult, null>[] = [];
  const drain = () => {
    for (let r = decoder.next(); r !== null; r = decoder.next()) {
      out.push(r);
      if (r.type === 'error') return;
    }
  };
  for (const chunk of chunks) {
    decoder.push(chunk);
    drain();
    if (out.at(-1)?.type === 'error') return out;
  }
  if (end) {
    decoder.end();
    drain();
  }
  return out;
}

function payloads(results: Exclude<DecodeResult, null>[]): string[] {
  return results.map((r) => {
    assert.equal(r.type, 'frame', `expected a frame, got ${JSON.stringify(r)}`);
    return r.type === 'frame' ? r.payload.toString('utf8') : '';
  });
}

function bytewise(buf: Buffer): Buffer[] {
  return [...buf].map((x) => Buffer.from([x]));
}

function errorOf(results: Exclude<DecodeResult, null>[]): FramingError {
  const last = results.at(-1);
  assert.ok(last && last.type === 'error', `expected an error, got ${JSON.stringify(results)}`);
  return last;
}

const dec = (framing: SocketFraming, maxMessageBytes = 1024) => createFrameDecoder(framing, { maxMessageBytes });

describe('socket framing: auto', () => {
  it('ends a message at the closing brace, before any newline', () => {
    const d = dec('auto');
    assert.deepEqual(payloads(decodeAll(d, [b('{"a":1}')])), ['{"a":1}']);
    assert.equal(d.bufferedBytes, 0);
  });

  it('skips the newline after an object and reads the next one', () => {
    assert.deepEqual(payloads(decodeAll(dec('auto'), [b('{"a":1}\r\n{"b":2}\n')])), ['{"a":1}', '{"b":2}']);
  });

  it('splits back-to-back objects with no delimiter', () => {
    assert.deepEqual(payloads(decodeAll(dec('auto'), [b('{"a":1}{"b":{"c":[1,{}]}}')])), ['{"a":1}', '{"b":{"c":[1,{}]}}']);
  });

  it('ignores braces, brackets and escaped quotes inside strings', () => {
    const text = String.raw`{"a":"}","b":"{[","c":"x\"}y","d":"\\","e":"\\\"}"}`;
    assert.doesNotThrow(() => JSON.parse(text));
    const d = dec('auto');
    d.push(b(text + '\n'));
    assert.deepEqual(payloads([d.next()!]), [text]);
    assert.equal(d.next(), null);
  });

  it('assembles a message pushed byte by byte, including split multi-byte UTF-8', () => {
    const text = '{"item":"元宝礼包","note":"}{ \\"充值\\""}';
    const frames = decodeAll(dec('auto'), bytewise(b(text)));
    assert.deepEqual(payloads(frames), [text]);
    const parsed = parseJsonObject(frames[0].type === 'frame' ? frames[0].payload : Buffer.alloc(0));
    assert.ok(parsed.ok);
    assert.equal(parsed.value.item, '元宝礼包');
  });

  it('skips leading whitespace and a BOM split across chunks', () => {
    const chunks = [b(' \r\n\t'), Buffer.from([0xef]), Buffer.from([0xbb, 0xbf]), b('  {"a":1}')];
    assert.deepEqual(payloads(decodeAll(dec('auto'), chunks)), ['{"a":1}']);
  });

  it('ends an unbalanced message at a newline', () => {
    assert.deepEqual(payloads(decodeAll(dec('auto'), [b('{"a":1\n')])), ['{"a":1']);
  });

  it('ends a message at EOF', () => {
    const d = dec('auto');
    assert.deepEqual(decodeAll(d, [b('{"a":')]), []);
    d.end();
    assert.deepEqual(payloads([d.next()!]), ['{"a":']);
    assert.equal(d.next(), null);
  });

  it('returns nothing at EOF when only whitespace arrived', () => {
    assert.deepEqual(decodeAll(dec('auto'), [b(' \n ')], true), []);
  });

  it('refuses a message that does not start with {', () => {
    for (const text of ['[1]', '"x"', 'GET / HTTP/1.1\r\n', '\u0000\u0000\u0000\u0007{"a":1}']) {
      const err = errorOf(decodeAll(dec('auto'), [b(text)]));
      assert.equal(err.code, 'not-json', text);
    }
    assert.match(errorOf(decodeAll(dec('auto'), [Buffer.from([0, 0, 0, 7])])).reason, /0x00/);
  });

  it('refuses a broken BOM', () => {
    assert.equal(errorOf(decodeAll(dec('auto'), [Buffer.from([0xef, 0xbb]), b('{"a":1}')])).code, 'not-json');
  });

  it('accepts a message of exactly maxMessageBytes and refuses one byte more as soon as it arrives', () => {
    assert.deepEqual(payloads(decodeAll(dec('auto', 9), [b('{"a":"x"}')])), ['{"a":"x"}']);
    const d = dec('auto', 9);
    const results = decodeAll(d, [b('{"a":"xy'), b('zw')]);
    const err = errorOf(results);
    assert.equal(err.code, 'too-large');
    assert.equal(err.bytes, 10);
    assert.match(err.reason, /maxMessageBytes \(9\)/);
  });

  it('stays failed and buffers nothing after an error', () => {
    const d = dec('auto', 8);
    decodeAll(d, [b('{"aaaaaaaaaaaa')]);
    d.push(Buffer.alloc(100_000, 0x20));
    assert.equal(d.bufferedBytes, 0);
    assert.equal(d.next()?.type, 'error');
  });

  it('hands back unread bytes with takeBuffered', () => {
    const d = dec('auto');
    decodeAll(d, [b('{"a":1}\n{"b"')]);
    // the newline between the two was skipped as leading whitespace of the second message
    assert.equal(d.takeBuffered().toString(), '{"b"');
    assert.equal(d.bufferedBytes, 0);
  });
});

describe('socket framing: raw and line', () => {
  it('raw keeps newlines inside an object (pretty-printed JSON)', () => {
    const text = '{\n  "a": 1,\n  "b": "}"\n}';
    assert.deepEqual(payloads(decodeAll(dec('raw'), [b(text)])), [text]);
  });

  it('raw ends an unterminated message at EOF', () => {
    assert.deepEqual(payloads(decodeAll(dec('raw'), [b('{"a":1')], true)), ['{"a":1']);
  });

  it('line splits on \\n, drops \\r and skips blank lines', () => {
    const results = decodeAll(dec('line'), [b('\n{"a":1}\r\n\r\n{"b":'), b('2}\n[1]\n')]);
    assert.deepEqual(payloads(results), ['{"a":1}', '{"b":2}', '[1]']);
  });

  it('line accepts an unterminated last line at EOF', () => {
    assert.deepEqual(payloads(decodeAll(dec('line'), [b('{"a":1}')], true)), ['{"a":1}']);
  });

  it('line refuses a line longer than maxMessageBytes before its newline arrives', () => {
    assert.equal(errorOf(decodeAll(dec('line', 16), [b('{"a":"0123456789abcdef')])).code, 'too-large');
  });
});

function len32(body: Buffer, order: 'be' | 'le', announced = body.length): Buffer {
  const h = Buffer.alloc(4);
  if (order === 'be') h.writeUInt32BE(announced);
  else h.writeUInt32LE(announced);
  return Buffer.concat([h, body]);
}

function tmsk6(body: Buffer, cmdId: number, lengthField = body.length + 2): Buffer {
  const h = Buffer.alloc(6);
  h.writeInt32LE(lengthField, 0);
  h.writeUInt16LE(cmdId, 4);
  return Buffer.concat([h, body]);
}

describe('socket framing: length-prefixed', () => {
  const body = b('{"item":"元宝","n":1}');

  it('len32be decodes frames split byte by byte and frames back to back', () => {
    const stream = Buffer.concat([len32(body, 'be'), len32(b('{}'), 'be')]);
    assert.deepEqual(payloads(decodeAll(dec('len32be'), bytewise(stream))), [body.toString(), '{}']);
    assert.deepEqual(payloads(decodeAll(dec('len32be'), [stream])), [body.toString(), '{}']);
  });

  it('len32le decodes little-endian lengths', () => {
    assert.deepEqual(payloads(decodeAll(dec('len32le'), [len32(body, 'le')])), [body.toString()]);
  });

  it('refuses an oversized announced length from the header alone', () => {
    for (const framing of ['len32be', 'len32le'] as const) {
      const err = errorOf(decodeAll(dec(framing, 100), [len32(Buffer.alloc(0), framing === 'len32be' ? 'be' : 'le', 1_000_000)]));
      assert.equal(err.code, 'too-large');
      assert.equal(err.bytes, 1_000_000);
    }
    assert.equal(errorOf(decodeAll(dec('tmsk6', 100), [tmsk6(Buffer.alloc(0), 1, 103)])).code, 'too-large');
    assert.deepEqual(payloads(decodeAll(dec('tmsk6', 2), [tmsk6(b('{}'), 1)])), ['{}']);
  });

  it('reports a frame cut short by EOF', () => {
    const err = errorOf(decodeAll(dec('len32be'), [len32(body, 'be').subarray(0, 10)], true));
    assert.equal(err.code, 'truncated');
    assert.equal(errorOf(decodeAll(dec('len32be'), [Buffer.from([0, 0])], true)).code, 'truncated');
    assert.deepEqual(decodeAll(dec('len32be'), [], true), []);
  });

  it('yields an empty payload for a zero length', () => {
    assert.deepEqual(payloads(decodeAll(dec('len32be'), [len32(Buffer.alloc(0), 'be')])), ['']);
  });

  it('tmsk6 reads the command id and the length that counts it', () => {
    const results = decodeAll(dec('tmsk6'), bytewise(tmsk6(body, 0x1234)));
    assert.equal(results.length, 1);
    const frame = results[0];
    assert.ok(frame.type === 'frame');
    assert.equal(frame.cmdId, 0x1234);
    assert.deepEqual(frame.payload, body);
  });

  it('tmsk6 refuses a length field below 2', () => {
    for (const field of [1, 0, -5]) {
      assert.equal(errorOf(decodeAll(dec('tmsk6'), [tmsk6(Buffer.alloc(0), 1, field)])).code, 'bad-header', String(field));
    }
  });

  it('takeBuffered includes a header already read', () => {
    const d = dec('len32be');
    decodeAll(d, [len32(body, 'be').subarray(0, 7)]);
    assert.equal(d.bufferedBytes, 7);
    assert.deepEqual(d.takeBuffered(), len32(body, 'be').subarray(0, 7));
  });
});

describe('socket framing: encoders', () => {
  const payload = b('{"code":0,"msg":"成功"}');

  it('frames each mode exactly', () => {
    assert.deepEqual(encodeFrame('auto', payload), Buffer.concat([payload, b('\n')]));
    assert.deepEqual(encodeFrame('line', payload), Buffer.concat([payload, b('\n')]));
    assert.deepEqual(encodeFrame('raw', payload), payload);
    assert.deepEqual(encodeFrame('len32be', payload), len32(payload, 'be'));
    assert.deepEqual(encodeFrame('len32le', payload), len32(payload, 'le'));
    assert.deepEqual(encodeFrame('tmsk6', payload, 7), tmsk6(payload, 7));
  });

  it('round-trips through the decoders', () => {
    for (const framing of ['auto', 'line', 'raw', 'len32be', 'len32le', 'tmsk6'] as const) {
      const frame = encodeFrame(framing, payload, 3);
      assert.deepEqual(payloads(decodeAll(dec(framing), bytewise(frame), true)), [payload.toString()], framing);
    }
  });

  it('tmsk6 needs a uint16 cmdId', () => {
    assert.throws(() => encodeFrame('tmsk6', payload), RangeError);
    assert.throws(() => encodeFrame('tmsk6', payload, 70_000), RangeError);
  });

  it('encodeJsonReply refuses values without a JSON form', () => {
    assert.deepEqual(encodeJsonReply('raw', { a: '元' }), b('{"a":"元"}'));
    assert.throws(() => encodeJsonReply('raw', undefined), TypeError);
    assert.throws(() => encodeJsonReply('raw', { n: 1n }), TypeError);
  });

  it('isSocketFraming', () => {
    assert.ok(isSocketFraming('tmsk6'));
    assert.ok(!isSocketFraming('len16'));
    assert.ok(!isSocketFraming(undefined));
  });
});

describe('socket framing: parseJsonObject', () => {
  it('parses an object and keeps its exact text', () => {
    const parsed = parseJsonObject(b('{"amount":600,"item":"元宝"}'));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, { amount: 600, item: '元宝' });
    assert.equal(parsed.text, '{"amount":600,"item":"元宝"}');
  });

  it('drops a BOM', () => {
    const parsed = parseJsonObject(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b('{"a":1}')]));
    assert.ok(parsed.ok);
    assert.equal(parsed.text, '{"a":1}');
  });

  it('refuses non-objects, bad UTF-8 and empty input with a reason', () => {
    const reason = (buf: Buffer) => {
      const r = parseJsonObject(buf);
      assert.ok(!r.ok);
      return r.reason;
    };
    assert.match(reason(b('[1]')), /array/);
    assert.match(reason(b('"x"')), /string/);
    assert.match(reason(b('null')), /null/);
    assert.match(reason(b('12')), /number/);
    assert.match(reason(Buffer.from([0x7b, 0xff, 0x7d])), /UTF-8/);
    assert.match(reason(b('  ')), /empty/);
  });

  it('never quotes the payload in the reason', () => {
    const r = parseJsonObject(b('{"sign":"SECRET-abc123", oops}'));
    assert.ok(!r.ok);
    assert.match(r.reason, /^invalid JSON/);
    assert.doesNotMatch(r.reason, /SECRET|oops|sign/);
  });
});
