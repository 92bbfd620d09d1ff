/**
 * JSON in ASCII. The recharge document (`002_…`) shows non-ASCII text escaped, `"desc":"\u6210\u529f"` and
 * role names as `"\u5965\u52d2…"`, the way .NET's serialisers write it: the bytes are then the same whatever
 * charset the reader assumes. ASCII ends at U+007F, so DEL (0x7f) is written as itself, like every other
 * ASCII character JSON does not require to be escaped; U+0080 and above become `\uXXXX` (lowercase hex, as
 * in the examples; a character beyond U+FFFF as its two surrogate escapes).
 */
import { rawJson, type RawJson } from './exactNumbers.js';

const NON_ASCII = /[\u0080-\uffff]/g;

const escape = (c: string): string => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/** JSON.stringify (raw numbers included), with every non-ASCII character escaped. */
export function asciiJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('value is not representable as JSON');
  return text.replace(NON_ASCII, escape);
}

/** A value to place inside a larger object that JSON.stringify writes: its text is {@link asciiJson}'s. */
export function asciiJsonValue(value: string | number | boolean | null): RawJson {
  return rawJson(asciiJson(value));
}
