/**
 * The signed-object parse keeps each top-level number's literal (the sign is computed over the text the
 * platform sent); these pin it to an independent reading of the literals, on the awkward inputs.
 */
import assert from 'node:assert/strict';
import { echoObject, fieldText, parseSourced } from '../../src/json/sourcedObject.js';
import { parseBigSafe } from '../../src/json/exactNumbers.js';

function viaReviver(text: string): Record<string, string> {
  const top: Record<string, string> = {};
  const root = JSON.parse(text, function (this: unknown, key: string, value: unknown, ctx?: { source?: string }) {
    if (typeof value === 'number' && ctx?.source) (this as Record<symbol, Record<string, string>>)[Symbol.for('t')] ??= {};
    if (typeof value === 'number' && ctx?.source) (this as Record<symbol, Record<string, string>>)[Symbol.for('t')]![key] = ctx.source;
    return value;
  } as never) as Record<symbol, Record<string, string>>;
  Object.assign(top, root[Symbol.for('t')] ?? {});
  return top;
}

const cases: Array<[string, string]> = [
  ['the spec example shape', '{"Amount":499,"BudanFlag":0,"ZoneID":"4","Time":1676332979,"cc":"20A3"}'],
  ['decimals and exponents kept as written', '{"amount":1000.00,"a":-0.5,"b":1e3,"c":2E-2,"d":-0}'],
  ['nested numbers are not top-level', '{"x":{"Amount":1,"y":[2,3]},"Amount":6.00,"z":[{"Time":9}],"Time":12}'],
  ['numbers and quotes inside strings', '{"s":"\\"Amount\\":5, {\\"x\\":1}","Amount":7,"t":"a\\\\","Time":8}'],
  ['an escaped key', '{"Am\\u006fount":499,"k\\"q":3}'],
  ['whitespace everywhere', ' \n{ "Amount" : 12 ,\t"Time":\r\n 3 } '],
  ['duplicate keys: the last wins', '{"Amount":1,"Amount":2.50}'],
  ['a 19-digit top-level id', '{"RoleID":3534059070281430668,"n":1}'],
  // only integer literals: the native parse alone, which must read the same
  ['a top-level -0 among integers', '{"d":-0,"n":5}'],
  ['digits before E and . inside strings only', '{"Sign":"3E4A9C","v":"1.5","w":"2e","Amount":5}'],
  ['true and false beside integers', '{"a":true,"b":false,"Amount":3,"c":null}'],
  ['a nested id beyond 2^53 among integers', '{"x":[{"id":3534059070281430668}],"Amount":1}'],
  ['an escaped quote before a number-like tail', '{"s":"x\\"","t":"1.","Amount":10}'],
];

describe('recharge JSON number literals', () => {
  for (const [what, text] of cases) {
    it(`keeps the literals an independent reviver reads: ${what}`, () => {
      const parsed = parseSourced(text);
      assert.ok(parsed.ok);
      for (const [key, literal] of Object.entries(viaReviver(text))) assert.equal(fieldText(parsed.object, key), literal, key);
      assert.deepEqual(parsed.object.value, parseBigSafe(text));
      // an exact echo writes every top-level number as it arrived
      const echoed = JSON.stringify(echoObject(parsed.object));
      for (const [key, literal] of Object.entries(viaReviver(text))) assert.ok(echoed.includes(`${JSON.stringify(key)}:${literal}`), `${key} in ${echoed}`);
    });
  }

  it('keeps a top-level integer beyond 2^53 exact, as its digits', () => {
    const parsed = parseSourced('{"RoleID":3534059070281430668,"Amount":999}');
    assert.ok(parsed.ok);
    assert.equal(parsed.object.value.RoleID, '3534059070281430668');
    assert.equal(fieldText(parsed.object, 'RoleID'), '3534059070281430668');
    assert.equal(parsed.object.value.Amount, 999);
  });

  it('keeps a nested integer beyond 2^53 exact too', () => {
    const parsed = parseSourced('{"x":{"id":3534059070281430668},"Amount":1}');
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.object.value.x, { id: '3534059070281430668' });
    assert.equal(fieldText(parsed.object, 'Amount'), '1');
  });

  it('still refuses what is not a JSON object, without quoting it', () => {
    for (const bad of ['[1,2]', '"x"', '{"a":', '{"a":1,}', 'null']) {
      const r = parseSourced(bad);
      assert.equal(r.ok, false, bad);
      if (!r.ok) assert.ok(!r.reason.includes('"a"'), r.reason);
    }
  });
});
