/**
 * The ledger's public contract, as used by every money path (recharge HTTP and socket, VNGates /addgold,
 * GameCenter polling) and by the rooms layer for delivery.
 */
import type { AcceptOutcome, GrantSink, LedgerRecord, OrderState, PaidOrder } from './types.js';

export interface AcceptOptions {
  /**
   * A second identity of the same order (e.g. a GameCenter order id that a recharge callback also
   * carries): a later order whose key or alias matches either is a duplicate.
   */
  alias?: string;
  /**
   * Record the order for audit without granting it (e.g. platform status "failed"); the reason is kept. A
   * later accept of the same order without `decline` (the platform now reports it paid) queues it for its
   * one grant (`afterDecline` in the outcome); every accept after that is a duplicate.
   */
  decline?: string;
  /** The caller's address, for the order's journal. */
  peer?: string;
  /** More platform ids worth finding the order by in its journal (e.g. the game's own order number). */
  ids?: Record<string, string>;
  /** What the caller answers a duplicate, for the journal: to one already settled, and to one still being granted. */
  duplicateAnswer?: { settled?: unknown; inProgress?: unknown };
}

/** Who changed an order by hand, for its journal. */
export interface OperatorAction {
  by?: string;
  address?: string;
}

export type CancelOutcome = 'cancelled' | 'not-found' | 'in-progress' | 'already-terminal';

import type { RevokeOutcome } from './revokeScripts.js';

export interface Ledger {
  /**
   * Records the order once, atomically. Resolves only after Redis has it (and, with `ledger.durability`,
   * its replicas: a duplicate too); rejects with StoreUnavailableError when the store cannot be reached or
   * the replicas did not confirm in time (answer the platform with a failure then; an unconfirmed order
   * stays recorded and its retry is a duplicate), and with UnstorableOrderError for an order that can never
   * be stored as received (answer a terminal refusal).
   */
  accept(order: PaidOrder, opts?: AcceptOptions): Promise<AcceptOutcome>;
  get(dedupeKey: string): Promise<LedgerRecord | undefined>;
  /**
   * The platform took the order back: a granted order becomes `revoked` and `onRevoked` is called once
   * across processes; an order not granted yet is cancelled instead; 'in-progress' while it is being granted.
   */
  revoke(dedupeKey: string, reason: string): Promise<RevokeOutcome>;
  /** Cancels an order that has not been granted (and is not being granted right now). */
  /** Cancels a `pending` or `given_up` order (never one being granted or granted); journaled with `actor`. */
  cancel(dedupeKey: string, reason: string, actor?: OperatorAction): Promise<CancelOutcome>;
  /** Puts a `given_up` order back in the queue (operator action, journaled with `actor`). */
  retry(dedupeKey: string, actor?: OperatorAction): Promise<boolean>;
  /** The ledger key an order gets. */
  keyOf(order: Pick<PaidOrder, 'source' | 'orderId' | 'dedupeKey'>): string;
  /** Counts by state of the orders still scheduled (pending/granting), for health and tests. */
  queued(): Promise<number>;
}

export interface Deliveries {
  /**
   * Registers a live destination for a player's grants on this process and delivers what is already
   * waiting in their inbox. Returns the function that detaches it (call it on leave).
   */
  attach(userId: string, sink: GrantSink, label?: { roomId?: string }): () => void;
  /** Delivers what waits in the player's inbox to their attached sinks; resolves with the count delivered. */
  flush(userId: string): Promise<number>;
}

export type { OrderState };
