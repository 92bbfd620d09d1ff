/**
 * A socket message's bytes as a JSON object. The reason for a refusal never quotes the payload: V8's JSON
 * errors embed the input text, so only the position is kept.
 */
export type ParsedJsonObject =
  | { ok: true; value: Record<string, unknown>; text: string; meta?: unknown }
  | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a payload as strict UTF-8 (a leading BOM is dropped) and parses it as a JSON object. The reason
 * for a refusal never quotes the payload: V8's JSON errors embed the input text, so only the position is kept.
 */
/**
 * Parses a JSON object from a message's text. A platform adapter may supply its own (the recharge path
 * keeps number literals for its sign), so a message is parsed once; `meta` is handed to the handler.
 */
export type JsonObjectParser = (text: string) => { ok: true; value: Record<string, unknown>; meta?: unknown } | { ok: false; reason: string };

export function parseJsonObject(payload: Buffer, parser?: JsonObjectParser): ParsedJsonObject {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { ok: false, reason: 'payload is not valid UTF-8' };
  }
  if (text.trim() === '') return { ok: false, reason: 'empty message' };
  if (parser) {
    const parsed = parser(text);
    return parsed.ok ? { ok: true, value: parsed.value, text, meta: parsed.meta } : parsed;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    return { ok: false, reason: position === undefined ? 'invalid JSON' : `invalid JSON at position ${position}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { ok: false, reason: `JSON value is ${kind}, not an object` };
  }
  return { ok: true, value: value as Record<string, unknown>, text };
}
