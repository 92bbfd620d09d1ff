/** SUD (sud.tech) notifications and match settlements: the public surface of this folder. */
export { installSud, type SudDeps, type SudService, type SudSettlements } from './install.js';
export { sudOptionsSchema, sudWorkerOptionsSchema, parseSudOptions, type SudOptions, type SudOptionsInput, type SudWorkerOptions } from './options.js';
export { SUD_RET, type SudRetCode, type SudAnswer } from './codes.js';
export { MATCH_SETTLE_EVENT, type SettlementReport } from './schemas.js';
export { sudSettlementSink, type RoomSettlementLike } from './settlementSink.js';
export type { Settlement, PlayerResult, SudEvent, HandlerContext, SettlementHandler, SudEventHandler, RoomSettlementDelivery, SudJobRecord, SettlementJobState, ReportOutcome } from './types.js';
