/** What the GameCenter double keeps and records: orders, transfers, players, scripted failures, requests. */
export interface DoubleOrder {
  status: number;
  checked: 0 | 1;
  payTime?: number;
  /** Cents. */
  amount?: number;
  currency?: string;
  sku?: string;
  env?: 0 | 1;
  gameZone?: number;
  test?: boolean;
  orderRef?: string;
  orderToken?: string;
  payedAfterFailed?: boolean;
  cpOrderId?: string;
  userId?: string;
  /** Fields written over the answer entry as they are (a malformed entry); an `undefined` value removes the field. */
  answer?: Record<string, unknown>;
}

export interface DoubleTransfer {
  userId: string;
  /** Cents. */
  amount: number;
  currency: string;
  status: 0 | 1 | 2 | 3;
}

export interface DoubleFriend {
  ttkUid: string;
  nickname: string;
  photoUrl: string;
}

export interface DoublePlayer {
  userId: string;
  thirdUid: string;
  thirdType: number;
  nickname: string;
  photoUrl: string;
}

export interface BlockInfo {
  reason: string;
  expired: number;
  /** Where the {"reason","expired"} object travels: as JSON text in `msg` (the document) or as `data`. */
  via?: 'msg' | 'data';
}

/** What the next matching calls get instead of normal processing. */
export type ScriptedFailure = { code: number; msg?: string; data?: unknown } | { httpStatus: number; body?: string } | { hang: true } | { drop: true };

export interface RecordedRequest {
  method: string;
  /** The API name, e.g. `sync.rank_data` (the path after /gameserver/). */
  endpoint: string;
  path: string;
  contentType: string;
  /** Form-decoded body. */
  params: Record<string, string>;
  rawBody: string;
  /** The double's clock at arrival. */
  at: number;
  /** What was answered: an API code, an HTTP status for non-JSON answers, or how the request was left. */
  outcome: { code: number } | { httpStatus: number } | { hang: true } | { drop: true };
}

export interface GameCenterDoubleOptions {
  appId?: string;
  secret?: string;
  gameId?: string;
  now?: () => number;
  dayOf?: (ms: number) => string;
  envelopeFailureCode?: number;
  /** Answer new_exchange / transfer.new ids as bare numbers instead of the document's quoted strings. */
  createdIdsAsBareNumbers?: boolean;
  /** Where it listens (default 127.0.0.1, any free port). */
  host?: string;
  port?: number;
  /** Called with one readable line per request and answer (the simulator prints them). */
  log?: (line: string) => void;
  /** `auth.check_status` accepts any token for a user not registered with `addUser`, except the token `bad`. */
  acceptAnyToken?: boolean;
  /** `order.check_status` reports an order it was not given as paid, unless its id starts with `unpaid`. */
  unknownOrdersPaid?: boolean;
}

/** An order the double was not told about, in `unknownOrdersPaid` mode: paid unless its id starts with `unpaid`. */
export function trialOrder(id: string, now: number): DoubleOrder {
  const paid = !id.startsWith('unpaid');
  return { status: paid ? 1 : 0, checked: paid ? 1 : 0, payTime: paid ? now : 0, gameZone: 1, test: true };
}
