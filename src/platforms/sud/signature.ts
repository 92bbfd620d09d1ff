/**
 * SUD's callback signature: `Sud-Signature` = lowercase hex HMAC-SHA1(app secret,
 * appId\n timestamp\n nonce\n rawBody\n), where each value is the header as received and the body is the
 * exact bytes received (never re-serialised JSON, which would change spacing and key order).
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../../signing.js';
import { SUD_RET } from './codes.js';

export interface SudHeaders {
  appId: string;
  timestamp: string;
  nonce: string;
  signature: string;
}

export interface VerifyConfig {
  appId: string;
  /** The current secret first, then the one being rotated out. */
  secrets: readonly string[];
  maxSkewSec: number;
  /**
   * Refuse a signed notification whose timestamp is older than this (ms), even with the skew check off:
   * past it, its dedupe record may be gone and a captured copy would run the handler again. 0: no check.
   */
  maxAgeMs?: number;
  now: number;
}

export type VerifyResult = { ok: true; headers: SudHeaders } | { ok: false; code: number; reason: string };

export function sudSignature(secret: string, appId: string, timestamp: string, nonce: string, rawBody: Buffer): string {
  return createHmac('sha1', secret).update(`${appId}\n${timestamp}\n${nonce}\n`).update(rawBody).update('\n').digest('hex');
}

export function readSudHeaders(headers: Headers): SudHeaders | { missing: string[] } {
  const appId = headers.get('sud-appid');
  const timestamp = headers.get('sud-timestamp');
  const nonce = headers.get('sud-nonce');
  const signature = headers.get('sud-signature');
  if (appId && timestamp && nonce && signature) return { appId, timestamp, nonce, signature };
  const values: Record<keyof SudHeaders, string | null> = { appId, timestamp, nonce, signature };
  return { missing: (Object.keys(values) as Array<keyof SudHeaders>).filter((k) => !values[k]).map((k) => HEADER_NAMES[k]) };
}

const HEADER_NAMES: Record<keyof SudHeaders, string> = {
  appId: 'Sud-AppId',
  timestamp: 'Sud-Timestamp',
  nonce: 'Sud-Nonce',
  signature: 'Sud-Signature',
};

export function verifySudRequest(headers: Headers, rawBody: Buffer, config: VerifyConfig): VerifyResult {
  const h = readSudHeaders(headers);
  if ('missing' in h) return { ok: false, code: SUD_RET.badSignature, reason: `missing header ${h.missing.join(', ')}` };
  if (h.appId !== config.appId) return { ok: false, code: SUD_RET.wrongAppId, reason: `Sud-AppId ${JSON.stringify(h.appId.slice(0, 64))} is not the configured appId` };
  // read once for both checks below
  const at = config.maxSkewSec > 0 || config.maxAgeMs ? timestampMs(h.timestamp) : undefined;
  if (config.maxSkewSec > 0) {
    if (at === undefined) return { ok: false, code: SUD_RET.staleTimestamp, reason: 'Sud-Timestamp is not a number' };
    const skew = Math.abs(config.now - at) / 1000;
    if (skew > config.maxSkewSec) return { ok: false, code: SUD_RET.staleTimestamp, reason: `Sud-Timestamp is ${Math.round(skew)} s from our clock (limit ${config.maxSkewSec} s)` };
  }
  // every secret is tried, even after a match, so timing does not reveal which one signed
  let matched = false;
  for (const secret of config.secrets) {
    if (safeEqual(h.signature, sudSignature(secret, h.appId, h.timestamp, h.nonce, rawBody), true)) matched = true;
  }
  if (!matched) return { ok: false, code: SUD_RET.badSignature, reason: 'Sud-Signature does not match (check appSecret)' };
  if (config.maxAgeMs) {
    if (at === undefined) return { ok: false, code: SUD_RET.staleTimestamp, reason: 'Sud-Timestamp is not a number' };
    const age = config.now - at;
    if (age > config.maxAgeMs) {
      const days = Math.round((age / 86_400_000) * 10) / 10;
      return { ok: false, code: SUD_RET.staleTimestamp, reason: `Sud-Timestamp is ${days} days old, past the dedupe retention (a replay of an expired notification)` };
    }
  }
  return { ok: true, headers: h };
}

/** SUD's examples carry 10-digit (seconds) and longer (milliseconds) timestamps: read both. */
export function timestampMs(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,16}$/.test(t)) return undefined;
  const n = Number(t);
  return t.length <= 10 ? n * 1000 : n;
}
