/**
 * A signed JSON object, parsed keeping what the signature is computed over. The recharge platform signs
 * the TEXT of each value as it sent it: a JSON number `499` is signed as "499", `6.00` as "6.00", and a
 * 19-digit role id with every digit, while JSON.parse turns them into doubles (6, rounded ids). Each
 * top-level number's literal is kept beside the parsed object.
 */
import { MAX_JSON_DEPTH, tooDeepField } from './depth.js';
import { isUnsafeIntegerLiteral, parseWithSource, rawJson } from './exactNumbers.js';
import { decodeUtf8, jsonSyntaxReason, notAnObjectReason } from './objectParse.js';

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
  // one parse: the reviver's source-text context gives each number's literal. A hand-written scan beside
  // plain JSON.parse was ~7 µs faster per callback but did not show on the recharge HTTP bench (<1 % of the
  // CPU per request, inside the noise), so it is not kept
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
