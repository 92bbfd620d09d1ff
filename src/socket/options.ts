/**
 * What a JSON socket server is told: its options, checked once at construction so a bad value fails at
 * register with the option's name, and what a handler is told about each request.
 */
import type { Logger } from '../logger.js';
import { isSocketFraming, type SocketFraming } from './frameTypes.js';
import type { JsonObjectParser } from './jsonPayload.js';

export interface SocketRequestContext {
  /** Peer IP; an IPv4-mapped IPv6 address is reported as plain IPv4. */
  remoteAddress: string;
  remotePort: number;
  /** Size of the request payload in bytes, framing excluded. */
  bytes: number;
  /** `tmsk6` only: the request's command id. */
  cmdId?: number;
  /** The request's exact text (valid UTF-8, BOM removed), for handlers that verify a signature over the raw body. */
  text?: string;
  /** What the `parse` option attached to the parsed message, if any. */
  meta?: unknown;
}

export interface JsonSocketServerOptions {
  /** Interface to bind, e.g. '127.0.0.1' or '0.0.0.0'. */
  host: string;
  /** 0 picks a free port; read it from {@link JsonSocketServer.listen}'s result. */
  port: number;
  framing: SocketFraming;
  /** Largest request payload in bytes; a larger one is logged and its connection closed, never buffered. */
  maxMessageBytes: number;
  /**
   * Deadline for a complete request, counted from connect and again from each reply (keepAlive). It is
   * not reset by incoming bytes, so a peer trickling a request cannot hold its slot. It does not run while
   * the handler works.
   */
  idleTimeoutMs: number;
  /** Connections beyond this are destroyed on accept (the warning is rate-limited). */
  maxConnections: number;
  /**
   * Open connections one peer address may hold; more from it are destroyed on accept (the warning is
   * rate-limited). Keeps one flooding address from holding every `maxConnections` slot. Default: no cap.
   */
  maxConnectionsPerIp?: number;
  /** false: one request per connection, then the socket is ended. true: further requests are read and answered in order. */
  keepAlive: boolean;
  /** `tmsk6` only: command id of every reply; default echoes the request's. */
  replyCmdId?: number;
  /** Refused peers are destroyed on accept; a throwing predicate refuses. */
  allowIp?: (ip: string) => boolean;
  logger: Logger;
  /**
   * Handles one parsed JSON object and resolves the reply. A rejection (or a reply JSON.stringify cannot
   * serialise) is logged, then answered with `onError`'s object. Resolving `null` or `undefined` sends no
   * reply and closes the connection. Requests on one connection are handled one at a time.
   */
  onMessage: (message: Record<string, unknown>, ctx: SocketRequestContext) => Promise<unknown>;
  /** Reply for a frame that is not valid UTF-8 JSON or not a JSON object; null = close without a reply. */
  onMalformed: (reason: string, ctx: SocketRequestContext) => unknown;
  /** Reply after the handler failed; null = close without a reply. */
  onError: (error: unknown, ctx: SocketRequestContext) => unknown;
  /** Parses a message's text instead of plain JSON.parse (must refuse non-objects); its `meta` reaches the handler. */
  parse?: JsonObjectParser;
}

export interface SocketAddress {
  host: string;
  port: number;
}

export function validateOptions(opts: JsonSocketServerOptions): void {
  if (!isSocketFraming(opts.framing)) throw new TypeError(`unknown socket framing: ${String(opts.framing)}`);
  if (typeof opts.host !== 'string' || opts.host === '') throw new TypeError('host must be a non-empty string');
  const integer = (name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isSafeInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  };
  integer('port', opts.port, 0, 65_535);
  integer('maxMessageBytes', opts.maxMessageBytes, 1);
  // setTimeout clamps anything above 2^31-1 ms to 1 ms, which would close every connection at once
  integer('idleTimeoutMs', opts.idleTimeoutMs, 1, 0x7fffffff);
  integer('maxConnections', opts.maxConnections, 1);
  if (opts.maxConnectionsPerIp !== undefined) integer('maxConnectionsPerIp', opts.maxConnectionsPerIp, 1);
  if (opts.replyCmdId !== undefined) integer('replyCmdId', opts.replyCmdId, 0, 0xffff);
  for (const name of ['onMessage', 'onMalformed', 'onError'] as const) {
    if (typeof opts[name] !== 'function') throw new TypeError(`${name} must be a function`);
  }
  if (opts.allowIp !== undefined && typeof opts.allowIp !== 'function') throw new TypeError('allowIp must be a function');
  const logger = opts.logger as Partial<Logger> | undefined;
  if (!logger || (['debug', 'info', 'warn', 'error'] as const).some((level) => typeof logger[level] !== 'function')) {
    throw new TypeError('logger must have debug, info, warn and error methods');
  }
}
