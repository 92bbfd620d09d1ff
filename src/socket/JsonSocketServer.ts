/**
 * A JSON-over-TCP request server for platforms that deliver recharge orders and gift-code redemptions on a
 * raw socket. Each connection is an independent state machine, so a stalled, slow or garbage-sending peer
 * only ever costs its own connection slot; every limit (size, idle time, connection count, allow-list)
 * is enforced before a byte reaches the handler, and every close for cause is logged once with its reason.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { guardLogger, type Logger, type LogFields } from '../logger.js';
import { normalizeIp } from '../net/ipAddress.js';
import { Connection, type ConnectionHost } from './Connection.js';
import { validateOptions, type JsonSocketServerOptions, type SocketAddress } from './options.js';
import { RefusalLog } from './RefusalLog.js';

export type { JsonSocketServerOptions, SocketAddress, SocketRequestContext } from './options.js';

const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;
const REFUSAL_LOG_WINDOW_MS = 10_000;

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
    else if (this.listening)
      this.serverClosed = this.listening.then(
        () => closeServer(this.server),
        () => undefined,
      );
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
    const remoteAddress = socket.remoteAddress === undefined ? undefined : normalizeIp(socket.remoteAddress);
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
