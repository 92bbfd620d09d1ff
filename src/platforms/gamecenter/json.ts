/**
 * JSON that keeps 64-bit ids exact. GameCenter writes ids such as 144612098616033280 as bare JSON numbers
 * and expects them that way in rank/zone arrays; above 2^53 a JS number cannot hold them, so ids live as
 * strings on our side and are converted at the JSON boundary in both directions.
 */

/** JSON.parse, except that integer literals outside the safe-integer range become strings of their exact digits. */
export function parseJsonBigSafe(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text));
}

/**
 * Rewrites `text` so every integer literal that is not a safe integer is quoted. It walks the JSON token
 * by token so digits inside strings (escaped quotes included) are never touched; fractions and exponents
 * stay numbers because quoting them would change their type for no gain in precision.
 */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i += 2;
        else if (d === QUOTE) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (c === MINUS || isDigit(c)) {
      const start = i;
      if (c === MINUS) i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      let integer = true;
      if (text.charCodeAt(i) === DOT) {
        integer = false;
        i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
      }
      const e = text.charCodeAt(i);
      if (e === LOWER_E || e === UPPER_E) {
        integer = false;
        i++;
        const sign = text.charCodeAt(i);
        if (sign === PLUS || sign === MINUS) i++;
        while (i < n && isDigit(text.charCodeAt(i))) i++;
      }
      if (integer) {
        const token = text.slice(start, i);
        if (INTEGER.test(token) && !Number.isSafeInteger(Number(token))) {
          out += `${text.slice(copiedUpTo, start)}"${token}"`;
          copiedUpTo = i;
        }
      }
      continue;
    }
    i++;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/**
 * The JSON text for an id held as a string: a purely numeric id (no sign, no leading zero) is written as a
 * bare number with exactly its digits, anything else as a JSON string. Leading zeros stay quoted because
 * `007` is not valid JSON and `7` would be a different id.
 */
export function jsonIdLiteral(id: string): string {
  return NUMERIC_ID.test(id) ? id : JSON.stringify(id);
}

/** A finite number as JSON; NaN and Infinity would silently become `null`, so they are refused. */
export function jsonNumberLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} cannot be written as a JSON number`);
  return JSON.stringify(value);
}

/** `[[id,n,…],…]`: the row format of sync.rank_data, sync.user_game_zone_data and sync.order_game_zone_data. */
export function stringifyIdRows(rows: ReadonlyArray<readonly [string, ...number[]]>): string {
  const parts = rows.map(([id, ...values]) => `[${[jsonIdLiteral(id), ...values.map(jsonNumberLiteral)].join(',')}]`);
  return `[${parts.join(',')}]`;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const INTEGER = /^-?\d+$/;
const NUMERIC_ID = /^(?:0|[1-9]\d*)$/;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
