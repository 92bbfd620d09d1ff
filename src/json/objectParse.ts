/**
 * The steps every inbound JSON object goes through, whatever carries it (an HTTP body, a socket message):
 * strict UTF-8, then JSON, then "is it an object". A refusal's reason never quotes the payload, because a
 * log line must not carry what a caller sent (V8's JSON errors embed the input text; only the position is kept).
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of strict UTF-8 bytes, a leading BOM dropped; undefined for bytes that are not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Why JSON.parse refused a text, by position only. */
export function jsonSyntaxReason(error: unknown): string {
  const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
  return position === undefined ? 'invalid JSON' : `invalid JSON at position ${position}`;
}

/** Why a parsed value is not a JSON object, or undefined when it is one. */
export function notAnObjectReason(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return undefined;
  return `JSON value is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not an object`;
}
