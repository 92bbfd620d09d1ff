/**
 * What a recharge order and a gift-code redemption must look like. Lenient where the platform's own
 * examples disagree (ids and numbers arrive as JSON numbers or as strings, fields are added over time, so
 * unknown fields are kept), strict where a wrong value could move money: the signed fields, the amount,
 * the zone. The signed values' exact text is read with {@link signedText}, not from the parsed output.
 */
import { z } from 'zod';
import { fieldText, type SourcedObject } from '../../json/sourcedObject.js';

const missingOr = (expected: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'missing' : `expected ${expected}`);

/** A string or a number; both are text to the platform. */
const text = (expected = 'a string or a number') => z.union([z.string(), z.number()], { error: missingOr(expected) });

const nonEmptyText = (expected = 'a non-empty string or a number') => z.union([z.string().min(1, `expected ${expected}`), z.number()], { error: missingOr(expected) });

/** Digits only, as a number or a string (zones, timestamps, flags). */
const wholeNumber = (expected: string) =>
  z.union([z.number().int(`expected ${expected}`).nonnegative(`expected ${expected}`), z.string().regex(/^\d+$/, `expected ${expected}`)], {
    error: missingOr(expected),
  });

const AMOUNT = 'a positive whole amount (a number or a numeric string)';

/** A positive whole amount: `499`, `"499"` and `"6.00"` are accepted, `"6.5"`, `0` and `"abc"` are not. */
const amount = z.union(
  [
    z.number().int(`expected ${AMOUNT}`).positive(`expected ${AMOUNT}`),
    z
      .string()
      .regex(/^\d+(\.0+)?$/, `expected ${AMOUNT}`)
      .refine((s) => Number(s) > 0, `expected ${AMOUNT}`),
  ],
  { error: missingOr(AMOUNT) },
);

const md5Hex = z.string({ error: missingOr('a 32-digit hex MD5 string') }).regex(/^[0-9a-fA-F]{32}$/, 'expected a 32-digit hex MD5 string');

/** Optional descriptive fields: absent, null or text. */
const optionalText = text().nullish();

export const rechargePayloadSchema = z.looseObject({
  Amount: amount,
  UserID: nonEmptyText(),
  ZoneID: wholeNumber('a zone id (a whole number)'),
  cporder_no: text(),
  order_no: text(),
  Time: wholeNumber('a timestamp (digits)'),
  Sign: md5Hex,
  fanli: optionalText,
  Id: optionalText,
  BudanFlag: wholeNumber('a whole number (0 normal, 1 or 2 welfare)').nullish(),
  RoleID: optionalText,
  ItemId: optionalText,
  propId: optionalText,
  currencyType: optionalText,
  cc: optionalText,
  ChargeTime: optionalText,
  deviceGroupId: optionalText,
  extendParams: optionalText,
  strParam: optionalText,
  cmdId: z.union([z.number().int('expected a whole number'), z.string().regex(/^-?\d+$/, 'expected a whole number')], { error: 'expected a whole number' }).nullish(),
});

export type RechargePayload = z.output<typeof rechargePayloadSchema>;

export const giftPayloadSchema = z.looseObject({
  userId: nonEmptyText(),
  roleId: optionalText,
  codeNo: nonEmptyText(),
  giftId: nonEmptyText(),
  lTime: wholeNumber('a timestamp (digits)'),
  zoneId: wholeNumber('a zone id (a whole number)'),
  sign: md5Hex,
  changeTime: optionalText,
  chargeTime: optionalText,
});

export type GiftPayload = z.output<typeof giftPayloadSchema>;

export type Checked<T> = { ok: true; payload: T } | { ok: false; field: string; reason: string };

/** Validates a payload; a failure names the first bad field and why, for the answer and the log. */
export function checkPayload<T>(schema: z.ZodType<T>, obj: SourcedObject): Checked<T> {
  const r = schema.safeParse(obj.value);
  if (r.success) return { ok: true, payload: r.data };
  const issue = r.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join('.') : '(payload)';
  return { ok: false, field, reason: issue.message };
}

/** Fields the HTTP recharge sign covers, in signing order (the socket sign leaves out `fanli`). */
export const RECHARGE_SIGNED = ['Amount', 'UserID', 'ZoneID', 'cporder_no', 'order_no', 'Time', 'fanli'] as const;
export const GIFT_SIGNED = ['userId', 'zoneId', 'codeNo', 'giftId', 'lTime'] as const;

/**
 * The signed fields' text exactly as the platform sent it (a number's literal, a string as is); an absent
 * field is the empty string, which is how the platform's signer concatenates a missing `fanli`.
 */
export function signedText<K extends string>(obj: SourcedObject, fields: readonly K[]): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const f of fields) out[f] = fieldText(obj, f) ?? '';
  return out;
}
