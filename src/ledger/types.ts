/**
 * The order ledger's vocabulary. Every paid order, whichever platform it came from, becomes a
 * {@link PaidOrder}, is accepted once, granted once through the game's {@link GrantHandler}, and is
 * delivered to the player's room as a {@link GrantDelivery}.
 */

/** Where an order came from; part of its ledger key unless a shared `dedupeKey` is given. */
export type OrderSource = 'recharge-http' | 'recharge-socket' | 'vngates' | 'gamecenter' | (string & {});

export interface PaidOrder {
  source: OrderSource;
  /** The platform's order id: the identity a platform retries with. */
  orderId: string;
  /**
   * Ledger identity. Orders with the same key are one order, whichever path brings them (the recharge
   * socket and HTTP paths share `recharge:<value of recharge.dedupeField>`, `recharge:<cporder_no>` by
   * default). Default `<source>:<orderId>`.
   */
  dedupeKey?: string;
  userId: string;
  zoneId?: string;
  roleId?: string;
  /** The amount as the platform states it (unit is the platform's). */
  amount: number;
  currency?: string;
  productId?: string;
  /** Recharge `BudanFlag`: 0 normal, 1/2 welfare make-up orders. Never bypasses the duplicate check. */
  budanFlag?: number;
  /** True when the platform says the payment was made in its sandbox (GameCenter `env: 0`): no real money. */
  sandbox?: boolean;
  /** True for an order of a platform test user (GameCenter `test: true`). */
  testUser?: boolean;
  /**
   * Which of this order's fields the platform's sign covers (`orderId`, `userId`, `zoneId`, `amount` …).
   * Absent when the order did not come from a signed callback (GameCenter: the bridge asked the platform).
   */
  signed?: readonly string[];
  /**
   * Fields the platform sent but did not sign: anyone on the network path could have set them. Check them
   * (a `verifyOrder` hook, the game's own catalogue, that the role belongs to the user) before trusting them.
   */
  unsigned?: UnsignedOrderFields;
  /** The platform's fields as received (after parsing), unknown ones included. */
  raw: Record<string, unknown>;
}

/** The unsigned fields of a signed callback, under the ledger's names (recharge: RoleID, currencyType, ItemId/propId, BudanFlag). */
export interface UnsignedOrderFields {
  roleId?: string;
  currency?: string;
  productId?: string;
  budanFlag?: number;
}

export type OrderState =
  /** accepted, waiting for (another) grant attempt */
  | 'pending'
  /** a process holds the lease and runs the grant handler */
  | 'granting'
  | 'granted'
  | 'cancelled'
  /** the grant handler kept failing; an operator can `retry` it */
  | 'given_up'
  /** recorded for audit but never to be granted (e.g. a platform status other than paid) */
  | 'declined'
  /** granted, then taken back by the platform (a GameCenter order reset after it was paid); `onRevoked` is told once */
  | 'revoked';

export const TERMINAL_STATES: readonly OrderState[] = ['granted', 'cancelled', 'given_up', 'declined', 'revoked'];

export interface LedgerRecord extends PaidOrder {
  dedupeKey: string;
  state: OrderState;
  attempts: number;
  lastError?: string;
  createdAt: number;
  updatedAt: number;
  grantedAt?: number;
  /** What the grant handler returned, as stored. */
  result?: GrantResult;
  /** Why an order was declined, cancelled or revoked. */
  reason?: string;
  /** When a granted order was revoked. */
  revokedAt?: number;
  /** Set when a paid report followed a decline: the decline's reason and when it was recorded. */
  declinedReason?: string;
  declinedAt?: number;
  /** The order's second identity, when it was accepted with one (see `AcceptOptions.alias`). */
  alias?: string;
}

export type AcceptOutcome =
  /** `afterDecline`: the order was recorded `declined` before; this paid report queues it for its one grant. */
  | { status: 'accepted'; record: LedgerRecord; afterDecline?: true }
  /** The key (or its alias) is known: the platform's duplicate answer; nothing changed. */
  | {
      status: 'duplicate';
      state: OrderState | 'unknown';
      dedupeKey: string;
      /** Known only by its tombstone: the order finished more than `ledger.recordDays` ago and its record expired. */
      recordExpired?: true;
    };

/** What the game's grant handler may return; `items` reach the player's room with the delivery. */
export interface GrantResult {
  items?: unknown;
  [key: string]: unknown;
}

export interface GrantContext {
  /** Stable per order: the game's own store must treat a repeated key as "already granted". */
  idempotencyKey: string;
  /** 1 for the first hand-over of this order to a handler; > 1 after a failure, a takeover from a process that died, or an operator retry. */
  attempt: number;
  /** Aborted when the lease is lost (another process took over) or the bridge is closing. */
  signal: AbortSignal;
}

/**
 * Credits the player. Called at most once at a time per order, retried with backoff when it throws,
 * and again after a crash: it must be idempotent on `ctx.idempotencyKey`.
 */
export type GrantHandler = (order: LedgerRecord, ctx: GrantContext) => Promise<GrantResult | void> | GrantResult | void;

/** What a player's room receives for a granted order. */
export interface GrantDelivery {
  orderId: string;
  dedupeKey: string;
  source: OrderSource;
  userId: string;
  amount: number;
  currency?: string;
  productId?: string;
  items?: unknown;
  grantedAt: number;
  /** When the order was accepted (epoch ms). */
  acceptedAt?: number;
}

/**
 * How a sink that sends at once, and keeps what it sent until the client acknowledges it, takes a grant: in
 * one Redis step that moves it from the inbox to `keepKey`, instead of a claim, the send and a "delivered"
 * step. The room plugin's default `grant` message does this while acknowledgements are on.
 */
export interface HandOver {
  /** The hash, in the ledger's `{ledger}` slot, keeping the player's grants until acknowledged; and its expiry. */
  keepKey: string;
  keepMs: number;
  /** Sends it now; false when the player is no longer there (it stays kept, and is sent at their next join). */
  send(delivery: GrantDelivery): boolean;
}

/** A hand-over to the sinks of one player on this process, offered to the step that records their grant. */
export interface LocalHandOver extends Pick<HandOver, 'keepKey' | 'keepMs'> {
  /** The `delivered` journal entry (JSON) the recording step writes with the grant. */
  entry(at: number): string;
  /** Sends the recorded grant to each of the sinks. */
  send(delivery: GrantDelivery): void;
}

/** A live destination for one player's grants (their room, through the room plugin). */
/**
 * @remarks Extension point: `bridge.deliveries.attach(userId, sink)` receives a player's grants somewhere other than a room.
 * `handOver`, asked at each delivery, may offer a {@link HandOver}; without one the grant is claimed, given to the
 * sink, and marked delivered once the sink returns.
 */
export type GrantSink = ((delivery: GrantDelivery) => void | Promise<void>) & { handOver?: () => HandOver | undefined };

export interface RevokeContext {
  /** Stable per order and distinct from the grant's key: a repeated key is "already clawed back". */
  idempotencyKey: string;
  /** 1 for the first hand-over; > 1 after a failure or a takeover. */
  attempt: number;
  signal: AbortSignal;
}

/**
 * Told once (across processes) that a granted order was taken back by the platform, so the game can claw
 * back what it credited. Retried with backoff when it throws and after a crash: idempotent on the key.
 */
export type RevokeHandler = (order: LedgerRecord, ctx: RevokeContext) => Promise<void> | void;
