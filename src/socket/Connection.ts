/**
 * One accepted connection of the JSON socket server: reads frames, hands each request to the handler one at
 * a time, writes the reply, and closes for cause (size, idle time, framing) with one log line saying why.
 */
import type { Socket } from 'node:net';
import type { Logger, LogFields } from '../logger.js';
import { createFrameDecoder, encodeJsonReply, type DecodedFrame, type FrameDecoder, type FramingError } from './framing.js';
import { parseJsonObject } from './jsonPayload.js';
import type { JsonSocketServerOptions, SocketRequestContext } from './options.js';

/** How a connection's writes and reads are progressing; see {@link Connection}. */
type ConnectionState = 'reading' | 'handling' | 'flushing' | 'ending' | 'closed';

export interface ConnectionHost {
  readonly opts: JsonSocketServerOptions;
  readonly log: Logger;
  /** After stopAccepting/close: every connection ends after its current or next reply. */
  isDraining(): boolean;
  track(work: Promise<void>): void;
  release(connection: Connection): void;
}

/**
 * One accepted socket. States: `reading` (waiting for a complete request, idle deadline armed),
 * `handling` (the handler runs; in keepAlive mode, once more than one whole request is buffered behind it,
 * the socket is paused so further pipelined requests wait in the kernel, not in memory), `flushing` (a
 * keepAlive reply waits for the peer to read it), `ending` (the final reply is being flushed and the
 * peer's close awaited), `closed`.
 */
export class Connection {
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
    // pausing only when a peer runs ahead: pausing and resuming around every request costs two
    // read-stop/read-start calls into libuv per request, a tenth of a keep-alive request's CPU
    else if (this.decoder.bufferedBytes > this.host.opts.maxMessageBytes) this.socket.pause();
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
    const replyAtRisk = this.state === 'handling' || this.socket.writableLength > 0 || (this.state === 'ending' && !this.socket.writableFinished);
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
    // the idle timer stays armed: firing while a request is handled does nothing (onTimer), and the reply re-arms it
    this.state = 'handling';
    this.requests++;
    const ctx: SocketRequestContext = { ...this.peerCtx(), bytes: frame.payload.length };
    if (frame.cmdId !== undefined) ctx.cmdId = frame.cmdId;
    const parsed = parseJsonObject(frame.payload, this.host.opts.parse);
    if (!parsed.ok) {
      this.host.track(this.respondMalformed(parsed.reason, ctx));
      return;
    }
    if (!this.host.opts.keepAlive || this.host.isDraining()) this.stopDecoding();
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
    if (this.socket.isPaused()) this.socket.resume();
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
    // one timer per connection, re-armed in place: a keep-alive connection arms it once per request
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => this.onTimer(), this.host.opts.idleTimeoutMs);
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

function isAllWhitespace(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  return true;
}
