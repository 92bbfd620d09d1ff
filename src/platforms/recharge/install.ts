/**
 * Puts the recharge platform into a bridge: the HTTP route, the TCP socket (recharges and gift codes) and
 * their place in the bridge's lifecycle. A socket that cannot bind (port taken) is logged and reported in
 * the health route, but never stops the game server: the HTTP path keeps taking orders.
 */
import type { BridgeContext, PlatformStatus } from '../../context.js';
import type { Ledger } from '../../ledger/Ledger.js';
import { GiftRedeemer } from './gift.js';
import { createRechargeEndpoint } from './http.js';
import { RechargeIntake } from './intake.js';
import type { RechargeOptions, RechargeSocketOptions } from './options.js';
import { createRechargeSocket } from './socket.js';
import { windowedRefusalLogger } from '../../ops/refusals.js';

export type SocketPort = { ok: true; port: number; offset: number } | { ok: false; reason: string };

/** The socket's port: `port` plus the integer in `portOffsetFromEnv` (pm2 fork mode: one port per process). */
export function rechargeSocketPort(socket: RechargeSocketOptions, env: Readonly<Record<string, string | undefined>> = process.env): SocketPort {
  const name = socket.portOffsetFromEnv;
  if (name === undefined) return { ok: true, port: socket.port, offset: 0 };
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return { ok: true, port: socket.port, offset: 0 };
  if (!/^\s*\d+\s*$/.test(raw)) return { ok: false, reason: `environment variable ${name}=${JSON.stringify(raw)} is not a non-negative integer` };
  const offset = Number(raw);
  const port = socket.port + offset;
  if ((socket.port === 0 && offset > 0) || port > 65_535) {
    return { ok: false, reason: `port ${socket.port} + ${name} (${offset}) does not give a usable port` };
  }
  return { ok: true, port, offset };
}

export function installRecharge(ctx: BridgeContext, options: RechargeOptions, ledger: Ledger): void {
  // refusals on both paths go through the windowed refusal log: a flood of bad requests writes few lines
  const refusalLogger = windowedRefusalLogger(ctx.logger, ctx.clock, ['recharge refused:']);
  const intake = new RechargeIntake({ options, ledger, logger: refusalLogger, clock: ctx.clock });
  ctx.addEndpoint('rechargeHttp', createRechargeEndpoint(ctx, options, intake));

  const details: Record<string, unknown> = {
    httpPath: options.httpPath,
    socketPort: null,
    framing: options.socket.framing,
    socketState: 'disabled',
    giftCodes: options.giftKey !== undefined,
    dedupeField: options.dedupeField,
  };
  let problem: string | undefined;
  const report = () => ctx.setPlatformStatus('recharge', { enabled: true, details: { ...details }, ...(problem ? { problem } : {}) } satisfies PlatformStatus);
  report();
  if (!options.socket.enabled) return;

  const port = rechargeSocketPort(options.socket);
  if (!port.ok) {
    details.socketState = 'failed';
    problem = `recharge socket not started: ${port.reason}`;
    report();
    ctx.logger.error(`recharge socket not started: ${port.reason}; check recharge.socket.portOffsetFromEnv`, { option: 'recharge.socket.portOffsetFromEnv' });
    return;
  }
  const gifts = new GiftRedeemer({ options, store: ctx.store, logger: ctx.logger, clock: ctx.clock });
  const socket = createRechargeSocket({ options, port: port.port, intake, gifts, logger: ctx.logger, ops: ctx.ops });
  details.socketPort = port.port;
  details.socketState = 'starting';
  report();
  ctx.onStopIntake(() => socket.stopAccepting());
  ctx.onClose(() => socket.close());
  socket.listen().then(
    (address) => {
      details.socketPort = address.port;
      details.socketState = 'listening';
      report();
      ctx.logger.info('recharge socket listening', { host: address.host, port: address.port, framing: options.socket.framing, portOffset: port.offset });
    },
    (error: NodeJS.ErrnoException) => {
      details.socketState = 'failed';
      problem = `recharge socket not listening on ${options.socket.host}:${port.port} (${error.code ?? error.message})`;
      report();
      const option = port.offset > 0 ? `recharge.socket.port (+ ${options.socket.portOffsetFromEnv}=${port.offset})` : 'recharge.socket.port';
      ctx.logger.error(
        `recharge socket could not listen on ${options.socket.host}:${port.port} (${error.code ?? error.message}); change ${option} or set recharge.socket.enabled to false. Orders still arrive over HTTP.`,
        {
          host: options.socket.host,
          port: port.port,
          option,
          error,
        },
      );
    },
  );
}
