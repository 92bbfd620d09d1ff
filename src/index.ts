/**
 * colyseus-platform-bridge: connects a Colyseus 0.18 game server to its platforms' back-ends with one
 * register call. This file is the whole public API; everything else is internal.
 *
 * What a game needs: the register call and its options, the room plugin, `platformOnAuth` /
 * `platformService`, the handles on the returned bridge (ledger, desk, platforms) and the types they carry.
 * Extension points (README "Extension points"; each marked `@remarks Extension point:` where declared):
 * the `Logger`, your own atomic steps on `bridge.store` (`Store`, `defineScript`, `StoreScript`,
 * `KeySpace`), a `GrantSink` for `bridge.deliveries.attach`, a `RankSink` for `bridge.rooms.pipeRanks`, the
 * serverstate `MachineSampler` / `GameStateProvider`, and the signing helpers.
 */
export { registerPlatformBridge, type PlatformBridge } from './register.js';
export { platformOnAuth, platformService, type PlatformOnAuth, type PlatformName, type PlatformServices } from './platformAccess.js';
export { optionsSchema, parseOptions, ConfigError, type PlatformBridgeOptions, type ResolvedOptions } from './config.js';
export type { HealthReport } from './http/health.js';
export type { LeaseEvent, LeaseEventListener, LeaseLossReason } from './workers/lease/Lease.js';
export { consoleLogger, type Logger, type LogLevel, type LogFields } from './logger.js';
export { StoreUnavailableError, defineScript, type KeySpace, type Store, type StoreScript, type ScriptReply, type RedisConnection } from './store/index.js';
export { md5Hex, sha256Hex, hmacHex, hmacSha1Hex, hashHex, safeEqual, canonicalSorted, type CanonicalOptions, type HashName } from './signing.js';
export type {
  Ledger,
  Deliveries,
  AcceptOptions,
  CancelOutcome,
  PaidOrder,
  UnsignedOrderFields,
  LedgerRecord,
  OrderState,
  AcceptOutcome,
  GrantHandler,
  GrantContext,
  RevokeHandler,
  RevokeContext,
  RevokeOutcome,
  GrantResult,
  GrantDelivery,
  GrantSink,
  HandOver,
  OrderSource,
} from './ledger/index.js';
export { UnstorableOrderError, MAX_RAW_DEPTH } from './ledger/index.js';
export type { OperatorAction } from './ledger/Ledger.js';
export type { JournalEntry, LedgerEvent } from './ledger/journal.js';
export { Desk, LISTABLE_STATES, type Page as DeskPage, type ListQuery, type ListableState, type StateCounts, type RetryOutcome } from './ops/desk.js';
export { EXPORT_COLUMNS, type ExportFormat } from './ops/exportDay.js';
export {
  rechargeSocketPort,
  RECHARGE_CODE,
  GIFT_CODE,
  rechargeLedgerKey,
  type RechargeOptions,
  type RechargeOptionsInput,
  type GiftHandler,
  type GiftRequest,
  type GiftHandlerResult,
  type RechargeCode,
} from './platforms/recharge/index.js';
export {
  GameCenterClient,
  gameCenterOnAuth,
  GameCenterAuthError,
  GameCenterError,
  GameCenterTransportError,
  isGameCenterError,
  DuplicateTransferReferenceError,
} from './platforms/gamecenter/index.js';
export type {
  GameCenterServices,
  GameCenterPlatformOptionsInput,
  RankEntry,
  RankSink,
  RegisterOrderInput,
  RegisterOrderOutcome,
  PolledOrder,
  PolledOrderState,
  NewTransferRequest,
  NewTransferResult,
  TransferOutcome,
  TransferHandler,
  TransferHandlerContext,
  ZoneEventOutcome,
  ParkedZoneEvent,
  GameCenterAuth,
  GameCenterOnAuth,
} from './platforms/gamecenter/index.js';
export {
  PlatformPlugin,
  grantMessage,
  RANK_KINDS,
  type PlatformPluginOptions,
  type BridgeRef,
  type RoomServices,
  type BridgeServices,
  type RankKind,
  type RoleCreatedInput,
  type RoleChangedInput,
  type SettlementInput,
  type Settlement,
  type SettlementSink,
  type RoleListing,
  type RoleCreatedEvent,
  type ActiveEvent,
  type GrantMessage,
  type RoomGrantHandler,
  type GameState,
  type GameStateProvider,
  type MachineSampler,
  type RoomsOptionsInput,
} from './rooms/index.js';
export {
  SUD_RET,
  MATCH_SETTLE_EVENT,
  type SudOptionsInput,
  type SudService,
  type SudSettlements,
  type SettlementReport,
  type Settlement as SudSettlement,
  type PlayerResult,
  type SudEvent,
  type HandlerContext as SudHandlerContext,
  type SettlementHandler as SudSettlementHandler,
  type SudEventHandler,
  type RoomSettlementDelivery,
  type SudJobRecord,
} from './platforms/sud/index.js';
export {
  VngatesClient,
  VngatesApiError,
  VngatesTransportError,
  vngatesOnAuth,
  type VngatesOptionsInput,
  type VngatesService,
  type RoleLookup,
  type RoleListing as VngatesRoleListing,
  type VerifyProduct,
  type ProductCheck,
  type VngatesUser,
  type VngatesAuth,
  type SignTemplate,
  type VerifyMode,
} from './platforms/vngates/index.js';
export type { RoomSettlement, RoomSettlementHandler } from './rooms/settlements/roomDelivery.js';
export type { IdResolver } from './rooms/plugin/identity.js';

/** @deprecated Renamed {@link SudSettlements} (the type of `bridge.sud.settlements`); this alias goes in 1.0. */
export type SettlementReporter = SudSettlements;
/** @deprecated Renamed {@link RoomSettlementDelivery} (one name for "a platform's settlement to its live room"); this alias goes in 1.0. */
export type SettlementRoomSink = RoomSettlementDelivery;
import type { RoomSettlementDelivery, SudSettlements } from './platforms/sud/index.js';
