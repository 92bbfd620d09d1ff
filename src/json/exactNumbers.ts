/**
 * JSON numbers kept exact. The platforms write 64-bit ids (144612098616033280) and amounts (`6.00`) as
 * bare JSON numbers, sign the text they sent, and expect ids back with every digit; a double keeps
 * neither. Node 22's source-text access (the reviver's `context.source`, `JSON.rawJSON`) gives each
 * number's literal while V8's own parser does the rest, so there is no hand-written tokenizer here.
 */

/** A JSON fragment that JSON.stringify writes verbatim (Node 22's `JSON.rawJSON`). */
export interface RawJson {
  readonly rawJSON: string;
}

type SourceReviver = (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown;

/** Node 22's source-text access, not yet in TypeScript's lib. */
interface JsonWithSource {
  parse(text: string, reviver: SourceReviver): unknown;
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): boolean;
}
const J = JSON as unknown as JsonWithSource;

const INTEGER = /^-?\d+$/;

/** JSON.parse with a reviver that also receives each primitive's literal text (`context.source`). */
export function parseWithSource(text: string, reviver: SourceReviver): unknown {
  return J.parse(text, reviver);
}

/** A number (or any JSON) that JSON.stringify writes with exactly this text. Throws on text that is not one JSON primitive. */
export function rawJson(text: string): RawJson {
  return J.rawJSON(text);
}

export function isRawJson(value: unknown): value is RawJson {
  return value !== null && typeof value === 'object' && J.isRawJSON(value);
}

/** True for an integer literal a double cannot hold exactly (beyond ±(2^53 − 1)). */
export function isUnsafeIntegerLiteral(value: number, source: string): boolean {
  return !Number.isSafeInteger(value) && INTEGER.test(source);
}

/**
 * JSON.parse, except that integer literals beyond the safe-integer range become strings of their exact
 * digits, anywhere in the document. Fractions and exponents stay numbers: quoting them would change their
 * type for no gain in precision.
 */
export function parseBigSafe(text: string): unknown {
  return J.parse(text, (_key, value, context) => (typeof value === 'number' && context.source !== undefined && isUnsafeIntegerLiteral(value, context.source) ? context.source : value));
}

/**
 * JSON.parse keeping every number whose text would not survive a round trip through a double (ids beyond
 * 2^53, `1.50`, `1e3`) as {@link RawJson}, so a document written by someone else is rewritten byte for byte.
 */
export function parseKeepingNumbers(text: string): unknown {
  return J.parse(text, (_key, value, context) => (typeof value === 'number' && context.source !== undefined && String(value) !== context.source ? J.rawJSON(context.source) : value));
}

/** The text of a scalar parsed by {@link parseKeepingNumbers}: a string as is, a number by its digits. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (isRawJson(value)) return value.rawJSON;
  return undefined;
}

/** A parsed value for callers outside the JSON: a raw number becomes a number when exact, else its digits. */
export function plainValue(value: unknown): unknown {
  if (!isRawJson(value)) return value;
  const text = value.rawJSON;
  const n = Number(text);
  return String(n) === text || (Number.isFinite(n) && !INTEGER.test(text)) ? n : text;
}

/** A finite number as JSON; NaN and Infinity would silently become `null`, so they are refused. */
export function jsonNumberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} cannot be written as a JSON number`);
  return JSON.stringify(value);
}
