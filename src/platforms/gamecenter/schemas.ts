/**
 * Response shapes of the GameCenter server API. Parsing is lenient on purpose: numbers may arrive as numeric
 * strings, ids as numbers or strings (big ones already turned into strings by the big-int-safe parser), and
 * unknown keys are kept, because the document grew fields over fifteen revisions and will grow more.
 */
import { z } from 'zod';

/** A number, or a string holding one. */
const num = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v), z.number());

const bool = z.preprocess((v) => {
  if (v === 1 || v === '1' || v === 'true') return true;
  if (v === 0 || v === '0' || v === 'false') return false;
  return v;
}, z.boolean());

/** Ids always come out as strings: exact digits for platform ids, whatever the wire form was. */
const id = z.union([z.string(), z.number()]).transform(String);

/** Free text that a server might just as well send as a number (e.g. a numeric sku). */
const text = z.union([z.string(), z.number()]).transform(String);

export const envelopeSchema = z.looseObject({
  code: num.pipe(z.int()),
  // 921 documents a JSON object in msg; keep whatever came as text so the error can parse it.
  msg: z.unknown().transform((v) => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v))),
  data: z.unknown().optional(),
});
export type GameCenterEnvelope = z.output<typeof envelopeSchema>;

export const orderStatusSchema = z.looseObject({
  /** 1 = `status` is final, 0 = it may still change. */
  checked: num,
  /** 0 not paid, 1 paid, 3 reset (2 in the 1.0.2 document); see {@link orderOutcome}. */
  status: num,
  /** Payment time in ms, 0 while unpaid (optional: nothing depends on it, so its absence spoils nothing). */
  payTime: num.optional(),
  orderId: id.optional(),
  gameId: id.optional(),
  /** In cents. */
  amount: num.optional(),
  currency: z.string().optional(),
  sku: text.optional(),
  /** 0 sandbox, 1 production. */
  env: num.optional(),
  /** Game zone; -1 when none was synced. */
  gameZone: num.optional(),
  /** True for a test user's order. */
  test: bool.optional(),
  orderRef: text.optional(),
  orderToken: text.optional(),
  payedAfterFailed: bool.optional(),
  /** The game's own order id; when set it must match the order the game created. */
  cpOrderId: text.optional(),
});
export type GameCenterOrderStatus = z.output<typeof orderStatusSchema>;

/** The answer's map of order id → entry; each entry is parsed on its own (see GameCenterClient.checkOrders). */
export const orderStatusMapSchema = z
  .record(z.string(), z.unknown())
  .nullish()
  .transform((v) => v ?? {});

export const transferStatusSchema = z.looseObject({
  user_id: id,
  gameId: id.optional(),
  transferId: id,
  /** In cents. */
  amount: num,
  currency: z.string(),
  /** See {@link TRANSFER_STATUS}; kept as a number so a status added later does not break polling. */
  status: num.pipe(z.int()),
});
export type GameCenterTransferStatus = z.output<typeof transferStatusSchema>;

export const transferStatusMapSchema = z
  .record(z.string(), transferStatusSchema)
  .nullish()
  .transform((v) => v ?? {});

export const friendSchema = z.looseObject({
  /** Not the userId: the id used by the GameCenter SDK's sharing API. */
  ttkUid: id,
  nickname: z.string().optional(),
  photoUrl: z.string().optional(),
});
export type GameCenterFriend = z.output<typeof friendSchema>;

/** An entry of user.playing_friends and user.playing_members. */
export const playingUserSchema = z.looseObject({
  userId: id,
  thirdUid: id.optional(),
  /** GUEST 0, TOTOK 1, FACEBOOK 2, GAMECENTER 3, APPLE 4, Google 5, TWITTER 6, HUAWEI 7, BOTIM 8, SUPERAPP 9. */
  thirdType: num.optional(),
  nickname: z.string().optional(),
  photoUrl: z.string().optional(),
});
export type GameCenterPlayingUser = z.output<typeof playingUserSchema>;

export const friendListSchema = z
  .array(friendSchema)
  .nullish()
  .transform((v) => v ?? []);
export const playingUserListSchema = z
  .array(playingUserSchema)
  .nullish()
  .transform((v) => v ?? []);

/** `data` of order.new_exchange (the orderId) and transfer.new (the transferId). */
export const createdIdSchema = id.pipe(z.string().min(1));

export const ORDER_STATUS = { UNPAID: 0, PAID: 1, RESET_LEGACY: 2, RESET: 3 } as const;
export const TRANSFER_STATUS = { CREATED: 0, SUBMITTED: 1, SUCCESS: 2, FAILED: 3 } as const;

export type OrderOutcome = 'deliver' | 'cancel' | 'pending';

/**
 * What the document says to do with an order: deliver when paid; cancel when the status is final and not
 * paid (0, or reset: 3 in the current document, 2 in the older one); otherwise keep polling.
 */
export function orderOutcome(order: Pick<GameCenterOrderStatus, 'checked' | 'status'>): OrderOutcome {
  if (order.status === ORDER_STATUS.PAID) return 'deliver';
  if (order.checked === 1) return 'cancel';
  return 'pending';
}
