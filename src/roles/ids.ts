/**
 * Zone and role ids as the platform JSON carries them. The spec's examples write them as JSON numbers
 * (`"serverID":8061`, `"Item1":1081181825`), so an id that is a plain decimal integer within ±(2^53 − 1)
 * is written as a number. Anything else stays a JSON string, exactly as given: an id beyond 2^53 would
 * be silently rounded by every double-based JSON reader (PHP, JavaScript, Lua cjson), and an id with
 * leading zeros ("007") would lose them. Ids are compared by their canonical text, so `123` and `"123"`
 * name the same role.
 */
export type IdInput = string | number | bigint;

const PLAIN_INTEGER = /^-?(0|[1-9]\d*)$/;

/** Canonical text of an id, or undefined when it is unusable (empty, fractional, or an imprecise JS number). */
export function idText(id: unknown): string | undefined {
  if (typeof id === 'string') return id.length > 0 && id.length <= 128 ? id : undefined;
  if (typeof id === 'number') return Number.isSafeInteger(id) ? String(id) : undefined;
  if (typeof id === 'bigint') return id.toString();
  return undefined;
}

/** True when the id is written as a JSON number. */
export function isNumericId(text: string): boolean {
  return PLAIN_INTEGER.test(text) && Number.isSafeInteger(Number(text));
}

/** The value to put in platform JSON: a number when exact as a double, else the string. */
export function idValue(text: string): number | string {
  return isNumericId(text) ? Number(text) : text;
}

/** The id as a JSON fragment (for Lua scripts that assemble JSON from pieces). */
export function idJson(text: string): string {
  return isNumericId(text) ? text : JSON.stringify(text);
}
