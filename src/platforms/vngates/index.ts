/** VNGates PrivateSDK (userinfo, /addgold, /rolelist): the public surface of this folder. */
export { installVngates, type VngatesDeps, type VngatesService } from './install.js';
export {
  vngatesOptionsSchema,
  signTemplateSchema,
  answersSchema,
  parseVngatesOptions,
  SIGN_HASHES,
  VERIFY_MODES,
  type SignTemplate,
  type VerifyMode,
  type VngatesOptions,
  type VngatesOptionsInput,
} from './options.js';
export { VngatesClient, type VngatesClientOptions } from './client.js';
export { VngatesApiError, VngatesTransportError, type TransportFailure } from './errors.js';
export { vngatesOnAuth, type OnAuthOptions, type VngatesAuth } from './onAuth.js';
export type { RoleLookup, RoleListing, ProductCheck, VerifyProduct, VngatesUser } from './types.js';
