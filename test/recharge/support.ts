/**
 * Test support for the recharge platform: a real Colyseus server on 127.0.0.1 with the recharge platform
 * installed into a hand-built BridgeContext (register.ts does not install it yet), the real ledger on a
 * real redis-server, and a signer written independently of src/platforms/recharge/sign.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { defineServer, type Endpoint, type Server } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { parseOptions } from '../../src/config.js';
import type { BridgeContext, PlatformStatus } from '../../src/context.js';
import { mountEndpoints } from '../../src/colyseus/adapter.js';
import { PeerStamp } from '../../src/http/peer.js';
import { createLedger, ledgerOptionsSchema, type StoreLedger } from '../../src/ledger/index.js';
import type { GrantHandler, LedgerRecord } from '../../src/ledger/types.js';
import { guardLogger } from '../../src/logger.js';
import { installRecharge, parseRechargeOptions, type RechargeOptionsInput } from '../../src/platforms/recharge/index.js';
import { createStore } from '../../src/store/createStore.js';
import type { Store } from '../../src/store/Store.js';
import { CapturingLogger } from '../helpers/logs.js';
import { freePort } from '../helpers/ports.js';
import { waitFor, within } from '../helpers/processes.js';
import { listenColyseus, stopColyseus } from '../helpers/colyseusLifecycle.js';

export const KEY = 'test-recharge-key';
export const GIFT_KEY = 'test-gift-key';

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

/** The text a JSON value is signed as when the request is serialised with JSON.stringify. */
// eslint-disable-next-line @typescript-eslint/no-base-to-string -- signed fields are strings and numbers; a test that puts an object there expects a refusal
const t = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** Document 1.2: UPPER(md5(Amount+UserID+ZoneID+cporder_no+order_no+Time+fanli+key)). */
export function httpSign(p: Record<string, unknown>, key = KEY): string {
  return md5(t(p.Amount) + t(p.UserID) + t(p.ZoneID) + t(p.cporder_no) + t(p.order_no) + t(p.Time) + t(p.fanli) + key).toUpperCase();
}

/** Document 2.2 / 3.2: the same without fanli. */
export function socketSign(p: Record<string, unknown>, key = KEY): string {
  return md5(t(p.Amount) + t(p.UserID) + t(p.ZoneID) + t(p.cporder_no) + t(p.order_no) + t(p.Time) + key).toUpperCase();
}

/** Document 4.2: md5(userId+zoneId+codeNo+giftId+lTime+gameKey), lower case. */
export function giftSign(p: Record<string, unknown>, key = GIFT_KEY): string {
  return md5(t(p.userId) + t(p.zoneId) + t(p.codeNo) + t(p.giftId) + t(p.lTime) + key);
}

let serial = 0;
/** An order number no other test uses. */
export const uniqueNo = (prefix = 'T'): string => `${prefix}${Date.now()}${++serial}${randomBytes(2).toString('hex')}`;

/** Document 1.3 (curly quotes made ASCII), with fresh order numbers and a sign made with the test key. */
export function httpOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const no = uniqueNo('06120230214');
  const p: Record<string, unknown> = {
    Amount: 499,
    BudanFlag: 0,
    cc: '20A3E6A5B99D284B421860AD002092A1',
    ChargeTime: 1676332979,
    cporder_no: no,
    Id: String(2134689 + serial),
    propId: 'com.fingerfun.nova.pack5',
    order_no: `ch${no}`,
    RoleID: '47120000004',
    Sign: '',
    Time: 1676332979,
    UserID: '1100010000000000000000000000000009649219',
    ZoneID: '4',
    cmdId: 1,
    extendParams: 'b1ebc2aa-48d3-466a-b71b-89ee152ccf40',
    currencyType: '2',
    fanli: '0',
    deviceGroupId: '0000',
    ...overrides,
  };
  if (!('Sign' in overrides)) p.Sign = httpSign(p);
  return p;
}

/** Document 2.3 (the missing comma added), with fresh order numbers and a socket sign. */
export function socketOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const no = uniqueNo('OurpalmHaiWai221031');
  const p: Record<string, unknown> = {
    Amount: 999,
    BudanFlag: 0,
    cc: 'C6FB3C07E47A1D0861A22205004363AD',
    ChargeTime: '2022-10-31 00:00:22',
    cporder_no: no,
    currencyType: '2',
    Id: String(4416429 + serial),
    ItemId: '600059992',
    order_no: `05220221031${serial}`,
    propId: '609992',
    RoleID: '3534059070281430668',
    strParam: '',
    Sign: '',
    Time: 1667149237,
    UserID: '0400010000000000000000000000000013220926',
    ZoneID: 50222,
    ...overrides,
  };
  if (!('Sign' in overrides)) p.Sign = socketSign(p);
  return p;
}

/** Document 4.3 plus the `sign` the field table requires (the example leaves it out). */
export function giftRedemption(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const p: Record<string, unknown> = {
    userId: '0105350000000000000000000000003417798987',
    roleId: '380395594',
    codeNo: uniqueNo('A2922BC'),
    giftId: 'QJS0697',
    chargeTime: '2023-2-23 00:14:41',
    lTime: '1677082481',
    zoneId: '270080',
    ...overrides,
  };
  if (!('sign' in overrides)) p.sign = giftSign(p);
  return p;
}

export interface RechargeApp {
  ctx: BridgeContext;
  logger: CapturingLogger;
  store: Store;
  ledger: StoreLedger;
  baseUrl: string;
  /** The recharge socket's bound port (once listening). */
  socketPort: number;
  statuses: Map<string, PlatformStatus>;
  /** Orders the grant handler was called with, in call order. */
  grants: LedgerRecord[];
  post(body: string | Record<string, unknown>, headers?: Record<string, string>): Promise<{ status: number; text: string }>;
  /** Begins shutdown (as the bridge does on SIGTERM) without closing. */
  stopIntake(): Promise<void>;
  close(): Promise<void>;
}

export interface BootOptions {
  redisUrl: string;
  recharge?: Partial<RechargeOptionsInput>;
  /** The game's grant handler; default: records the order and returns `{ items }`. */
  grant?: GrantHandler;
  maxBodyBytes?: number;
  /** Share the key prefix of another app: two "processes" on one Redis. */
  keyPrefix?: string;
  /** Wait for the socket to be listening (default true). */
  awaitSocket?: boolean;
  /** `ledger.durability`: replicas a money write must reach before success is answered. */
  durability?: { replicas: number; timeoutMs: number };
  /** More ledger options (retention, say). */
  ledger?: Record<string, unknown>;
}

export async function bootRecharge(opts: BootOptions): Promise<RechargeApp> {
  const port = await freePort();
  const server: Server = defineServer({ transport: new WebSocketTransport(), greet: false, gracefullyShutdown: false, rooms: {} });
  await listenColyseus(server, port);
  const logger = new CapturingLogger();
  const guarded = guardLogger(logger);
  const options = parseOptions({ redis: opts.redisUrl, logger, http: { maxBodyBytes: opts.maxBodyBytes ?? 4096 }, redisCommandTimeoutMs: 500 });
  const store = createStore({ redis: opts.redisUrl, keyPrefix: opts.keyPrefix ?? `rt${randomBytes(4).toString('hex')}:`, commandTimeoutMs: 500, durability: opts.durability, logger: guarded });
  const peer = new PeerStamp({ trustProxyHops: 0 });
  peer.install((server.transport as unknown as { server: HttpServer }).server);

  const statuses = new Map<string, PlatformStatus>();
  const stopFns: Array<() => void | Promise<void>> = [];
  const closeFns: Array<() => void | Promise<void>> = [];
  let stopping = false;
  const ctx: BridgeContext = {
    options,
    store,
    logger: guarded,
    server,
    peer,
    clock: { now: Date.now },
    addEndpoint(name: string, endpoint: Endpoint) {
      mountEndpoints(server, { [name]: endpoint });
    },
    setPlatformStatus: (name, status) => void statuses.set(name, status),
    onStopIntake: (fn) => void stopFns.push(fn),
    onClose: (fn) => void closeFns.push(fn),
    get stopping() {
      return stopping;
    },
  };

  const grants: LedgerRecord[] = [];
  const grant: GrantHandler =
    opts.grant ??
    ((order) => {
      grants.push(order);
      return { items: [{ diamonds: order.amount }] };
    });
  const recording: GrantHandler = opts.grant
    ? (order, gctx) => {
        grants.push(order);
        return grant(order, gctx);
      }
    : grant;
  const { ledger } = createLedger(ctx, ledgerOptionsSchema.parse({ pollIntervalMs: 50, backoffBaseMs: 50, backoffMaxMs: 200, durability: opts.durability, ...opts.ledger }), recording);
  installRecharge(ctx, parseRechargeOptions({ key: KEY, ...opts.recharge, socket: { host: '127.0.0.1', port: 0, ...opts.recharge?.socket } } as RechargeOptionsInput), ledger);

  let socketPort = 0;
  if (opts.awaitSocket ?? true) {
    socketPort = await waitFor(
      'the recharge socket to listen',
      () => {
        const d = statuses.get('recharge')?.details;
        if (d?.socketState === 'failed') throw new Error('recharge socket failed to listen');
        return d?.socketState === 'listening' ? (d.socketPort as number) : undefined;
      },
      5000,
      10,
    );
  }

  let stopped: Promise<void> | undefined;
  const stopIntake = () =>
    (stopped ??= (async () => {
      stopping = true;
      for (const fn of stopFns) await fn();
    })());
  let closed: Promise<void> | undefined;
  const baseUrl = `http://127.0.0.1:${port}`;
  const path = parseRechargeOptions({ key: KEY, ...opts.recharge } as RechargeOptionsInput).httpPath;
  return {
    ctx,
    logger,
    store,
    ledger,
    baseUrl,
    socketPort,
    statuses,
    grants,
    async post(body, headers = {}) {
      const res = await fetch(baseUrl + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, text: await res.text() };
    },
    stopIntake,
    close: () =>
      (closed ??= (async () => {
        await stopIntake();
        for (const fn of [...closeFns].reverse()) await fn();
        await store.close();
        await stopColyseus(server);
      })()),
  };
}

export interface SocketExchange {
  /** Everything the server wrote before the connection ended. */
  bytes: Buffer;
  /** The same, as UTF-8 text. */
  text: string;
  /** The connection ended without a reply (refused, closed for cause). */
  silent: boolean;
}

/**
 * Opens a connection, writes `payload` (a string is sent as is), and collects the reply until the server
 * closes. Bounded by a deadline so a hung server fails the test instead of the run.
 */
export function exchange(port: number, payload: string | Buffer, deadlineMs = 5000): Promise<SocketExchange> {
  const socket = new Socket();
  const chunks: Buffer[] = [];
  const done = new Promise<SocketExchange>((resolve, reject) => {
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      // a refused connection may be reset by the server before or after our write
      if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') reject(e);
    });
    socket.on('close', () => {
      const bytes = Buffer.concat(chunks);
      resolve({ bytes, text: bytes.toString('utf8'), silent: bytes.length === 0 });
    });
    socket.connect(port, '127.0.0.1', () => socket.write(payload));
  });
  return within(deadlineMs, `a socket exchange on port ${port}`, done).finally(() => socket.destroy());
}

/** Sends one request object as JSON and parses the one-line reply. */
export async function sendJson(port: number, request: Record<string, unknown>): Promise<{ line: string; reply: Record<string, unknown> }> {
  const r = await exchange(port, JSON.stringify(request));
  const line = r.text.endsWith('\n') ? r.text.slice(0, -1) : r.text;
  if (!line) throw new Error('the socket closed without a reply');
  return { line, reply: JSON.parse(line) as Record<string, unknown> };
}

/** The document 1.4 answer body for a code. */
export function httpAnswer(ret: number, msg: string, result = ret === 1 || ret === -1 || ret === -5): string {
  return JSON.stringify({ result, msg: JSON.stringify({ msg, ret }) });
}

/** Polls until the ledger has granted an order. */
export function granted(app: RechargeApp, dedupeKey: string): Promise<LedgerRecord> {
  return waitFor(
    `order ${dedupeKey} to be granted`,
    async () => {
      const r = await app.ledger.get(dedupeKey);
      return r?.state === 'granted' ? r : undefined;
    },
    5000,
    10,
  );
}

/** A promise with its resolver, for handlers a test holds open. */
export function gate<T = void>(): { promise: Promise<T>; open(value: T): void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((r) => (open = r));
  return { promise, open };
}
