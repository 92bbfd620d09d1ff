/**
 * The gift-code contract between the bridge and the game. The platform only redeems codes over the socket;
 * the game decides what a code is worth, the bridge makes sure one user's code runs the game's handler once.
 */

/** One verified gift-code redemption, handed to the game's {@link GiftHandler}. */
export interface GiftRequest {
  /** `gift:<userId>:<codeNo>`: stable per redemption; a game that also stores it can never credit twice. */
  idempotencyKey: string;
  userId: string;
  codeNo: string;
  giftId: string;
  zoneId: string;
  /** The signed timestamp, as sent. */
  lTime: string;
  /**
   * What the platform sent without signing it: anyone on the network path could have set these. The
   * signed fields are userId, zoneId, codeNo, giftId and lTime; check that `roleId` belongs to `userId`.
   */
  unsigned: {
    roleId?: string;
    /** `changeTime` (field table) or `chargeTime` (example), whichever was sent. */
    changeTime?: string;
  };
  /** Peer address of the socket that delivered it. */
  remoteAddress: string;
  /** Every field as received, unknown ones included. */
  raw: Record<string, unknown>;
  /**
   * Aborted when the handler should stop: `giftHandlerTimeoutMs` passed, or this process could not keep
   * its claim (the redemption may then be retried elsewhere). Nothing is recorded after an abort.
   */
  signal: AbortSignal;
}

/**
 * What the game answers for a redemption. `ok: true` is answered code "1" (成功). `ok: false` is answered
 * with `code` (default "0") and `desc`; it is recorded like a success, so the same code from the same user
 * gets the same refusal without the handler running again. To have a later retry run the handler again
 * (a transient failure), throw instead; a result that is not of this shape counts as a throw.
 */
export interface GiftHandlerResult {
  ok: boolean;
  desc?: string;
  code?: string;
}

export type GiftHandler = (request: GiftRequest) => Promise<GiftHandlerResult>;

/** What `recharge.verifyOrder` is handed: the order as it would be recorded, signed and unsigned fields apart. */
export interface RechargeOrderCheck {
  orderId: string;
  userId: string;
  zoneId: string;
  amount: number;
  /** RoleID, currencyType, ItemId/propId, BudanFlag: not covered by the sign. */
  unsigned: import('../../ledger/types.js').UnsignedOrderFields;
  path: 'http' | 'socket';
  raw: Record<string, unknown>;
}

/**
 * The game's check of an order before it is recorded: product and amount against its catalogue, the role
 * against the user. `true` (or `{ ok: true }`) records it; `false`, a reason string or `{ ok: false, reason }`
 * refuses it with -3 and records nothing; a throw answers -7 so the platform retries.
 */
export type VerifyRechargeOrder = (check: RechargeOrderCheck) => boolean | string | { ok: boolean; reason?: string } | Promise<boolean | string | { ok: boolean; reason?: string }>;
