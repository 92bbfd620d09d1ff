/**
 * A signed JSON object, parsed keeping what the signature is computed over. The recharge platform signs
 * the TEXT of each value as it sent it: a JSON number `499` is signed as "499", `6.00` as "6.00", and a
 * 19-digit role id with every digit, while JSON.parse turns them into doubles (6, rounded ids). Each
 * top-level number's literal is kept beside the parsed object.
 */
import { MAX_JSON_DEPTH, tooDeepField } from './depth.js';
import { isUnsafeIntegerLiteral, parseWithSource, rawJson } from './exactNumbers.js';
import { decodeUtf8, jsonSyntaxReason, notAnObjectReason, parseJsonObjectText } from './objectParse.js';

export interface SourcedObject {
  /** The parsed object. Integers beyond 2^53 are kept as their digit strings, so ids are never rounded. */
  readonly value: Record<string, unknown>;
  /** The literal text of each top-level number, by key. */
  readonly numberText: Readonly<Record<string, string>>;
}

export type SourcedParse = { ok: true; object: SourcedObject } | { ok: false; reason: string };

/** Decodes strict UTF-8 (a leading BOM dropped) and parses a JSON object; the reason never quotes the payload. */
export function parseSourcedBytes(bytes: Uint8Array): SourcedParse {
  const text = decodeUtf8(bytes);
  return text === undefined ? { ok: false, reason: 'body is not valid UTF-8' } : parseSourced(text);
}

export function parseSourced(text: string): SourcedParse {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { ok: false, reason: 'empty body' };
  const deep = tooDeepField(text);
  if (deep !== undefined) return { ok: false, reason: `${deep === '' ? 'the body' : `field ${deep}`} is nested deeper than ${MAX_JSON_DEPTH} levels` };
  // almost every callback has only plain integer literals, whose text String(n) gives back: native
  // JSON.parse alone then, the reviver (a JS call per value, 3-4x slower) only when a literal needs it
  if (onlyPlainIntegers(text)) {
    const plain = parseJsonObjectText(text);
    if (!plain.ok) return plain;
    if (textsAreExact(plain.value)) return { ok: true, object: { value: plain.value, numberText: {} } };
  }
  const literals = new Map<object, Record<string, string>>();
  let value: unknown;
  try {
    value = parseWithSource(text, function (key, value, context) {
      if (typeof value !== 'number') return value;
      const source = context.source ?? String(value);
      const holder = this as object;
      let texts = literals.get(holder);
      if (!texts) literals.set(holder, (texts = {}));
      texts[key] = source;
      return isUnsafeIntegerLiteral(value, source) ? source : value;
    });
  } catch (error) {
    return { ok: false, reason: jsonSyntaxReason(error) };
  }
  const notObject = notAnObjectReason(value);
  if (notObject) return { ok: false, reason: notObject };
  return { ok: true, object: { value: value as Record<string, unknown>, numberText: literals.get(value as object) ?? {} } };
}

/**
 * False when some number literal outside a string has a fraction or an exponent (a `.`, `e` or `E` right
 * after a digit): its text may differ from what String(n) writes (`6.00`, `1e3`). `true`/`false` never
 * trip it (their `e` follows a letter).
 */
function onlyPlainIntegers(text: string): boolean {
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x22) break;
        if (d === 0x5c /* \ */) i++;
      }
    } else if (c === 0x2e /* . */ || c === 0x65 /* e */ || c === 0x45 /* E */) {
      const before = text.charCodeAt(i - 1);
      if (before >= 0x30 && before <= 0x39) return false;
    }
  }
  return true;
}

/**
 * Whether each top-level number is one String(n) writes as its literal (a safe integer, not -0, whose
 * literal String() writes as 0), and no integer anywhere is beyond 2^53 (the reviver keeps their digits).
 */
function textsAreExact(obj: Record<string, unknown>): boolean {
  for (const key in obj) {
    const v = obj[key];
    if (typeof v === 'number' ? !Number.isSafeInteger(v) || Object.is(v, -0) : !integersSafe(v)) return false;
  }
  return true;
}

function integersSafe(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value);
  if (value === null || typeof value !== 'object') return true;
  return Object.values(value).every(integersSafe);
}

/** Wraps an already parsed object whose number literals are unknown (their text is then `String(n)`). */
export function sourcedFromValue(value: Record<string, unknown>): SourcedObject {
  return { value, numberText: {} };
}

/**
 * The text a signer saw for one field: a string as is, a number as its literal. Undefined for anything
 * else (absent, null, boolean, object), which the payload schema reports as missing or mistyped.
 */
export function fieldText(obj: SourcedObject, key: string): string | undefined {
  const v = obj.value[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return obj.numberText[key] ?? String(v);
  return undefined;
}

/**
 * A field's value for an echo that must read exactly as received: numbers are re-emitted from their
 * literal (`6.00` stays `6.00`, long ids keep their digits).
 */
export function echoValue(obj: SourcedObject, key: string): unknown {
  const literal = obj.numberText[key];
  if (literal !== undefined) return rawJson(literal);
  return obj.value[key];
}

/** The whole object for an exact echo, field order kept. */
export function echoObject(obj: SourcedObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj.value)) out[key] = echoValue(obj, key);
  return out;
}
