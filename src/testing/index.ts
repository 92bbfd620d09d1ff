/**
 * `colyseus-platform-bridge/testing`: what a game's own tests need to play the platforms against its server,
 * the same code the bridge's tests and the simulator use. Signed request builders for every inbound path,
 * an HTTP and socket client, local doubles of the GameCenter and VNGates APIs, and the port of a booted
 * `@colyseus/testing` server. Nothing here is needed in production.
 */
export {
  rechargeOrder,
  giftRequest,
  addgoldQuery,
  rolelistQuery,
  sudNotification,
  type RechargeInput,
  type RechargeOrder,
  type GiftInput,
  type GiftRequest,
  type AddgoldInput,
  type SudInput,
} from './requests.js';
export { httpExchange, socketExchange, type Exchange } from './transport.js';
export {
  GameCenterDouble,
  type GameCenterDoubleOptions,
  type DoubleOrder,
  type DoubleTransfer,
  type DoubleFriend,
  type DoublePlayer,
  type BlockInfo,
  type ScriptedFailure,
  type RecordedRequest,
} from './gameCenter/GameCenterDouble.js';
export { VngatesDouble, type VngatesDoubleOptions, type VngatesDoubleUser, type VngatesFailure } from './vngatesDouble.js';
export { testServerPort, testServerUrl, type ListeningServerLike } from './port.js';
export { TRIAL_SECRETS, TRIAL_VNGATES_SIGN_FIELDS } from './trialDefaults.js';
