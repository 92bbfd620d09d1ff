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

/** JSON.parse of a text that must be one object; the refusal says why, by position or by kind. */
export function parseJsonObjectText(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: jsonSyntaxReason(error) };
  }
  const notObject = notAnObjectReason(value);
  return notObject ? { ok: false, reason: notObject } : { ok: true, value: value as Record<string, unknown> };
}

/** JSON.parse, or `otherwise` for a text that is not JSON (stored values shown as they are when unreadable). */
export function parseJsonOr<T>(text: string, otherwise: T): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return otherwise;
  }
}
