/**
 * The GET `/rolelist` route: the roles of `user_id`, in the document's shape. Its sign is md5(user_id)
 * and has no secret, so it proves nothing; the IP allow-list is the real gate, and the answer carries
 * only what the document lists.
 */
import { createEndpoint, type Endpoint } from '@colyseus/core';
import { countedHandler, withCallbackCode } from '../../ops/hooks.js';
import type { BridgeContext } from '../../context.js';
import { createIpMatcher } from '../../http/ipAllowList.js';
import { INBOUND_REFUSAL_BURST, RefusalNotes } from '../../ops/refusals.js';
import { md5Hex, safeEqual } from '../../signing.js';
import { StoreUnavailableError } from '../../store/Store.js';
import { json } from './answers.js';
import type { VngatesOptions } from './options.js';
import type { RoleLookup } from './types.js';
import { errorText } from '../../errorText.js';

const failure = (msg: string, status = 200) => json({ msg, data: [], status: 0 }, status);

export function createRolelistEndpoint(ctx: BridgeContext, options: VngatesOptions, roles: RoleLookup | undefined): Endpoint {
  const allowed = createIpMatcher(options.ipAllowList);
  const refusals = new RefusalNotes(ctx.logger, 'vngates rolelist refused', ctx.clock, INBOUND_REFUSAL_BURST);
  const refuse = (reason: string, fields: Record<string, unknown>, status = 200) => {
    const { peer, ...rest } = fields;
    refusals.note(reason, typeof peer === 'string' ? peer : undefined, rest);
    return failure(reason, status);
  };

  return createEndpoint(
    options.rolelistPath,
    { method: 'GET', disableBody: true },
    countedHandler(ctx.ops, 'vngates', 'rolelist', async (ectx) => {
      const request = ectx.request;
      if (!request) return failure('internal error', 500);
      const peer = ctx.peer.peerOf(request.headers);
      if (ctx.stopping) return refuse('server is shutting down, retry later', { peer }, 503);
      if (!allowed(peer)) return refuse('caller address not allowed', { peer }, 403);
      const query = new URL(request.url).searchParams;
      const userId = query.get('user_id')?.trim() ?? '';
      const sign = query.get('sign') ?? '';
      if (!userId) return refuse('missing user_id', { peer });
      if (!sign || !safeEqual(sign, md5Hex(userId), true)) return withCallbackCode(refuse(sign ? 'invalid sign' : 'missing sign', { peer, userId, sign }), 'bad-sign');
      if (!roles) {
        ctx.logger.error('vngates rolelist: no role lookup is installed, so no roles can be listed (the rooms layer provides it)', { userId });
        return failure('role list unavailable', 503);
      }
      try {
        const list = await roles.rolesOf(userId);
        return json({
          msg: 'success',
          data: list.map((r) => ({ role_name: r.roleName, server_name: r.serverName, role_id: r.roleId, login_time: r.loginTime, server_id: r.serverId })),
          status: 1,
        });
      } catch (error) {
        const unavailable = error instanceof StoreUnavailableError;
        ctx.logger.error('vngates rolelist: roles could not be read', { userId, error: errorText(error) });
        return failure(unavailable ? 'temporarily unavailable, retry later' : 'internal error', unavailable ? 503 : 500);
      }
    }),
  );
}
