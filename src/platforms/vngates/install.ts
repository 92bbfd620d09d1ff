/**
 * Puts VNGates into a bridge: the `/addgold` payment callback (into the ledger), `/rolelist`, and the
 * userinfo client for rooms' `onAuth`. A payment route that cannot verify signs yet is still installed,
 * so VNGates gets a clear "retry later" and the log says what to configure.
 */
import type { BridgeContext } from '../../context.js';
import type { Ledger } from '../../ledger/Ledger.js';
import { createAddgoldEndpoint, HOW_TO_CONFIGURE } from './addgold.js';
import { VngatesClient } from './client.js';
import { vngatesOnAuth, type OnAuthOptions } from './onAuth.js';
import type { VngatesOptions } from './options.js';
import { createRolelistEndpoint } from './rolelist.js';
import { windowedRefusalLogger } from '../../ops/refusals.js';
import type { RoleLookup } from './types.js';

export interface VngatesDeps {
  ledger: Ledger;
  /** Where `/rolelist` reads roles (the rooms layer's role registry). Absent: `/rolelist` answers status 0. */
  roles?: RoleLookup;
}

export interface VngatesService {
  readonly client: VngatesClient;
  /** A VNGates access-token verifier; rooms use `static onAuth = platformOnAuth('vngates')`, which calls this at join time. */
  onAuth(opts?: OnAuthOptions): ReturnType<typeof vngatesOnAuth>;
}

export function installVngates(ctx: BridgeContext, options: VngatesOptions, deps: VngatesDeps): VngatesService {
  // the payment route logs its refusals itself: they go through the windowed refusal log
  const addgoldCtx = Object.create(ctx, { logger: { value: windowedRefusalLogger(ctx.logger, ctx.clock, ['vngates addgold refused:']) } }) as BridgeContext;
  ctx.addEndpoint('vngatesAddgold', createAddgoldEndpoint(addgoldCtx, options, deps.ledger));
  // /rolelist's sign has no secret: without an allow-list it is served only when the operator says so
  const rolelistServed = !!options.ipAllowList?.length || options.rolelistPublic;
  if (rolelistServed) ctx.addEndpoint('vngatesRolelist', createRolelistEndpoint(ctx, options, deps.roles));
  const client = new VngatesClient({
    appId: options.appId,
    userinfoUrl: options.userinfoUrl,
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    maxResponseBytes: options.maxResponseBytes,
    allowInsecureHttp: options.allowInsecureHttp,
  });

  const verifying = options.verifyMode === 'enforce' && options.signTemplate !== undefined;
  if (options.verifyMode === 'enforce' && !options.signTemplate) {
    ctx.logger.error(`vngates: every /addgold payment will be refused until its sign can be verified: ${HOW_TO_CONFIGURE}`, { option: 'vngates.signTemplate' });
  } else if (!verifying) {
    ctx.logger.warn(`vngates: /addgold signs are not enforced (verifyMode ${options.verifyMode}); payments are accepted from the IP allow-list alone`, { ipAllowList: options.ipAllowList });
  }
  if (!rolelistServed) {
    ctx.logger.warn(
      `vngates: ${options.rolelistPath} is not served: no ipAllowList, and its sign has no secret (anyone could list any user's roles). Set vngates.ipAllowList to VNGates' addresses, or vngates.rolelistPublic: true to serve it to everyone`,
    );
  } else if (!options.ipAllowList?.length) {
    ctx.logger.warn('vngates: rolelistPublic: /rolelist answers anyone who knows a user id (its sign has no secret)');
  }
  if (rolelistServed && !deps.roles) ctx.logger.warn('vngates: no role lookup installed: /rolelist answers status 0');

  ctx.setPlatformStatus('vngates', {
    enabled: true,
    details: {
      addgoldPath: options.addgoldPath,
      rolelistPath: rolelistServed ? options.rolelistPath : null,
      verifyMode: options.verifyMode,
      signTemplate: options.signTemplate ? 'configured' : 'missing',
      acceptingPayments: verifying || options.verifyMode !== 'enforce',
      ipAllowList: options.ipAllowList?.length ?? 0,
      productCheck: options.verifyProduct !== undefined,
      roleLookup: deps.roles !== undefined,
    },
  });

  return { client, onAuth: (opts) => vngatesOnAuth(client, opts) };
}
