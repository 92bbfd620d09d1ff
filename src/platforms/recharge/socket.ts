/**
 * The recharge TCP socket: recharge orders and gift-code redemptions arrive on the same port, told apart by
 * their fields (a gift redemption carries `codeNo`). Framing, limits, idle timeouts and the allow-list are
 * the socket server's job; this file only turns a parsed request into its answer.
 */
import { createIpMatcher } from '../../http/ipAllowList.js';
import type { Logger } from '../../logger.js';
import { JsonSocketServer } from '../../socket/JsonSocketServer.js';
import type { SocketRequestContext } from '../../socket/JsonSocketServer.js';
import { RECHARGE_CODE, socketAnswer } from './codes.js';
import type { GiftRedeemer } from './gift.js';
import type { RechargeIntake } from './intake.js';
import { parseSourced, sourcedFromValue, type SourcedObject } from '../../json/sourcedObject.js';
import type { RechargeOptions } from './options.js';
import { NO_OPS, type OpsHooks } from '../../ops/hooks.js';

export interface RechargeSocketDeps {
  options: RechargeOptions;
  /** The port to bind (the configured one plus any per-process offset). */
  port: number;
  intake: RechargeIntake;
  gifts: GiftRedeemer;
  logger: Logger;
  /** Counts every answer (and every connection refused by address) for the metrics. */
  ops?: OpsHooks;
}

export function createRechargeSocket(deps: RechargeSocketDeps): JsonSocketServer {
  const { options, intake, gifts, logger } = deps;
  const s = options.socket;
  const allowList = options.ipAllowList;
  const ops = deps.ops ?? NO_OPS;
  const matcher = allowList && allowList.length > 0 ? createIpMatcher(allowList) : undefined;
  // the socket answers with `ret`, gift codes with `code`
  const counted = (path: string, reply: Record<string, unknown>) => {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- our own replies: ret is a number, a gift's code a string
    ops.callback('recharge', path, String(reply.ret ?? reply.code ?? ''));
    return reply;
  };
  return new JsonSocketServer({
    host: s.host,
    port: deps.port,
    framing: s.framing,
    maxMessageBytes: s.maxMessageBytes,
    idleTimeoutMs: s.idleTimeoutMs,
    maxConnections: s.maxConnections,
    maxConnectionsPerIp: Math.min(s.maxConnectionsPerIp, s.maxConnections),
    keepAlive: s.keepAlive,
    allowIp: matcher
      ? (ip) => {
          const ok = matcher(ip);
          if (!ok) ops.callback('recharge', 'socket', 'connection-refused');
          return ok;
        }
      : undefined,
    logger,
    // one parse per message: the sourced parse keeps the number literals the sign is computed over
    parse: (text) => {
      const parsed = parseSourced(text);
      return parsed.ok ? { ok: true, value: parsed.object.value, meta: parsed.object } : parsed;
    },
    onMessage: async (message, ctx) => {
      const obj = withSource(message, ctx);
      if ('codeNo' in obj.value) return counted('gift', await gifts.redeem(obj, ctx.remoteAddress));
      return counted('socket', socketAnswer(await intake.handle(obj, 'socket', ctx.remoteAddress), obj));
    },
    // the socket server has logged why; the platform gets the recharge-shaped answer it can read
    onMalformed: (reason) => counted('socket', socketAnswer({ code: RECHARGE_CODE.malformed, msg: `malformed request: ${reason}` })),
    onError: () => counted('socket', socketAnswer({ code: RECHARGE_CODE.internal, msg: 'internal error, retry later' })),
  });
}

/** Re-reads the request's text to keep its number literals, which the sign is computed over. */
function withSource(message: Record<string, unknown>, ctx: SocketRequestContext): SourcedObject {
  if (ctx.meta !== undefined) return ctx.meta as SourcedObject;
  if (ctx.text !== undefined) {
    const parsed = parseSourced(ctx.text);
    if (parsed.ok) return parsed.object;
  }
  return sourcedFromValue(message);
}
