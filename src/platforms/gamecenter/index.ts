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
export { jsonIdLiteral, stringifyIdRows } from './idRows.js';
export { GAMECENTER_BASE_URLS, gameCenterOptionsSchema, gameCenterSignSchema, parseGameCenterOptions } from './options.js';
export type { GameCenterEnvironmentName, GameCenterOptions, GameCenterOptionsInput, GameCenterSignInput, GameCenterSignOptions } from './options.js';
export { ORDER_STATUS, TRANSFER_STATUS, orderOutcome } from './schemas.js';
export type { GameCenterFriend, GameCenterOrderStatus, GameCenterPlayingUser, GameCenterTransferStatus, OrderOutcome } from './schemas.js';
export { MAX_NONCE, buildSignedForm, createNonceSource, signParams, stringToSign } from './signer.js';
export type { FormParams, FormValue, NonceSource } from './signer.js';
export { formatAmount2 } from './amount.js';
export { gameCenterPlatformOptionsSchema } from './platformOptions.js';
export type { GameCenterPlatformOptions, GameCenterPlatformOptionsInput } from './platformOptions.js';
export { installGameCenter } from './install.js';
export type { GameCenterContext, GameCenterInstallDeps, GameCenterServices } from './install.js';
export { GameCenterAuthError, gameCenterOnAuth } from './auth.js';
export type { GameCenterAuth, GameCenterOnAuth, GameCenterOnAuthOptions } from './auth.js';
export { ZonedDays } from './day.js';
export { RankStore } from './ranks/RankStore.js';
export { RankFlusher } from './ranks/RankFlusher.js';
export type { FlushResult, RankFlusherOptions } from './ranks/RankFlusher.js';
export type { RankEntry, RankSink } from './ranks/RankSink.js';
export { ZoneSync } from './zones/ZoneSync.js';
export type { ParkedZoneEvent, ZoneEventOutcome, ZoneSyncOptions } from './zones/ZoneSync.js';
export { OrderPoller, cpOrderAlias } from './orders/OrderPoller.js';
export type { OrderPollerOptions, TickResult } from './orders/OrderPoller.js';
export { POLL_PHASES, POLL_WINDOW_MS, nextCheckAt } from './orders/schedule.js';
export type { PolledOrder, PolledOrderState, RegisterOrderInput, RegisterOrderOutcome } from './orders/types.js';
export { DuplicateTransferReferenceError, TransferService } from './transfers/TransferService.js';
export type { NewTransferResult, TransferServiceOptions } from './transfers/TransferService.js';
export type { NewTransferRequest, TrackedTransfer, TransferHandler, TransferHandlerContext, TransferOutcome, TransferState } from './transfers/types.js';
