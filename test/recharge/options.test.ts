import assert from 'node:assert/strict';
import { z } from 'zod';
import { parseRechargeOptions, rechargeOptionsSchema, rechargeSocketPort, type RechargeOptionsInput } from '../../src/platforms/recharge/index.js';
import { parseSourced } from '../../src/json/sourcedObject.js';

describe('recharge options', () => {
  it('fills the documented defaults', () => {
    const o = parseRechargeOptions({ key: 'k' });
    assert.equal(o.httpPath, '/platform/recharge');
    assert.equal(o.dedupeField, 'cporder_no');
    assert.equal(o.duplicateCode, 'auto');
    assert.equal(o.maxClockSkewSec, 0);
    assert.equal(o.giftKey, undefined);
    assert.deepEqual(o.socket, {
      enabled: true,
      host: '0.0.0.0',
      port: 7010,
      framing: 'auto',
      maxMessageBytes: 16 * 1024,
      idleTimeoutMs: 10_000,
      maxConnections: 256,
      maxConnectionsPerIp: 64,
      keepAlive: false,
    });
  });

  it("refuses dedupeField 'Id' (not signed) and a bad idPattern, naming why", () => {
    assert.throws(() => parseRechargeOptions({ key: 'k', dedupeField: 'Id' } as unknown as RechargeOptionsInput), /'Id' is not covered by the recharge sign/);
    assert.throws(() => parseRechargeOptions({ key: 'k', idPattern: '([' }), /idPattern[\s\S]*valid regular expression|valid regular expression/);
    assert.equal(parseRechargeOptions({ key: 'k', dedupeField: 'order_no' }).dedupeField, 'order_no');
  });

  it('describes every option', () => {
    const undescribed: string[] = [];
    const walk = (shape: Record<string, z.ZodType>, base: string) => {
      for (const [name, field] of Object.entries(shape)) {
        if (!field.description) undescribed.push(base + name);
        const inner = (field as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType;
        const nested = (field as { shape?: Record<string, z.ZodType> }).shape ?? (inner as { shape?: Record<string, z.ZodType> } | undefined)?.shape;
        if (nested) walk(nested, `${base}${name}.`);
      }
    };
    walk(rechargeOptionsSchema.shape, '');
    assert.deepEqual(undescribed, []);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['no key', {}, /key/],
    ['a gift key without a handler', { key: 'k', giftKey: 'g' }, /giftHandler.*required when giftKey is set|required when giftKey is set/],
    ['an unknown option', { key: 'k', dedupe: 'Id' }, /dedupe/],
    ['an unknown dedupe field', { key: 'k', dedupeField: 'orderId' }, /dedupeField/],
    ['a duplicate code the platform does not know', { key: 'k', duplicateCode: -2 }, /duplicateCode/],
    ['a zone that is not a number', { key: 'k', zones: ['east'] }, /zone id/],
    ['an unknown framing', { key: 'k', socket: { framing: 'xml' } }, /framing/],
    ['a bad allow-list entry', { key: 'k', ipAllowList: ['10.0.0.0/99'] }, /IP address or CIDR/],
    ['a bad env var name', { key: 'k', socket: { portOffsetFromEnv: 'NODE APP' } }, /environment variable name/],
  ];
  for (const [what, input, message] of bad) {
    it(`rejects ${what}, naming the field`, () => {
      assert.throws(() => parseRechargeOptions(input as RechargeOptionsInput), message);
    });
  }

  it('reads zones given as numbers or strings as one zone', () => {
    assert.deepEqual(parseRechargeOptions({ key: 'k', zones: [4, '050222'] }).zones, ['4', '50222']);
  });
});

describe('recharge socket port offset (pm2 fork mode)', () => {
  const socket = parseRechargeOptions({ key: 'k', socket: { port: 7010, portOffsetFromEnv: 'NODE_APP_INSTANCE' } }).socket;

  it('adds the integer in the variable', () => {
    assert.deepEqual(rechargeSocketPort(socket, { NODE_APP_INSTANCE: '3' }), { ok: true, port: 7013, offset: 3 });
  });

  it('uses the port as is when the variable is unset or no variable is named', () => {
    assert.deepEqual(rechargeSocketPort(socket, {}), { ok: true, port: 7010, offset: 0 });
    assert.deepEqual(rechargeSocketPort({ ...socket, portOffsetFromEnv: undefined }, { NODE_APP_INSTANCE: '3' }), { ok: true, port: 7010, offset: 0 });
  });

  it('refuses a value that is not a non-negative integer, or a port beyond 65535', () => {
    const r = rechargeSocketPort(socket, { NODE_APP_INSTANCE: 'two' });
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', /NODE_APP_INSTANCE="two" is not a non-negative integer/);
    assert.equal(rechargeSocketPort({ ...socket, port: 65_535 }, { NODE_APP_INSTANCE: '1' }).ok, false);
  });
});

describe('recharge JSON reading', () => {
  it('keeps the literal text of numbers and every digit of long ids', () => {
    const r = parseSourced('\ufeff{"Amount":6.00,"RoleID":3534059070281430668,"Time":1676332979,"n":{"x":1.50}}');
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual(r.object.numberText, { Amount: '6.00', RoleID: '3534059070281430668', Time: '1676332979' });
    assert.equal(r.object.value.Amount, 6);
    assert.equal(r.object.value.RoleID, '3534059070281430668');
  });

  it('refuses non-objects and never quotes the payload in the reason', () => {
    assert.deepEqual(parseSourced('[1]'), { ok: false, reason: 'JSON value is an array, not an object' });
    assert.deepEqual(parseSourced('  '), { ok: false, reason: 'empty body' });
    const r = parseSourced('{"secret-looking":x}');
    assert.ok(!r.ok && !r.reason.includes('secret'));
  });
});
