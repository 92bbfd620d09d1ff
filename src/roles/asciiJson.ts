/**
 * JSON for the platform-read hashes. Non-ASCII characters are written as `\uXXXX` escapes (lowercase
 * hex), as in the spec's role-info example (`"\u5965\u52d2…"`): the value is then the same bytes
 * whatever charset the reader assumes. Numbers kept as raw text by {@link parseKeepingNumbers} are
 * written back verbatim.
 */
const NON_ASCII = /[\u0080-\uffff]/g;

export function asciiJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('value is not representable as JSON');
  return text.replace(NON_ASCII, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Node 22's JSON source-text access (`JSON.rawJSON`, the reviver's `context.source`), not yet in the TS lib. */
interface JsonWithSource {
  parse(text: string, reviver: (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown): unknown;
  rawJSON(text: string): object;
  isRawJSON(value: unknown): boolean;
}
const J = JSON as unknown as JsonWithSource;

/**
 * Parses JSON keeping every number whose text would not survive a round trip through a double (ids
 * beyond 2^53, `1.50`) as raw JSON, so a value written by someone else is rewritten byte for byte.
 */
export function parseKeepingNumbers(text: string): unknown {
  return J.parse(text, (_key, value, context) =>
    typeof value === 'number' && context?.source !== undefined && String(value) !== context.source ? J.rawJSON(context.source) : value,
  );
}

/** The text of a scalar as parsed by {@link parseKeepingNumbers}: numbers and raw numbers by their digits. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value !== null && typeof value === 'object' && J.isRawJSON(value)) return (value as { rawJSON: string }).rawJSON;
  return undefined;
}

/** A parsed value for callers outside the JSON: raw numbers become numbers when exact, else their digits. */
export function plainValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || !J.isRawJSON(value)) return value;
  const text = (value as { rawJSON: string }).rawJSON;
  const n = Number(text);
  return String(n) === text || (Number.isFinite(n) && !/^-?\d+$/.test(text)) ? n : text;
}
