/**
 * A nesting check on JSON text before it is parsed: a signed callback whose unknown fields nest thousands
 * of levels deep parses, but then overflows the stack wherever it is copied or serialised, and would be
 * answered "internal error, retry later" on every retry. One pass over the text, no recursion.
 */

/** Levels of objects and arrays a callback body may have, the body's own object included. */
export const MAX_JSON_DEPTH = 32;

/**
 * The top-level field under which `text` nests deeper than `max` levels ('' when it is not under a
 * field), or undefined within the limit. Malformed text is left for JSON.parse to report.
 */
export function tooDeepField(text: string, max = MAX_JSON_DEPTH): string | undefined {
  // fast path (every real callback): fewer opening brackets than the limit cannot nest past it
  if (openings(text, 0x7b, max) + openings(text, 0x5b, max) <= max) return undefined;
  let depth = 0;
  let key = '';
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c /* \ */ ? 2 : 1;
      if (depth === 1 && expectKey) {
        const literal = text.slice(i, j + 1);
        try {
          key = JSON.parse(literal) as string;
        } catch {
          key = literal.slice(1, -1);
        }
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return depth === 1 ? '' : key;
      expectKey = c === 0x7b && depth === 1;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    } else if (c === 0x2c /* , */ && depth === 1) {
      expectKey = true;
    }
  }
  return undefined;
}

/** How many times `code` occurs in `text`, counting no further than `stopAfter` + 1 (native indexOf, no per-char loop). */
function openings(text: string, code: number, stopAfter: number): number {
  const ch = String.fromCharCode(code);
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1 && n <= stopAfter; i = text.indexOf(ch, i + 1)) n++;
  return n;
}
