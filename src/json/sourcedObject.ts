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
  // fast path: plain JSON.parse plus one scan for the top-level number literals; a reviver costs several
  // times more per field, so it is kept for the rare payload with an integer beyond 2^53 somewhere inside
  const scan = scanNumberLiterals(text);
  if (!scan.unsafe) {
    const parsed = parseJsonObjectText(text);
    return parsed.ok ? { ok: true, object: { value: parsed.value, numberText: scan.top } } : parsed;
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
 * One pass over JSON text: the literal of each number that is a direct member of the top-level object,
 * by key, and whether any integer literal anywhere is beyond 2^53. Malformed text is left for JSON.parse
 * to report; whatever this returns for it is not used.
 */
export function scanNumberLiterals(text: string): { top: Record<string, string>; unsafe: boolean } {
  const top: Record<string, string> = {};
  let unsafe = false;
  const stack: number[] = []; // 0 object, 1 array
  let expectKey = false;
  let key: string | undefined;
  const n = text.length;
  for (let i = 0; i < n; ) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) escaped = true, (j += 2);
        else if (d === 0x22) break;
        else j++;
      }
      if (stack.length === 1 && stack[0] === 0 && expectKey) {
        const literal = text.slice(i, j + 1);
        try {
          key = escaped ? (JSON.parse(literal) as string) : literal.slice(1, -1);
        } catch {
          key = undefined;
        }
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b /* { */) (stack.push(0), (expectKey = true));
    else if (c === 0x5b /* [ */) stack.push(1);
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) (stack.pop(), (expectKey = false));
    else if (c === 0x2c /* , */) expectKey = stack[stack.length - 1] === 0;
    else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) j++;
        else break;
      }
      const literal = text.slice(i, j);
      if (stack.length === 1 && stack[0] === 0 && key !== undefined) top[key] = literal;
      if (j - i >= 16 && /^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal))) unsafe = true;
      i = j;
      continue;
    }
    i++;
  }
  return { top, unsafe };
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
