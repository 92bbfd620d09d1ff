/**
 * JSON parsing that keeps what a signature is computed over. The platform signs the TEXT of each value as
 * it sent it: a JSON number `499` is signed as "499", `6.00` as "6.00", and a 19-digit role id with every
 * digit, while JSON.parse turns them into doubles (6, rounded ids). The reviver's source-text context
 * (Node ≥ 22) hands us each number's literal, which is kept beside the parsed object.
 */

export interface SourcedObject {
  /** The parsed object. Integers beyond 2^53 are kept as their digit strings, so ids are never rounded. */
  readonly value: Record<string, unknown>;
  /** The literal text of each top-level number, by key. */
  readonly numberText: Readonly<Record<string, string>>;
}

export type SourcedParse = { ok: true; object: SourcedObject } | { ok: false; reason: string };

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes strict UTF-8 (a leading BOM dropped) and parses a JSON object; the reason never quotes the payload. */
export function parseSourcedBytes(bytes: Uint8Array): SourcedParse {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'body is not valid UTF-8' };
  }
  return parseSourced(text);
}

export function parseSourced(text: string): SourcedParse {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return { ok: false, reason: 'empty body' };
  const literals = new Map<object, Record<string, string>>();
  const reviver: Reviver = function (key, value, context) {
    if (typeof value !== 'number') return value;
    const source = context?.source ?? String(value);
    const holder = this as object;
    let texts = literals.get(holder);
    if (!texts) literals.set(holder, (texts = {}));
    texts[key] = source;
    return !Number.isSafeInteger(value) && /^-?\d+$/.test(source) ? source : value;
  };
  let value: unknown;
  try {
    value = JSON.parse(text, reviver as (key: string, value: unknown) => unknown);
  } catch (error) {
    // V8's message embeds the input text; only the position is kept
    const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    return { ok: false, reason: position === undefined ? 'invalid JSON' : `invalid JSON at position ${position}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `JSON value is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not an object` };
  }
  return { ok: true, object: { value: value as Record<string, unknown>, numberText: literals.get(value) ?? {} } };
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

const rawJson = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON;

/**
 * A field's value for an echo that must read exactly as received: numbers are re-emitted from their
 * literal (`6.00` stays `6.00`, long ids keep their digits) where the runtime supports JSON.rawJSON.
 */
export function echoValue(obj: SourcedObject, key: string): unknown {
  const literal = obj.numberText[key];
  if (literal !== undefined && rawJson) return rawJson(literal);
  return obj.value[key];
}

/** The whole object for an exact echo, field order kept. */
export function echoObject(obj: SourcedObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj.value)) out[key] = echoValue(obj, key);
  return out;
}

/**
 * A string that serialises with every non-ASCII character as a `\uXXXX` escape, as the document's
 * example reply writes `"desc":"\u6210\u529f"`: readable by a peer whatever text encoding it assumes.
 */
export function asciiJsonString(value: string): unknown {
  if (!rawJson) return value;
  return rawJson(JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
