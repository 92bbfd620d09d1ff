export interface NewTransferRequest {
  /** The user's access token from the GameCenter SDK (the money goes to this user's wallet). */
  userToken: string;
  /** AED in major units, at most two decimals (e.g. 12.5 or "12.50"). */
  amount: number | string;
  /** The game's own id for this payout: a reference is paid at most once, so reuse it when unsure. */
  reference: string;
}

/** The final outcome of a transfer, reported once to the `onTransfer` handler. */
export interface TransferOutcome {
  transferId: string;
  reference: string;
  /** 'success' = status 2, 'failed' = status 3. */
  outcome: 'success' | 'failed';
  status: number;
  /** In cents, as GameCenter reports it. */
  amount: number;
  currency: string;
  /** GameCenter's user id of the wallet. */
  userId: string;
  raw: Record<string, unknown>;
}

/**
 * Told each transfer's final outcome. Called for one transfer by one process at a time and, once it
 * resolves, never again; if it throws (or its process dies) it is called again later, so it must treat a
 * repeated `transferId` as done.
 */
export type TransferHandler = (outcome: TransferOutcome, ctx: TransferHandlerContext) => Promise<void> | void;

export interface TransferHandlerContext {
  /** Aborted when the call runs past `transferHandlerTimeoutMs`; it then counts as failed and is made again later. */
  signal: AbortSignal;
}

export type TransferState = 'open' | 'reporting' | 'reported';

export interface TrackedTransfer {
  transferId: string;
  reference: string;
  state: TransferState;
  /** The last status GameCenter reported (0 created, 1 submitted, 2 success, 3 failed). */
  status?: number;
  createdAt: number;
  checks: number;
  reportAttempts: number;
}
