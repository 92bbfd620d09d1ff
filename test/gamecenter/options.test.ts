import assert from 'node:assert/strict';
import { z } from 'zod';
import { gameCenterOptionsSchema, parseGameCenterOptions } from '../../src/platforms/gamecenter/options.js';

const base = { appId: 'app-1', secret: 's' };

describe('gamecenter options', () => {
  it('fills every default', () => {
    assert.deepEqual(parseGameCenterOptions({ ...base, baseUrl: 'test' }), {
      ...base,
      baseUrl: 'https://t-api.amusgame.net',
      timeoutMs: 5000,
      retries: 2,
      retryBackoffMs: 200,
      allowInsecureHttp: false,
      maxResponseBytes: 1024 * 1024,
      sign: {
        encodeValues: 'none',
        includeKeys: true,
        separator: '&',
        secretPlacement: 'append',
        hash: 'sha256',
        hexCase: 'lower',
        skipEmpty: true,
        excludeKeys: ['signature'],
      },
    });
  });

  it('resolves the named hosts and accepts any http(s) URL, without a trailing slash', () => {
    assert.equal(parseGameCenterOptions({ ...base, baseUrl: 'production' }).baseUrl, 'https://api.amusgame.net');
    assert.equal(parseGameCenterOptions({ ...base, baseUrl: 'http://127.0.0.1:8080/' }).baseUrl, 'http://127.0.0.1:8080');
    assert.equal(parseGameCenterOptions({ ...base, baseUrl: 'https://proxy.example/gc' }).baseUrl, 'https://proxy.example/gc');
  });

  it('keeps sign defaults for fields that a partial override leaves out', () => {
    const sign = parseGameCenterOptions({ ...base, baseUrl: 'test', sign: { hash: 'md5', hexCase: 'upper' } }).sign;
    assert.equal(sign.hash, 'md5');
    assert.equal(sign.hexCase, 'upper');
    assert.equal(sign.secretPlacement, 'append');
    assert.deepEqual(sign.excludeKeys, ['signature']);
  });

  it('rejects bad values', () => {
    const bad: unknown[] = [
      { ...base },
      { ...base, baseUrl: 'staging' },
      { ...base, baseUrl: 'ftp://api.amusgame.net' },
      { ...base, baseUrl: 'api.amusgame.net' },
      { ...base, baseUrl: 'https://api.amusgame.net/?x=1' },
      { baseUrl: 'test', secret: 's' },
      { baseUrl: 'test', appId: 'a' },
      { ...base, baseUrl: 'test', appId: '' },
      { ...base, baseUrl: 'test', timeoutMs: 0 },
      { ...base, baseUrl: 'test', timeoutMs: 1.5 },
      { ...base, baseUrl: 'test', retries: -1 },
      { ...base, baseUrl: 'test', retryBackoffMs: -1 },
      { ...base, baseUrl: 'test', sign: { hash: 'sha1' } },
      { ...base, baseUrl: 'test', sign: { encodeValues: 'base64' } },
      { ...base, baseUrl: 'test', sign: { secretPlacement: 'middle' } },
      { ...base, baseUrl: 'test', sign: { hexCase: 'mixed' } },
      { ...base, baseUrl: 'test', sign: { excludeKeys: 'signature' } },
    ];
    for (const input of bad) assert.equal(gameCenterOptionsSchema.safeParse(input).success, false, JSON.stringify(input));
  });

  it('describes every field, sign fields included (the README reference is generated from these)', () => {
    const json = z.toJSONSchema(gameCenterOptionsSchema, { io: 'input', unrepresentable: 'any' }) as {
      properties: Record<string, { description?: string; properties?: Record<string, { description?: string }> }>;
    };
    const names = Object.keys(json.properties);
    assert.deepEqual(names.sort(), ['allowInsecureHttp', 'appId', 'baseUrl', 'maxResponseBytes', 'retries', 'retryBackoffMs', 'secret', 'sign', 'timeoutMs']);
    for (const name of names) assert.ok(json.properties[name].description, `${name} has no description`);
    const signProps = json.properties.sign.properties ?? {};
    assert.equal(Object.keys(signProps).length, 8);
    for (const [name, prop] of Object.entries(signProps)) assert.ok(prop.description, `sign.${name} has no description`);
  });
});
