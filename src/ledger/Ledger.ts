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
  /** Record the order for audit without ever granting it (e.g. platform status "failed"); the reason is kept. */
  decline?: string;
}

export type CancelOutcome = 'cancelled' | 'not-found' | 'in-progress' | 'already-terminal';

export interface Ledger {
  /**
   * Records the order once, atomically. Resolves only after Redis has it (and, with `ledger.durability`,
   * its replicas: a duplicate too); rejects with StoreUnavailableError when the store cannot be reached or
   * the replicas did not confirm in time (answer the platform with a failure then; an unconfirmed order
   * stays recorded and its retry is a duplicate).
   */
  accept(order: PaidOrder, opts?: AcceptOptions): Promise<AcceptOutcome>;
  get(dedupeKey: string): Promise<LedgerRecord | undefined>;
  /** Cancels an order that has not been granted (and is not being granted right now). */
  cancel(dedupeKey: string, reason: string): Promise<CancelOutcome>;
  /** Puts a `given_up` order back in the queue (operator action). */
  retry(dedupeKey: string): Promise<boolean>;
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
  attach(userId: string, sink: GrantSink): () => void;
  /** Delivers what waits in the player's inbox to their attached sinks; resolves with the count delivered. */
  flush(userId: string): Promise<number>;
}

export type { OrderState };
