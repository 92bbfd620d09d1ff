export type { Ledger, Deliveries, AcceptOptions, CancelOutcome } from './Ledger.js';
export type {
  PaidOrder,
  UnsignedOrderFields,
  LedgerRecord,
  OrderState,
  AcceptOutcome,
  GrantHandler,
  GrantContext,
  RevokeHandler,
  RevokeContext,
  GrantResult,
  GrantDelivery,
  GrantSink,
  HandOver,
  OrderSource,
} from './types.js';
export { TERMINAL_STATES } from './types.js';
export { UnstorableOrderError, MAX_RAW_DEPTH } from './storable.js';
export { ledgerOptionsSchema, grantHandlerSchema, type LedgerOptions } from './options.js';
export { createLedger, type LedgerServices } from './createLedger.js';
export { StoreLedger } from './StoreLedger.js';
export { DeliveryHub } from './DeliveryHub.js';
export { GrantWorker } from './GrantWorker.js';
export type { RevokeOutcome } from './revokeScripts.js';
