/**
 * Request signing for the GameCenter server API: every request carries `appId`, `timestamp` (ms), `nonce` and
 * a `signature` over all parameters. Values are turned into the exact strings that go on the wire before
 * they are signed, so the server, after form-decoding, hashes the same text we did.
 */
import { randomInt } from 'node:crypto';
import { canonicalSorted, hashHex, hmacHex } from '../../signing.js';
import type { GameCenterSignOptions } from './options.js';

export type FormValue = string | number | boolean | null | undefined;
export type FormParams = Readonly<Record<string, FormValue>>;

/** Parameters the signer owns; a caller-supplied value for one of them would be silently replaced otherwise. */
export const RESERVED_PARAMS: readonly string[] = ['appId', 'timestamp', 'nonce', 'signature'];

/** The text that is hashed, secret included (exported for diagnostics and tests; never log it). */
export function stringToSign(params: FormParams, secret: string, sign: GameCenterSignOptions): string {
  const canonical = canonicalSorted(params, {
    excludeKeys: sign.excludeKeys,
    skipEmpty: sign.skipEmpty,
    includeKeys: sign.includeKeys,
    separator: sign.separator,
    encodeValues: sign.encodeValues,
  });
  switch (sign.secretPlacement) {
    case 'append':
      return canonical + secret;
    case 'append&key=':
      return `${canonical}&key=${secret}`;
    case 'prepend':
      return secret + canonical;
    case 'hmacKey':
      return canonical;
  }
}

/** The signature of `params` under the given variant, as hex in the configured case. */
export function signParams(params: FormParams, secret: string, sign: GameCenterSignOptions): string {
  const data = stringToSign(params, secret, sign);
  let hex: string;
  if (sign.hash === 'hmac-sha256') hex = hmacHex('sha256', secret, data);
  else if (sign.secretPlacement === 'hmacKey') hex = hmacHex(sign.hash, secret, data);
  else hex = hashHex(sign.hash, data);
  return sign.hexCase === 'upper' ? hex.toUpperCase() : hex.toLowerCase();
}

export interface NonceSource {
  /** A positive 31-bit integer different from the one returned by the previous call. */
  next(): number;
}

export const MAX_NONCE = 2 ** 31 - 1;

/**
 * The platform only asks that a nonce differ from the previous request's. A random value makes that almost
 * always true by itself; remembering the last one makes it always true. A random source that keeps
 * repeating (a fixed one in a test) is stepped past instead of looped on.
 */
export function createNonceSource(random: () => number = () => randomInt(1, MAX_NONCE + 1)): NonceSource {
  let previous = 0;
  return {
    next() {
      let candidate = random();
      if (!Number.isSafeInteger(candidate) || candidate < 1 || candidate > MAX_NONCE) {
        throw new RangeError(`nonce source produced ${candidate}, expected an integer in 1..${MAX_NONCE}`);
      }
      if (candidate === previous) candidate = (candidate % MAX_NONCE) + 1;
      previous = candidate;
      return candidate;
    },
  };
}

/**
 * The complete form for one attempt: caller parameters as strings (empty ones dropped when the variant does
 * not sign them), then `appId`, `timestamp` = `nowMs`, a fresh `nonce` and the `signature` over all of it.
 */
export function buildSignedForm(appId: string, secret: string, params: FormParams, sign: GameCenterSignOptions, nowMs: number, nonceSource: NonceSource): Record<string, string> {
  const form: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (RESERVED_PARAMS.includes(key)) throw new TypeError(`parameter "${key}" is set by the signer`);
    if (value === undefined || value === null) continue;
    const text = String(value);
    // Sending a value the signature skipped would make the server hash a different string than we did.
    if (text === '' && sign.skipEmpty) continue;
    form[key] = text;
  }
  form.appId = appId;
  form.timestamp = String(Math.trunc(nowMs));
  form.nonce = String(nonceSource.next());
  form.signature = signParams(form, secret, sign);
  return form;
}
