/**
 * Failures of GameCenter calls, in three kinds a caller handles differently:
 * - {@link GameCenterError}: the server answered with a non-zero `code` (one subclass per documented code);
 * - {@link GameCenterTransportError}: no usable answer (network, timeout, HTTP error, unreadable body);
 * - {@link GameCenterRequestError}: refused locally before anything was sent.
 */

export const GameCenterErrorCode = {
  INTERNAL: 900,
  NEED_LOGIN: 920,
  USER_BLOCKED: 921,
  INVALID_ACCESS_TOKEN: 922,
  NO_PERMISSION: 923,
  ANOTHER_CLIENT_AUTHORIZED: 924,
  DUPLICATE_OPERATION: 998,
  INVALID_PARAMETER: 999,
  TRANSFER_REJECTED: 370004,
} as const;

export type GameCenterKnownCode = (typeof GameCenterErrorCode)[keyof typeof GameCenterErrorCode];

export class GameCenterError extends Error {
  override name = 'GameCenterError';
  /** The response's `code`. */
  readonly code: number;
  /** The response's `msg`, verbatim. */
  readonly msg: string;
  /** API name, e.g. `order.check_status`. */
  readonly endpoint: string;
  /** The response's `data`, if any. */
  readonly data: unknown;

  constructor(endpoint: string, code: number, msg: string, data?: unknown) {
    super(`GameCenter ${endpoint} failed with code ${code}${msg ? `: ${msg}` : ''}`);
    this.endpoint = endpoint;
    this.code = code;
    this.msg = msg;
    this.data = data;
  }
}

/** 900: the platform failed internally; read-only calls are retried on it. */
export class GameCenterInternalError extends GameCenterError {
  override name = 'GameCenterInternalError';
}

/** 920: unauthorized request, the user needs to log in. */
export class GameCenterNeedLoginError extends GameCenterError {
  override name = 'GameCenterNeedLoginError';
}

/** 921: the user is blocked; `msg` (or `data`) carries `{"reason":"…","expired":<ms>}`. */
export class GameCenterUserBlockedError extends GameCenterError {
  override name = 'GameCenterUserBlockedError';
  /** Why the user was blocked; '' when the platform gave no reason. */
  readonly reason: string;
  /** The `expired` value in milliseconds as sent (the block's end); 0 when the platform sent none. */
  readonly expired: number;

  constructor(endpoint: string, code: number, msg: string, data?: unknown) {
    super(endpoint, code, msg, data);
    const info = parseBlockInfo(msg, data);
    this.reason = info.reason;
    this.expired = info.expired;
  }
}

/** 922: the access token (userToken) is invalid. */
export class GameCenterInvalidAccessTokenError extends GameCenterError {
  override name = 'GameCenterInvalidAccessTokenError';
}

/** 923: the app has no permission for this API. */
export class GameCenterNoPermissionError extends GameCenterError {
  override name = 'GameCenterNoPermissionError';
}

/** 924: the token was replaced because another client of the same user was authorized. */
export class GameCenterAnotherClientAuthorizedError extends GameCenterError {
  override name = 'GameCenterAnotherClientAuthorizedError';
}

/** 998: duplicate operation (a second rank submission the same day, a second create-role event, …). */
export class GameCenterDuplicateOperationError extends GameCenterError {
  override name = 'GameCenterDuplicateOperationError';
}

/** 999: invalid parameter; also what a signature mismatch is reported as. */
export class GameCenterInvalidParameterError extends GameCenterError {
  override name = 'GameCenterInvalidParameterError';
}

/** 370004: transfer failed, rejected by the payment gateway. */
export class GameCenterTransferRejectedError extends GameCenterError {
  override name = 'GameCenterTransferRejectedError';
}

type ErrorClass = new (endpoint: string, code: number, msg: string, data?: unknown) => GameCenterError;

const BY_CODE: ReadonlyMap<number, ErrorClass> = new Map<number, ErrorClass>([
  [GameCenterErrorCode.INTERNAL, GameCenterInternalError],
  [GameCenterErrorCode.NEED_LOGIN, GameCenterNeedLoginError],
  [GameCenterErrorCode.USER_BLOCKED, GameCenterUserBlockedError],
  [GameCenterErrorCode.INVALID_ACCESS_TOKEN, GameCenterInvalidAccessTokenError],
  [GameCenterErrorCode.NO_PERMISSION, GameCenterNoPermissionError],
  [GameCenterErrorCode.ANOTHER_CLIENT_AUTHORIZED, GameCenterAnotherClientAuthorizedError],
  [GameCenterErrorCode.DUPLICATE_OPERATION, GameCenterDuplicateOperationError],
  [GameCenterErrorCode.INVALID_PARAMETER, GameCenterInvalidParameterError],
  [GameCenterErrorCode.TRANSFER_REJECTED, GameCenterTransferRejectedError],
]);

/** The typed error for a non-zero response code; codes the document does not list give the base class. */
export function gameCenterErrorFor(endpoint: string, code: number, msg: string, data?: unknown): GameCenterError {
  const Cls = BY_CODE.get(code) ?? GameCenterError;
  return new Cls(endpoint, code, msg, data);
}

/** True for any API error, or, with `code`, for an API error with exactly that code. */
export function isGameCenterError(e: unknown, code?: number): e is GameCenterError {
  return e instanceof GameCenterError && (code === undefined || e.code === code);
}

export type TransportFailureKind = 'network' | 'timeout' | 'http' | 'invalid-response';

/**
 * No usable answer. `reachedServer` is what a caller of a money API needs: `false` means the request
 * provably never arrived (connection refused, unknown host), `true` that the server answered but unusably,
 * `'unknown'` (timeouts, dropped connections) that it may have been processed.
 */
export class GameCenterTransportError extends Error {
  override name = 'GameCenterTransportError';
  readonly endpoint: string;
  readonly kind: TransportFailureKind;
  readonly reachedServer: boolean | 'unknown';
  /** HTTP status when the server answered. */
  readonly status: number | undefined;
  /** The system error code (ECONNREFUSED, …) when one was found. */
  readonly errno: string | undefined;
  /** Whether repeating could help (it does not say whether repeating is safe: that depends on the API). */
  readonly transient: boolean;

  constructor(endpoint: string, kind: TransportFailureKind, message: string, details: { reachedServer: boolean | 'unknown'; transient: boolean; status?: number; errno?: string; cause?: unknown }) {
    super(`GameCenter ${endpoint}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.endpoint = endpoint;
    this.kind = kind;
    this.reachedServer = details.reachedServer;
    this.transient = details.transient;
    this.status = details.status;
    this.errno = details.errno;
  }
}

export function isGameCenterTransportError(e: unknown): e is GameCenterTransportError {
  return e instanceof GameCenterTransportError;
}

/** A call refused before sending because it breaks a documented limit or has malformed arguments. */
export class GameCenterRequestError extends Error {
  override name = 'GameCenterRequestError';
  readonly endpoint: string;

  constructor(endpoint: string, message: string) {
    super(`GameCenter ${endpoint}: ${message}`);
    this.endpoint = endpoint;
  }
}

/*
 * The document shows 921's msg as the JSON text {"reason":"","expired":milliseconds}; a server may as well
 * put that object in `data`. Accept both, prefer `data`, and never throw while building an error.
 */
function parseBlockInfo(msg: string, data: unknown): { reason: string; expired: number } {
  const fromData = blockFields(data);
  if (fromData) return fromData;
  try {
    const fromMsg = blockFields(JSON.parse(msg));
    if (fromMsg) return fromMsg;
  } catch {
    // not JSON: the whole msg is the only reason we have
  }
  return { reason: msg, expired: 0 };
}

function blockFields(v: unknown): { reason: string; expired: number } | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  if (!('reason' in o) && !('expired' in o)) return undefined;
  const expired = typeof o.expired === 'number' ? o.expired : typeof o.expired === 'string' ? Number(o.expired) : 0;
  return { reason: typeof o.reason === 'string' ? o.reason : '', expired: Number.isFinite(expired) ? expired : 0 };
}
