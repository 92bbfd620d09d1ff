/**
 * A JSON-over-TCP request server for platforms that deliver recharge orders and gift-code redemptions on a
 * raw socket. Each connection is an independent state machine, so a stalled, slow or garbage-sending peer
 * only ever costs its own connection slot; every limit (size, idle time, connection count, allow-list)
 * is enforced before a byte reaches the handler, and every close for cause is logged once with its reason.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { guardLogger, type Logger, type LogFields } from '../logger.js';
import {
  createFrameDecoder,
  encodeJsonReply,
  isSocketFraming,
  parseJsonObject,
  type JsonObjectParser,
  type DecodedFrame,
  type FrameDecoder,
  type FramingError,
  type SocketFraming,
} from './framing.js';

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
  onMalformed: (reason: string, ctx: SocketRequestContext) => unknown | null;
  /** Reply after the handler failed; null = close without a reply. */
  onError: (error: unknown, ctx: SocketRequestContext) => unknown | null;
  /** Parses a message's text instead of plain JSON.parse (must refuse non-objects); its `meta` reaches the handler. */
  parse?: JsonObjectParser;
}

export interface SocketAddress {
  host: string;
  port: number;
}

const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;
const REFUSAL_LOG_WINDOW_MS = 10_000;

/** How a connection's writes and reads are progressing; see {@link Connection}. */
type ConnectionState = 'reading' | 'handling' | 'flushing' | 'ending' | 'closed';

interface ConnectionHost {
  readonly opts: JsonSocketServerOptions;
  readonly log: Logger;
  /** After stopAccepting/close: every connection ends after its current or next reply. */
  isDraining(): boolean;
  track(work: Promise<void>): void;
  release(connection: Connection): void;
}

export class JsonSocketServer {
  private readonly opts: JsonSocketServerOptions;
  private readonly log: Logger;
  private readonly server: Server;
  private readonly host: ConnectionHost;
  private readonly live = new Set<Connection>();
  /** Open connections per peer address, for `maxConnectionsPerIp`. */
  private readonly perIp = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly refusedFull: RefusalLog;
  private readonly refusedIp: RefusalLog;
  private readonly refusedPerIp: RefusalLog;
  private bound: SocketAddress | undefined;
  private listenCalled = false;
  private draining = false;
  private listening: Promise<SocketAddress> | undefined;
  private serverClosed: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  constructor(opts: JsonSocketServerOptions) {
    validateOptions(opts);
    this.opts = { ...opts };
    this.log = guardLogger(opts.logger);
    this.refusedFull = new RefusalLog(this.log, `socket connection refused: maxConnections (${opts.maxConnections}) reached`, REFUSAL_LOG_WINDOW_MS);
    this.refusedIp = new RefusalLog(this.log, 'socket connection refused: address not allowed', REFUSAL_LOG_WINDOW_MS);
    this.refusedPerIp = new RefusalLog(this.log, `socket connection refused: maxConnectionsPerIp (${opts.maxConnectionsPerIp}) reached for the address`, REFUSAL_LOG_WINDOW_MS);
    this.host = {
      opts: this.opts,
      log: this.log,
      isDraining: () => this.draining,
      track: (work) => {
        this.inFlight.add(work);
        void work.finally(() => this.inFlight.delete(work));
      },
      release: (connection) => {
        if (!this.live.delete(connection)) return;
        const left = (this.perIp.get(connection.remoteAddress) ?? 1) - 1;
        if (left > 0) this.perIp.set(connection.remoteAddress, left);
        else this.perIp.delete(connection.remoteAddress);
      },
    };
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    // accept errors (EMFILE…) arrive here after listen; unhandled they would kill the process
    this.server.on('error', (error) => {
      if (this.bound) this.log.error('socket server error', { error, ...this.bound });
    });
  }

  get connections(): number {
    return this.live.size;
  }

  get address(): SocketAddress | undefined {
    return this.bound ? { ...this.bound } : undefined;
  }

  listen(): Promise<SocketAddress> {
    if (this.listenCalled || this.draining) return Promise.reject(new Error('JsonSocketServer.listen() may be called once, before close()'));
    this.listenCalled = true;
    this.listening = new Promise<SocketAddress>((resolve, reject) => {
      const onError = (error: Error) => {
        this.server.off('listening', onListening);
        reject(error);
      };
      const onListening = () => {
        this.server.off('error', onError);
        const info = this.server.address() as AddressInfo;
        this.bound = { host: info.address, port: info.port };
        this.log.debug('socket server listening', { ...this.bound, framing: this.opts.framing, keepAlive: this.opts.keepAlive });
        resolve({ ...this.bound });
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen({ host: this.opts.host, port: this.opts.port });
    });
    return this.listening;
  }

  stopAccepting(): void {
    if (this.draining) return;
    this.draining = true;
    if (this.server.listening) this.serverClosed = closeServer(this.server);
    else if (this.listening) this.serverClosed = this.listening.then(() => closeServer(this.server), () => undefined);
    // pooled keep-alive connections between requests are let go; ones yet to send their first request may still do so
    for (const connection of this.live) connection.closeIfIdleBetweenRequests();
  }

  close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS): Promise<void> {
    this.closing ??= this.shutdown(timeoutMs);
    return this.closing;
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + Math.max(0, timeoutMs);
    this.stopAccepting();
    for (const connection of this.live) connection.shutdown();
    await untilDeadline(Promise.allSettled([...this.inFlight]), deadline);
    await untilDeadline(Promise.all([...this.live].map((c) => c.flushed())), deadline);
    if (this.inFlight.size > 0) {
      this.log.warn('socket server closed while request handlers were still running; their replies will not be delivered', {
        handlers: this.inFlight.size,
        timeoutMs,
      });
    }
    for (const connection of [...this.live]) connection.destroy('server closed');
    this.refusedFull.flush(true);
    this.refusedIp.flush(true);
    this.refusedPerIp.flush(true);
    await this.serverClosed;
    if (this.bound) this.log.info('socket server closed', { ...this.bound });
    this.bound = undefined;
  }

  private accept(socket: Socket): void {
    // refused sockets are destroyed before any listener could see an error; this keeps a late one harmless
    socket.on('error', () => {});
    const remoteAddress = normalizeIp(socket.remoteAddress);
    const remotePort = socket.remotePort ?? 0;
    if (this.draining || remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    const peer = { remoteAddress, remotePort };
    if (this.opts.allowIp && !this.isAllowed(remoteAddress, peer)) {
      socket.destroy();
      this.refusedIp.record(peer);
      return;
    }
    if (this.live.size >= this.opts.maxConnections) {
      socket.destroy();
      this.refusedFull.record(peer);
      return;
    }
    const fromPeer = this.perIp.get(remoteAddress) ?? 0;
    if (this.opts.maxConnectionsPerIp !== undefined && fromPeer >= this.opts.maxConnectionsPerIp) {
      socket.destroy();
      this.refusedPerIp.record(peer);
      return;
    }
    const connection = new Connection(this.host, socket, remoteAddress, remotePort);
    this.live.add(connection);
    this.perIp.set(remoteAddress, fromPeer + 1);
    connection.start();
  }

  private isAllowed(ip: string, peer: LogFields): boolean {
    try {
      return this.opts.allowIp!(ip) === true;
    } catch (error) {
      this.log.error('socket allowIp threw; refusing the connection', { ...peer, error });
      return false;
    }
  }
}

/**
 * One accepted socket. States: `reading` (waiting for a complete request, idle deadline armed),
 * `handling` (the handler runs; in keepAlive mode the socket is paused so pipelined requests wait in the
 * kernel, not in memory), `flushing` (a keepAlive reply waits for the peer to read it), `ending` (the
 * final reply is being flushed and the peer's close awaited), `closed`.
 */
class Connection {
  private state: ConnectionState = 'reading';
  private readonly decoder: FrameDecoder;
  private timer: NodeJS.Timeout | undefined;
  private peerEnded = false;
  /** Set once the connection will take no further request: later bytes are counted, not decoded. */
  private ignoreRest = false;
  private ignoredLogged = false;
  private causeLogged = false;
  private requests = 0;
  private pumping = false;

  constructor(
    private readonly host: ConnectionHost,
    private readonly socket: Socket,
    readonly remoteAddress: string,
    private readonly remotePort: number,
  ) {
    this.decoder = createFrameDecoder(host.opts.framing, { maxMessageBytes: host.opts.maxMessageBytes });
  }

  start(): void {
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('end', () => this.onEnd());
    this.socket.on('error', (error: NodeJS.ErrnoException) => this.onSocketError(error));
    this.socket.on('close', () => this.onClose());
    this.armTimer();
  }

  /** Resolves once nothing written is still waiting in user space (or the socket is gone). */
  flushed(): Promise<void> {
    if (this.socket.destroyed || this.state !== 'ending' || this.socket.writableFinished) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('finish', resolve);
      this.socket.once('close', resolve);
    });
  }

  closeIfIdleBetweenRequests(): void {
    if (this.state === 'reading' && this.requests > 0 && this.decoder.bufferedBytes === 0) this.endGracefully();
  }

  /** Server closing: a request not yet complete is dropped (the platform retries it); a written reply still flushes. */
  shutdown(): void {
    if (this.state === 'reading') {
      const fields = this.decoder.bufferedBytes > 0 ? { bufferedBytes: this.decoder.bufferedBytes } : {};
      this.abort('info', 'server-closing', 'server is shutting down', fields);
    } else if (this.state === 'flushing') {
      this.endGracefully();
    }
  }

  destroy(reason: string): void {
    if (this.state === 'closed') return;
    if (this.state === 'handling') this.abort('warn', 'server-closing', `${reason} before the request handler settled`);
    else if (this.state === 'ending' && !this.socket.writableFinished) this.abort('warn', 'server-closing', `${reason} before the final reply was flushed`);
    else this.socket.destroy();
  }

  private get peer(): LogFields {
    return { remoteAddress: this.remoteAddress, remotePort: this.remotePort };
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed' || this.state === 'ending') return;
    if (this.ignoreRest) {
      this.ignore(chunk);
      return;
    }
    this.decoder.push(chunk);
    if (this.state === 'reading') this.pump();
  }

  private onEnd(): void {
    this.peerEnded = true;
    this.decoder.end();
    if (this.state === 'reading') this.pump();
  }

  private onSocketError(error: NodeJS.ErrnoException): void {
    // resets and broken pipes are the peer's doing; the 'close' that follows releases the slot
    if (this.causeLogged) return;
    this.causeLogged = true;
    const replyAtRisk =
      this.state === 'handling' || this.socket.writableLength > 0 || (this.state === 'ending' && !this.socket.writableFinished);
    const level = replyAtRisk ? 'warn' : 'info';
    this.host.log[level]('socket connection error', { ...this.peer, cause: 'socket-error', code: error.code ?? error.name, state: this.state });
  }

  private onClose(): void {
    const previous = this.state;
    this.state = 'closed';
    this.clearTimer();
    this.host.release(this);
    if (!this.causeLogged && previous === 'reading' && this.decoder.bufferedBytes > 0) {
      this.causeLogged = true;
      this.host.log.info('socket peer closed with an incomplete request', { ...this.peer, cause: 'peer-closed', bufferedBytes: this.decoder.bufferedBytes });
    }
  }

  /** Takes complete requests while in `reading`; one at a time, so replies leave in request order. */
  private pump(): void {
    // re-entry would nest one stack frame per pipelined request; the running loop picks them up instead
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.state === 'reading') {
        const result = this.decoder.next();
        if (result === null) {
          if (this.peerEnded) {
            if (this.requests === 0) this.host.log.debug('socket peer closed without a request', this.peer);
            this.endGracefully();
          }
          return;
        }
        if (result.type === 'error') this.onFramingError(result);
        else this.dispatch(result);
      }
    } finally {
      this.pumping = false;
    }
  }

  private onFramingError(error: FramingError): void {
    if (error.code === 'not-json') {
      this.state = 'handling';
      this.clearTimer();
      this.host.track(this.respondMalformed(error.reason, { ...this.peerCtx(), bytes: error.bytes }));
      return;
    }
    const level = error.code === 'truncated' ? 'info' : 'warn';
    this.abort(level, error.code, error.reason, { bytes: error.bytes, framing: this.host.opts.framing, maxMessageBytes: this.host.opts.maxMessageBytes });
  }

  private dispatch(frame: DecodedFrame): void {
    this.state = 'handling';
    this.clearTimer();
    this.requests++;
    const ctx: SocketRequestContext = { ...this.peerCtx(), bytes: frame.payload.length };
    if (frame.cmdId !== undefined) ctx.cmdId = frame.cmdId;
    const parsed = parseJsonObject(frame.payload, this.host.opts.parse);
    if (!parsed.ok) {
      this.host.track(this.respondMalformed(parsed.reason, ctx));
      return;
    }
    if (!this.host.opts.keepAlive || this.host.isDraining()) this.stopDecoding();
    else this.socket.pause();
    ctx.text = parsed.text;
    if (parsed.meta !== undefined) ctx.meta = parsed.meta;
    this.host.track(this.handle(parsed.value, ctx));
  }

  /**
   * A malformed request always ends its connection, in keepAlive mode too: the peer evidently disagrees
   * with us about the format, and one bad frame per connection bounds the log lines a peer can cause.
   */
  private async respondMalformed(reason: string, ctx: SocketRequestContext): Promise<void> {
    this.causeLogged = true;
    this.stopDecoding();
    this.host.log.warn(`socket request malformed: ${reason}`, { ...this.peer, cause: 'malformed', bytes: ctx.bytes });
    const frame = await this.hookReply('onMalformed', () => this.host.opts.onMalformed(reason, ctx), ctx);
    if (this.isGone()) return;
    if (frame) this.send(frame, true);
    else this.endGracefully();
  }

  private async handle(message: Record<string, unknown>, ctx: SocketRequestContext): Promise<void> {
    try {
      let frame: Buffer | undefined;
      let handlerFailed = false;
      try {
        const reply = await this.handlerReply(message, ctx);
        if (reply === undefined) {
          if (!this.isGone()) {
            this.host.log.info('socket request handler returned no reply; closing', { ...this.peer, bytes: ctx.bytes });
            this.endGracefully();
          }
          return;
        }
        frame = reply;
      } catch (failure) {
        handlerFailed = true;
        if (!this.isGone()) frame = await this.hookReply('onError', () => this.host.opts.onError(failure, ctx), ctx);
      }
      if (this.isGone()) {
        // the platform saw no answer and will likely retry: the handler must be idempotent per order
        this.host.log.warn('socket reply not delivered: the connection closed while the request was being handled', {
          ...this.peer,
          cause: 'undelivered',
          bytes: ctx.bytes,
          handlerFailed,
        });
        return;
      }
      if (frame) this.send(frame, !this.host.opts.keepAlive || this.host.isDraining() || this.ignoreRest);
      else this.endGracefully();
    } catch (error) {
      this.host.log.error('socket connection failed unexpectedly', { ...this.peer, error });
      this.socket.destroy();
    }
  }

  /** The handler's framed reply, undefined for "no reply"; throws (after logging) when there is none to send. */
  private async handlerReply(message: Record<string, unknown>, ctx: SocketRequestContext): Promise<Buffer | undefined> {
    let reply: unknown;
    try {
      reply = await this.host.opts.onMessage(message, ctx);
    } catch (error) {
      this.host.log.error('socket request handler failed', { ...this.peer, bytes: ctx.bytes, error });
      throw error;
    }
    if (reply === null || reply === undefined) return undefined;
    try {
      return encodeJsonReply(this.host.opts.framing, reply, this.replyCmdId(ctx));
    } catch (error) {
      this.host.log.error('socket handler reply cannot be serialised', { ...this.peer, bytes: ctx.bytes, error });
      throw error;
    }
  }

  /**
   * Runs onMalformed/onError and frames its reply; undefined means close without one. A hook that returns
   * a promise is awaited rather than serialised (JSON.stringify would turn it into `{}`).
   */
  private async hookReply(name: 'onMalformed' | 'onError', hook: () => unknown, ctx: SocketRequestContext): Promise<Buffer | undefined> {
    let reply: unknown;
    try {
      reply = await hook();
    } catch (error) {
      this.host.log.error(`socket ${name} threw; closing without a reply`, { ...this.peer, error });
      return undefined;
    }
    if (reply === null || reply === undefined) return undefined;
    try {
      return encodeJsonReply(this.host.opts.framing, reply, this.replyCmdId(ctx));
    } catch (error) {
      this.host.log.error(`socket ${name} reply cannot be serialised; closing`, { ...this.peer, error });
      return undefined;
    }
  }

  /** True once nothing can be written any more, even if 'close' has not been emitted yet. */
  private isGone(): boolean {
    return this.state === 'closed' || this.socket.destroyed;
  }

  private send(frame: Buffer, last: boolean): void {
    if (!this.socket.writable) {
      this.socket.destroy();
      return;
    }
    if (last) {
      this.stopDecoding();
      this.state = 'ending';
      this.socket.end(frame);
      this.armTimer();
      return;
    }
    const flushed = this.socket.write(frame);
    this.state = flushed ? 'reading' : 'flushing';
    this.armTimer();
    if (flushed) {
      this.resume();
      return;
    }
    this.socket.once('drain', () => {
      if (this.state !== 'flushing') return;
      this.state = 'reading';
      this.resume();
    });
  }

  private resume(): void {
    this.socket.resume();
    this.pump();
  }

  private endGracefully(): void {
    if (this.state === 'closed' || this.state === 'ending') return;
    this.stopDecoding();
    this.state = 'ending';
    this.socket.end();
    this.armTimer();
  }

  /** Closes for cause: the one log line this connection gets, then the socket is dropped. */
  private abort(level: 'debug' | 'info' | 'warn', cause: string, reason: string, fields: LogFields = {}): void {
    if (!this.causeLogged) {
      this.causeLogged = true;
      this.host.log[level](`socket connection closed: ${reason}`, { ...this.peer, cause, ...fields });
    }
    this.clearTimer();
    this.state = 'closed';
    this.socket.destroy();
  }

  private stopDecoding(): void {
    if (this.ignoreRest) return;
    this.ignoreRest = true;
    this.socket.resume();
    const rest = this.decoder.takeBuffered();
    if (rest.length > 0) this.ignore(rest);
  }

  /** Bytes after the last request are dropped; only non-whitespace is worth a (debug) line. */
  private ignore(bytes: Buffer): void {
    if (this.ignoredLogged || isAllWhitespace(bytes)) return;
    this.ignoredLogged = true;
    this.host.log.debug('socket ignoring bytes after the last request', { ...this.peer, bytes: bytes.length });
  }

  private armTimer(): void {
    this.clearTimer();
    const ms = this.host.opts.idleTimeoutMs;
    this.timer = setTimeout(() => this.onTimer(), ms);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private onTimer(): void {
    this.timer = undefined;
    const ms = this.host.opts.idleTimeoutMs;
    if (this.state === 'reading') {
      const buffered = this.decoder.bufferedBytes;
      if (buffered > 0) this.abort('warn', 'idle-timeout', `incomplete request after ${ms} ms`, { bufferedBytes: buffered, idleTimeoutMs: ms });
      else this.abort('info', 'idle-timeout', `no request within ${ms} ms`, { idleTimeoutMs: ms, requests: this.requests });
    } else if (this.state === 'flushing') {
      this.abort('warn', 'reply-stalled', `peer did not read the reply within ${ms} ms`, { idleTimeoutMs: ms });
    } else if (this.state === 'ending') {
      this.host.log.debug('socket peer did not close after the final reply; destroying', { ...this.peer, idleTimeoutMs: ms });
      this.socket.destroy();
    }
  }

  private peerCtx(): SocketRequestContext {
    return { remoteAddress: this.remoteAddress, remotePort: this.remotePort, bytes: 0 };
  }

  private replyCmdId(ctx: SocketRequestContext): number | undefined {
    return this.host.opts.replyCmdId ?? ctx.cmdId;
  }
}

/**
 * Logs the first refusal of a window with its peer, then only counts; at the end of the window the count
 * (with a few sample addresses) is logged and a new window starts, so a flood costs one line per window.
 */
class RefusalLog {
  private windowTimer: NodeJS.Timeout | undefined;
  private suppressed = 0;
  private readonly samples = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly windowMs: number,
  ) {}

  record(peer: LogFields): void {
    if (!this.windowTimer) {
      this.log.warn(this.message, peer);
      this.openWindow();
      return;
    }
    this.suppressed++;
    if (this.samples.size < 5) this.samples.add(String(peer.remoteAddress));
  }

  /** Logs the suppressed count, if any; `final` ends windowing for good (server closed). */
  flush(final = false): void {
    if (this.windowTimer) clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    if (this.suppressed > 0) {
      this.log.warn(`${this.message} (repeated)`, { suppressed: this.suppressed, windowMs: this.windowMs, sampleAddresses: [...this.samples] });
      this.suppressed = 0;
      this.samples.clear();
      if (!final) this.openWindow();
    }
  }

  private openWindow(): void {
    this.windowTimer = setTimeout(() => this.flush(), this.windowMs);
    this.windowTimer.unref();
  }
}

function validateOptions(opts: JsonSocketServerOptions): void {
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

function normalizeIp(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function isAllWhitespace(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  return true;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function untilDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
