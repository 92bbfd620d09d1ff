/** GameCenter (ToTok, api.amusgame.net) server-API client: the public surface of this folder. */
export { GameCenterClient, MAX_GAME_ZONE, MAX_RANK_PAIRS, MAX_ZONE_ROWS, RANK_TYPE, ZONE_EVENT } from './client.js';
export type { GameCenterApi, GameCenterClientDeps, NewExchangeInput, NewTransferInput, RankType, ZoneEventType } from './client.js';
export {
  GameCenterAnotherClientAuthorizedError,
  GameCenterDuplicateOperationError,
  GameCenterError,
  GameCenterErrorCode,
  GameCenterInternalError,
  GameCenterInvalidAccessTokenError,
  GameCenterInvalidParameterError,
  GameCenterNeedLoginError,
  GameCenterNoPermissionError,
  GameCenterRequestError,
  GameCenterTransferRejectedError,
  GameCenterTransportError,
  GameCenterUserBlockedError,
  gameCenterErrorFor,
  isGameCenterError,
  isGameCenterTransportError,
} from './errors.js';
export type { GameCenterKnownCode, TransportFailureKind } from './errors.js';
export { jsonIdLiteral, parseJsonBigSafe, quoteUnsafeIntegers, stringifyIdRows } from './json.js';
export { GAMECENTER_BASE_URLS, gameCenterOptionsSchema, gameCenterSignSchema, parseGameCenterOptions } from './options.js';
export type {
  GameCenterEnvironmentName,
  GameCenterOptions,
  GameCenterOptionsInput,
  GameCenterSignInput,
  GameCenterSignOptions,
} from './options.js';
export { ORDER_STATUS, TRANSFER_STATUS, orderOutcome } from './schemas.js';
export type { GameCenterFriend, GameCenterOrderStatus, GameCenterPlayingUser, GameCenterTransferStatus, OrderOutcome } from './schemas.js';
export { MAX_NONCE, buildSignedForm, createNonceSource, signParams, stringToSign } from './signer.js';
export type { FormParams, FormValue, NonceSource } from './signer.js';
export { formatAmount2 } from './amount.js';
