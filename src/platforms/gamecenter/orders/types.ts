/** A GameCenter order the game reported (a client said it paid) and that is polled until it is final. */
export interface RegisterOrderInput {
  /** GameCenter's order id from the SDK's payment callback. */
  orderId: string;
  /** GameCenter platform user id the order is for; the grant goes to this user. */
  userId: string;
  /** Game zone 0..32767; also submitted once through sync.order_game_zone_data. */
  zone?: number;
  /** The game's own order id, when the game made one; GameCenter's answer must carry the same. */
  cpOrderId?: string;
  /** What the game expects to be paid, in cents; only compared with GameCenter's amount and logged. */
  amount?: number;
  /** The game's product id; GameCenter's `sku`, when present, is what is granted. */
  productId?: string;
}

export type PolledOrderState =
  /** waiting for its next check */
  | 'polling'
  /** found paid and final (checked=1), handed to the ledger (which grants it once); a paid order not final yet stays 'polling' with its ledgerKey */
  | 'paid'
  /** paid and granted while not final, then reset by GameCenter (checked=1, status 2/3): revoked in the ledger */
  | 'revoked'
  /** a sandbox or test-user order with gamecenter.sandboxOrders 'refuse': recorded declined in the ledger, not granted */
  | 'declined'
  /** final and never paid (checked=1 with status 0, 2 or 3); nothing is granted */
  | 'cancelled'
  /** paid, but GameCenter's cpOrderId is not the one registered: not granted, logged as an error */
  | 'mismatch'
  /** still not final 24 h after first seen: given up */
  | 'expired';

export interface PolledOrder {
  orderId: string;
  userId: string;
  zone?: number;
  cpOrderId?: string;
  amount?: number;
  productId?: string;
  state: PolledOrderState;
  firstSeenAt: number;
  /** Answers received so far. */
  checks: number;
  nextCheckAt?: number;
  lastCheckAt?: number;
  reason?: string;
  /** The ledger key the paid order went under (its own, or the one it was already accepted as). */
  ledgerKey?: string;
}

export type RegisterOrderOutcome =
  | { status: 'registered'; order: PolledOrder }
  /**
   * known already: nothing changed (the first registration's user and ids stand). `recordExpired`: the
   * order was final more than `gamecenter.recordDays` ago; only its tombstone is left (state, first seen,
   * user; `checks` 0), until `gamecenter.dedupeDays`. It is not polled again.
   */
  | { status: 'known'; order: PolledOrder; recordExpired?: true };
