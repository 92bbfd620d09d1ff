/**
 * GameCenter's id rows. It writes ids such as 144612098616033280 as bare JSON numbers and expects them that
 * way in rank/zone arrays; above 2^53 a JS number cannot hold them, so ids live as strings on our side and
 * are written here with exactly their digits (reading them back is `parseBigSafe` in json/exactNumbers.ts).
 */
import { jsonNumberLiteral } from '../../json/exactNumbers.js';

const NUMERIC_ID = /^(?:0|[1-9]\d*)$/;

/**
 * The JSON text for an id held as a string: a purely numeric id (no sign, no leading zero) is written as a
 * bare number with exactly its digits, anything else as a JSON string. Leading zeros stay quoted because
 * `007` is not valid JSON and `7` would be a different id.
 */
export function jsonIdLiteral(id: string): string {
  return NUMERIC_ID.test(id) ? id : JSON.stringify(id);
}

/** `[[id,n,…],…]`: the row format of sync.rank_data, sync.user_game_zone_data and sync.order_game_zone_data. */
export function stringifyIdRows(rows: ReadonlyArray<readonly [string, ...number[]]>): string {
  const parts = rows.map(([id, ...values]) => `[${[jsonIdLiteral(id), ...values.map(jsonNumberLiteral)].join(',')}]`);
  return `[${parts.join(',')}]`;
}
