/** The recharge platform (HTTP callback, TCP socket, gift codes): the public surface of this folder. */
export { installRecharge, rechargeSocketPort, type SocketPort } from './install.js';
export {
  DEDUPE_FIELDS,
  parseRechargeOptions,
  rechargeOptionsSchema,
  rechargeSocketOptionsSchema,
  type DedupeField,
  type RechargeOptions,
  type RechargeOptionsInput,
  type RechargeSocketOptions,
} from './options.js';
export type { GiftHandler, GiftHandlerResult, GiftRequest } from './types.js';
export { GIFT_CODE, GIFT_SUCCESS_DESC, RECHARGE_CODE, type RechargeCode } from './codes.js';
export { rechargeLedgerKey } from './toOrder.js';
