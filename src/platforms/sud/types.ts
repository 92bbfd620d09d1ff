/**
 * What the game sees of SUD: a match settlement (from SUD's `match.settle` notification or reported by a
 * room), any other notification as a {@link SudEvent}, and the seams it plugs in (handlers, room delivery).
 */

export interface PlayerResult {
  /** The player's uid; `""` for a robot. */
  uid: string;
  isAi: boolean;
  score: number;
  /** Always present in SUD's notifications; a room's own report may leave it out. */
  remainScore?: number;
  commissionScore?: number;
  /** Fields SUD added that this version does not know. */
  [extra: string]: unknown;
}

export interface Settlement {
  /** The match (`match_id`): the settlement's identity and its handler's idempotency key. */
  matchId: string;
  /** The game's room the match ran in (`room_id`, as passed to SUD at game start). */
  roomId: string;
  /** 'sud' for a signed notification, 'room' for {@link SudSettlements.report}. */
  source: 'sud' | 'room';
  mgId?: string;
  gameMode?: number;
  /** Seconds since the epoch, as SUD sends them. */
  battleStartAt?: number;
  battleEndAt?: number;
  battleDurationSec?: number;
  results: PlayerResult[];
  reportGameInfoKey?: string;
  reportGameInfoExtras?: string;
  /** The SUD notification that carried it (absent for room reports). */
  notifyId?: string;
  /** The settlement's fields as received, unknown ones included. */
  raw: Record<string, unknown>;
}

/** Any notification other than `match.settle` (or every notification, for `onEvent`'s audit). */
export interface SudEvent {
  notifyId: string;
  /** `notify_event`, e.g. `sud.mg.merchant.match.start`. */
  event: string;
  /** SUD's `notify_time` in ms, when it was a number. */
  notifyTime?: number;
  appId: string;
  /** The event's `data`, as received. */
  data: Record<string, unknown>;
  /** The whole envelope as received, unknown fields included. */
  raw: Record<string, unknown>;
}

export interface HandlerContext {
  /** Stable per unit of work (`match_id` for settlements, `notify_id` for events): treat a repeat as done. */
  idempotencyKey: string;
  /** 1 on the first hand-over; more after a failure or a takeover from a process that died. */
  attempt: number;
  /** Aborted when the lease is lost to another process or the bridge is closing. */
  signal: AbortSignal;
}

/**
 * Settles a match in the game (credits, stats). Runs once per match across all processes; retried with
 * backoff when it throws, and again if a process dies mid-run, so it must be idempotent on the key.
 */
export type SettlementHandler = (settlement: Settlement, ctx: HandlerContext) => Promise<void> | void;

/** Receives each other SUD notification once (same guarantees as {@link SettlementHandler}). */
export type SudEventHandler = (event: SudEvent, ctx: HandlerContext) => Promise<void> | void;

/**
 * Hands a SUD settlement to the live room it belongs to, on whichever process holds the room. The rooms
 * layer implements it (cross-process, through its room plugin). Resolve `false` when no such room is
 * alive (the settlement is then complete: the handler has run); throw to have delivery retried.
 */
export interface RoomSettlementDelivery {
  deliver(roomId: string, settlement: Settlement): Promise<boolean | void> | boolean | void;
}

export type SettlementJobState = 'pending' | 'running' | 'done' | 'given_up';

/** What Redis holds about one settlement or event, for operators and tests. */
export interface SudJobRecord {
  id: string;
  kind: 'settle' | 'event';
  idempotencyKey: string;
  state: SettlementJobState;
  source: 'sud' | 'room';
  attempts: number;
  /** True once the handler has succeeded (only room delivery may be left). */
  handled: boolean;
  delivered?: boolean;
  lastError?: string;
  notifyId?: string;
  createdAt: number;
  updatedAt: number;
  doneAt?: number;
  payload: Settlement | SudEvent;
}

export type ReportOutcome = { status: 'accepted' } | { status: 'duplicate'; state: SettlementJobState | 'unknown' };
