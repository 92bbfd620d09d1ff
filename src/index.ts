/**
 * colyseus-platform-bridge: connects a Colyseus 0.18 game server to its platforms' back-ends with one
 * register call. This file is the whole public API; everything else is internal.
 */
export { registerPlatformBridge, type PlatformBridge } from './register.js';
export { platformOnAuth, platformService, type PlatformOnAuth, type PlatformName, type PlatformServices } from './platformAccess.js';
export { optionsSchema, parseOptions, ConfigError, type PlatformBridgeOptions, type ResolvedOptions } from './config.js';
export type { HealthReport } from './http/health.js';
export type { LeaseEvent, LeaseEventListener, LeaseLossReason } from './workers/lease/Lease.js';
export { consoleLogger, type Logger, type LogLevel, type LogFields } from './logger.js';
export {
  KeySpace,
  MemoryStore,
  RedisStore,
  StoreUnavailableError,
  defineScript,
  type Store,
  type StoreScript,
  type ScriptReply,
  type RedisConnection,
} from './store/index.js';
export { md5Hex, sha256Hex, hmacHex, hmacSha1Hex, hashHex, safeEqual, canonicalSorted, type CanonicalOptions, type HashName } from './signing.js';
export { createIpMatcher } from './http/ipAllowList.js';
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
  OrderSource,
} from './ledger/index.js';
export { UnstorableOrderError, MAX_RAW_DEPTH } from './ledger/index.js';
export type { OperatorAction } from './ledger/Ledger.js';
export type { JournalEntry, LedgerEvent } from './ledger/journal.js';
export { Desk, LISTABLE_STATES, type Page as DeskPage, type ListQuery, type ListableState, type StateCounts, type RetryOutcome } from './ops/desk.js';
export { EXPORT_COLUMNS, type ExportFormat } from './ops/exportDay.js';
export {
  rechargeSocketPort,
  parseRechargeOptions,
  rechargeOptionsSchema,
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
  gameCenterPlatformOptionsSchema,
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
  currentBridgeServices,
  roomsOptionsSchema,
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
  sudOptionsSchema,
  sudSettlementSink,
  SUD_RET,
  MATCH_SETTLE_EVENT,
  type SudOptionsInput,
  type SudService,
  type SettlementReporter,
  type SettlementReport,
  type Settlement as SudSettlement,
  type PlayerResult,
  type SudEvent,
  type HandlerContext as SudHandlerContext,
  type SettlementHandler as SudSettlementHandler,
  type SudEventHandler,
  type SettlementRoomSink,
  type SudJobRecord,
} from './platforms/sud/index.js';
export {
  vngatesOptionsSchema,
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
export { SETTLEMENT_ROOM_METHOD, type RoomSettlement, type RoomSettlementHandler } from './rooms/roomSettlements.js';
