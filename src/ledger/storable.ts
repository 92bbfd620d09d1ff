/**
 * What the ledger can store exactly as received. Redis keeps bytes and the accept script reads the order's
 * fields through Lua's JSON decoder, which refuses a lone UTF-16 surrogate (`"\ud800"`): such a string has
 * no UTF-8 form at all, so it can neither be stored nor matched later. An order carrying one in a field the
 * ledger stores as text is refused for good (retrying cannot change it), naming the field. Everything
 * under `raw` is stored as JSON text, whose escapes keep lone surrogates losslessly, as long as it is
 * nested no deeper than {@link MAX_RAW_DEPTH} (deeper, it would overflow the stack while being copied).
 */
import type { PaidOrder } from './types.js';

/** Levels of objects and arrays under one field of `raw` (the order's own object is not counted). */
export const MAX_RAW_DEPTH = 32;

/** Thrown by `ledger.accept` for an order that can never be stored as received: answer a terminal refusal. */
export class UnstorableOrderError extends Error {
  override name = 'UnstorableOrderError';
  constructor(
    /** The order field at fault, as the platform named it (`raw` fields by their own key). */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`field ${field} ${problem}`);
  }
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units, no `u` flag). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether `text` holds a lone surrogate: it has no UTF-8 form, so Redis would store (and match) U+FFFD instead. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

const TEXT_FIELDS = ['orderId', 'userId', 'zoneId', 'roleId', 'currency', 'productId', 'dedupeKey'] as const;

/** The problem with storing `order`, or undefined when it can be stored as received. */
export function unstorable(order: PaidOrder): UnstorableOrderError | undefined {
  // unsigned fields are stored as text too, under the same names
  const unsigned: Record<string, unknown> = { ...(order.unsigned ?? {}) };
  for (const name of TEXT_FIELDS) {
    for (const v of [order[name], unsigned[name]]) {
      if (typeof v === 'string' && LONE_SURROGATE.test(v)) return new UnstorableOrderError(name, 'holds a lone UTF-16 surrogate (an escape such as \\ud800), which has no UTF-8 form');
    }
  }
  const raw = order.raw ?? {};
  for (const key of Object.keys(raw)) {
    if (LONE_SURROGATE.test(key)) return new UnstorableOrderError(JSON.stringify(key), 'has a name with a lone UTF-16 surrogate');
    if (deeperThan(raw[key], MAX_RAW_DEPTH)) return new UnstorableOrderError(key, `is nested deeper than ${MAX_RAW_DEPTH} levels`);
  }
  return undefined;
}

/** Whether objects/arrays in `value` nest more than `max` levels; iterative, so any depth is safe to ask about. */
export function deeperThan(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stack: Array<[object, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (depth > max) return true;
    for (const child of Object.values(v)) if (child !== null && typeof child === 'object') stack.push([child as object, depth + 1]);
  }
  return false;
}
