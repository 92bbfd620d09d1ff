/** A socket message's bytes as a JSON object (the steps are json/objectParse.ts's). */
import { decodeUtf8, parseJsonObjectText } from '../json/objectParse.js';

export type ParsedJsonObject = { ok: true; value: Record<string, unknown>; text: string; meta?: unknown } | { ok: false; reason: string };

/**
 * Parses a JSON object from a message's text. A platform adapter may supply its own (the recharge path
 * keeps number literals for its sign), so a message is parsed once; `meta` is handed to the handler.
 */
export type JsonObjectParser = (text: string) => { ok: true; value: Record<string, unknown>; meta?: unknown } | { ok: false; reason: string };

/** Decodes a payload as strict UTF-8 (a leading BOM is dropped) and parses it as a JSON object. */
export function parseJsonObject(payload: Buffer, parser?: JsonObjectParser): ParsedJsonObject {
  const text = decodeUtf8(payload);
  if (text === undefined) return { ok: false, reason: 'payload is not valid UTF-8' };
  if (text.trim() === '') return { ok: false, reason: 'empty message' };
  if (parser) {
    const parsed = parser(text);
    return parsed.ok ? { ok: true, value: parsed.value, text, meta: parsed.meta } : parsed;
  }
  const parsed = parseJsonObjectText(text);
  return parsed.ok ? { ok: true, value: parsed.value, text } : parsed;
}
