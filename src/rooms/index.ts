export { PlatformPlugin, type PlatformPluginOptions, type BridgeRef } from './plugin/PlatformPlugin.js';
export { installRooms, type RoomServices, type RoomsDeps } from './install.js';
export { setCurrentBridgeServices, currentBridgeServices } from './plugin/current.js';
export {
  roomsOptionsSchema,
  serverStateOptionsSchema,
  roleInfoOptionsSchema,
  reportQueueOptionsSchema,
  rankOptionsSchema,
  settlementOptionsSchema,
  type RoomsOptions,
  type RoomsOptionsInput,
} from './options.js';
export { grantMessage, type GrantMessage, type RoomGrantHandler } from './deliveries/grantSink.js';
export type { IdResolver } from './plugin/identity.js';
export { RANK_KINDS } from './services.js';
export type {
  BridgeServices,
  RankKind,
  RankSnapshot,
  RankCollector,
  ReportQueue,
  RoomReport,
  RoleRegistry,
  RoleUpdate,
  RoleApplied,
  RoleListing,
  RoleCreatedEvent,
  RoleCreatedInput,
  RoleChangedInput,
  Settlement,
  SettlementInput,
  SettlementResult,
  SettlementSink,
  ClientIdentity,
  JsonValue,
} from './services.js';
export { StoreSettlementSink, type SettlementHandler } from './settlements/StoreSettlementSink.js';
export { RANK_TYPE_OF, type RankSink } from './reports/RankPump.js';
export type { ActiveEvent, ActivityLog } from '../roles/ActivityLog.js';
export type { ServerStateReporter } from '../serverstate/ServerStateReporter.js';
export type { GameState, GameStateProvider } from '../serverstate/ServerStateReporter.js';
export type { MachineSample, MachineSampler } from '../serverstate/machine.js';
