/**
 * A stand-in for the GameCenter server API on 127.0.0.1: a real node:http server that checks every request
 * the way the platform document describes (POST, form body, appId, ms timestamp, a nonce different from
 * the previous one, sha256 signature) and enforces the document's limits, so client tests exercise the wire
 * format and not just our own assumptions.
 *
 * Deliberately independent of the client: it recomputes the default signature inline, parses JSON
 * arrays with its own exact-digit reader, and writes big ids as bare JSON numbers like the platform does.
 *
 * Choices where the document is silent:
 * - A bad signature, unknown appId, missing/odd timestamp or nonce, or a repeated nonce is answered
 *   `{code: 999}` ("invalid parameter"), configurable via `envelopeFailureCode`: 999 is the document's only
 *   code for a malformed request, while 920 would suggest a user login problem.
 * - A batch that breaks a rule is refused whole (nothing stored), and a duplicate inside one batch counts
 *   as a duplicate (998).
 * - Purely numeric ids sent as JSON strings in rank/zone data are refused (999): the platform's examples use
 *   bare numbers, and this catches a client that quotes them.
 * - The "day" of the one-rank-per-day rule is the UTC date of the double's clock unless `dayOf` is given.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkEnvelope } from './envelope.js';
import { bare, isZone, playerJson, readBody, readRows } from './json.js';
import { trialOrder } from './types.js';
import type { BlockInfo, DoubleFriend, DoubleOrder, DoublePlayer, DoubleTransfer, GameCenterDoubleOptions, RecordedRequest, ScriptedFailure } from './types.js';

export type { BlockInfo, DoubleFriend, DoubleOrder, DoublePlayer, DoubleTransfer, GameCenterDoubleOptions, RecordedRequest, ScriptedFailure } from './types.js';

interface Answer {
  code: number;
  msg?: string;
  data?: unknown;
}

export class GameCenterDouble {
  readonly appId: string;
  readonly secret: string;
  readonly gameId: string;

  readonly requests: RecordedRequest[] = [];
  /** userId → current access token. */
  readonly tokens = new Map<string, string>();
  /** Tokens replaced by a newer login (answered 924). */
  readonly supersededTokens = new Set<string>();
  readonly blocked = new Map<string, BlockInfo>();
  /** APIs this app may not call (answered 923). */
  readonly deniedApis = new Set<string>();
  readonly friends = new Map<string, DoubleFriend[]>();
  readonly playingFriends = new Map<string, DoublePlayer[]>();
  readonly groups = new Map<string, DoublePlayer[]>();
  readonly orders = new Map<string, DoubleOrder>();
  readonly transfers = new Map<string, DoubleTransfer>();
  readonly rankSubmissions: Array<{ userId: string; rankType: number; value: number; day: string }> = [];
  readonly userZoneEvents: Array<{ type: number; userId: string; zone: number; timeMs: number }> = [];
  readonly orderZones = new Map<string, number>();

  private readonly now: () => number;
  private readonly dayOf: (ms: number) => string;
  private readonly envelopeFailureCode: number;
  private readonly bareCreatedIds: boolean;
  private readonly host: string;
  private readonly port: number;
  private readonly log: ((line: string) => void) | undefined;
  private readonly acceptAnyToken: boolean;
  private readonly unknownOrdersPaid: boolean;
  private readonly lastNonce = new Map<string, string>();
  private readonly scripted = new Map<string, ScriptedFailure[]>();
  private nextId = 566422073705434171n;
  private server: Server | undefined;
  private baseUrl = '';

  constructor(options: GameCenterDoubleOptions = {}) {
    this.appId = options.appId ?? 'app-1';
    this.secret = options.secret ?? 'double-secret';
    this.gameId = options.gameId ?? '126847495400849409';
    this.now = options.now ?? Date.now;
    this.dayOf = options.dayOf ?? ((ms) => new Date(ms).toISOString().slice(0, 10));
    this.envelopeFailureCode = options.envelopeFailureCode ?? 999;
    this.bareCreatedIds = options.createdIdsAsBareNumbers ?? false;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
    this.log = options.log;
    this.acceptAnyToken = options.acceptAnyToken ?? false;
    this.unknownOrdersPaid = options.unknownOrdersPaid ?? false;
  }

  /** `http://127.0.0.1:<port>`, valid after start(). */
  get url(): string {
    return this.baseUrl;
  }

  /** Starts listening; resolves with the URL to point the bridge at (`gamecenter.baseUrl`), also `url`. */
  async start(): Promise<{ url: string }> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(e));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.server = server;
    this.baseUrl = `http://${this.host}:${(server.address() as AddressInfo).port}`;
    return { url: this.baseUrl };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Hung requests and idle keep-alive sockets would hold close() open forever.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `times` requests to `endpoint` that pass the envelope checks get `failure` instead. */
  failNext(endpoint: string, failure: ScriptedFailure, times = 1): void {
    const queue = this.scripted.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) queue.push(failure);
    this.scripted.set(endpoint, queue);
  }

  requestsTo(endpoint: string): RecordedRequest[] {
    return this.requests.filter((r) => r.endpoint === endpoint);
  }

  /** Registers a user with a valid token. */
  addUser(userId: string, token: string): void {
    this.tokens.set(userId, token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const path = (req.url ?? '').split('?')[0];
    const endpoint = path.startsWith('/gameserver/') ? path.slice('/gameserver/'.length) : '';
    const contentType = String(req.headers['content-type'] ?? '');
    const record: RecordedRequest = {
      method: req.method ?? '',
      endpoint,
      path,
      contentType,
      params: {},
      rawBody,
      at: this.now(),
      outcome: { code: -1 },
    };
    this.requests.push(record);

    const answer = (a: Answer): void => {
      record.outcome = { code: a.code };
      const body: Record<string, unknown> = { code: a.code, msg: a.msg ?? (a.code === 0 ? 'success' : 'error') };
      if (a.data !== undefined) body.data = a.data;
      const text = JSON.stringify(body);
      if (this.log) {
        const shown = Object.fromEntries(Object.entries(record.params).filter(([k]) => k !== 'signature'));
        this.log(`GameCenter ← ${endpoint} ${JSON.stringify(shown)}\nGameCenter → ${text}`);
      }
      res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8' }).end(text);
    };

    if (!HANDLERS.has(endpoint)) {
      record.outcome = { httpStatus: 404 };
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const envelope = checkEnvelope(req.method ?? '', contentType, rawBody, this.appId, this.secret, this.lastNonce);
    record.params = envelope.params;
    if (envelope.refused) return answer({ code: this.envelopeFailureCode, msg: envelope.refused });

    const failure = this.scripted.get(endpoint)?.shift();
    if (failure) {
      if ('hang' in failure) {
        record.outcome = { hang: true };
        return;
      }
      if ('drop' in failure) {
        record.outcome = { drop: true };
        req.socket.destroy();
        return;
      }
      if ('httpStatus' in failure) {
        record.outcome = { httpStatus: failure.httpStatus };
        res.writeHead(failure.httpStatus, { 'Content-Type': 'text/html' }).end(failure.body ?? '<html>Bad Gateway</html>');
        return;
      }
      return answer(failure);
    }
    if (this.deniedApis.has(endpoint)) return answer({ code: 923, msg: 'no permission' });
    const handler = HANDLERS.get(endpoint)!;
    answer(handler(this, envelope.params));
  }

  // ---- APIs ----

  private userOfToken(token: string | undefined): { userId: string } | Answer {
    if (!token) return { code: 920, msg: 'unauthorized request, need login.' };
    if (this.supersededTokens.has(token)) return { code: 924, msg: 'invalid access token, another client was authorized.' };
    for (const [userId, t] of this.tokens) {
      if (t === token) return this.blockedAnswer(userId) ?? { userId };
    }
    return { code: 922, msg: 'unauthorized request, invalid access token' };
  }

  private blockedAnswer(userId: string): Answer | undefined {
    const block = this.blocked.get(userId);
    if (!block) return undefined;
    const info = { reason: block.reason, expired: block.expired };
    return block.via === 'data' ? { code: 921, msg: 'user was blocked', data: info } : { code: 921, msg: JSON.stringify(info) };
  }

  authCheckStatus(p: Record<string, string>): Answer {
    if (!p.userId) return { code: 999, msg: 'userId required' };
    if (this.acceptAnyToken && p.userToken && !this.tokens.has(p.userId)) return p.userToken === 'bad' ? { code: 922, msg: 'unauthorized request, invalid access token' } : { code: 0 };
    const who = this.userOfToken(p.userToken);
    if ('code' in who) return who;
    if (who.userId !== p.userId) return { code: 922, msg: 'unauthorized request, invalid access token' };
    return { code: 0 };
  }

  userFriends(p: Record<string, string>): Answer {
    const who = this.userOfToken(p.userToken);
    if ('code' in who) return who;
    const list = this.friends.get(who.userId) ?? [];
    return { code: 0, data: list.map((f) => ({ photoUrl: f.photoUrl, ttkUid: bare(f.ttkUid), nickname: f.nickname })) };
  }

  userPlayingFriends(p: Record<string, string>): Answer {
    const who = this.userOfToken(p.userToken);
    if ('code' in who) return who;
    return { code: 0, data: (this.playingFriends.get(who.userId) ?? []).map(playerJson) };
  }

  userPlayingMembers(p: Record<string, string>): Answer {
    const who = this.userOfToken(p.userToken);
    if ('code' in who) return who;
    if (!p.groupId) return { code: 999, msg: 'groupId required' };
    return { code: 0, data: (this.groups.get(p.groupId) ?? []).map(playerJson) };
  }

  syncRankData(p: Record<string, string>): Answer {
    const rankType = p.rank_type;
    if (rankType !== '0' && rankType !== '1' && rankType !== '2') return { code: 999, msg: 'rank_type must be 0, 1 or 2' };
    const rows = readRows(p.rank_data, 2);
    if (typeof rows === 'string') return { code: 999, msg: rows };
    if (rows.length >= 1000) return { code: 999, msg: 'less than 1000 users per request' };
    const day = this.dayOf(this.now());
    const batch = new Set<string>();
    for (const [userId, value] of rows) {
      const key = `${userId}|${rankType}`;
      if (batch.has(key) || this.rankSubmissions.some((s) => s.userId === userId && String(s.rankType) === rankType && s.day === day)) {
        return { code: 998, msg: 'duplicate operation' };
      }
      batch.add(key);
      if (!Number.isFinite(Number(value))) return { code: 999, msg: 'value must be a number' };
    }
    for (const [userId, value] of rows) this.rankSubmissions.push({ userId, rankType: Number(rankType), value: Number(value), day });
    return { code: 0 };
  }

  syncUserGameZoneData(p: Record<string, string>): Answer {
    const type = p.user_game_zone_type;
    if (type !== '1' && type !== '2') return { code: 999, msg: 'user_game_zone_type must be 1 or 2' };
    const rows = readRows(p.user_game_zone_data, 3);
    if (typeof rows === 'string') return { code: 999, msg: rows };
    if (rows.length > 1000) return { code: 999, msg: 'no more than 1000 elements per request' };
    const batch = new Set<string>();
    for (const [userId, zone, time] of rows) {
      if (!isZone(zone)) return { code: 999, msg: `gameZone ${zone} outside [0,32767]` };
      if (!/^\d+$/.test(time)) return { code: 999, msg: 'time must be ms' };
      const key = `${userId}|${zone}`;
      if (type === '1' && (batch.has(key) || this.userZoneEvents.some((e) => e.type === 1 && e.userId === userId && String(e.zone) === zone))) {
        return { code: 998, msg: 'duplicate operation' };
      }
      batch.add(key);
    }
    for (const [userId, zone, time] of rows) this.userZoneEvents.push({ type: Number(type), userId, zone: Number(zone), timeMs: Number(time) });
    return { code: 0 };
  }

  syncOrderGameZoneData(p: Record<string, string>): Answer {
    const rows = readRows(p.order_game_zone_data, 2);
    if (typeof rows === 'string') return { code: 999, msg: rows };
    if (rows.length > 1000) return { code: 999, msg: 'no more than 1000 elements per request' };
    const batch = new Set<string>();
    for (const [orderId, zone] of rows) {
      if (!isZone(zone)) return { code: 999, msg: `gameZone ${zone} outside [0,32767]` };
      if (batch.has(orderId) || this.orderZones.has(orderId)) return { code: 998, msg: 'duplicate operation' };
      batch.add(orderId);
    }
    for (const [orderId, zone] of rows) {
      this.orderZones.set(orderId, Number(zone));
      const order = this.orders.get(orderId);
      if (order) order.gameZone = Number(zone);
    }
    return { code: 0 };
  }

  orderCheckStatus(p: Record<string, string>): Answer {
    if (!p.orders) return { code: 999, msg: 'orders required' };
    const data: Record<string, unknown> = {};
    for (const id of p.orders.split(',')) {
      const o = this.orders.get(id) ?? (this.unknownOrdersPaid ? trialOrder(id, this.now()) : undefined);
      if (!o) continue;
      data[id] = {
        checked: o.checked,
        gameId: bare(this.gameId),
        orderId: bare(id),
        payTime: o.payTime ?? 0,
        amount: o.amount ?? 100,
        currency: o.currency ?? 'AED',
        sku: o.sku ?? '001',
        status: o.status,
        env: o.env ?? 0,
        gameZone: o.gameZone ?? -1,
        test: o.test ?? false,
        orderRef: o.orderRef ?? '',
        orderToken: o.orderToken ?? '',
        payedAfterFailed: o.payedAfterFailed ?? false,
        cpOrderId: o.cpOrderId ?? '',
      };
      for (const [k, v] of Object.entries(o.answer ?? {})) {
        if (v === undefined) delete (data[id] as Record<string, unknown>)[k];
        else (data[id] as Record<string, unknown>)[k] = v;
      }
    }
    return { code: 0, data };
  }

  orderNewExchange(p: Record<string, string>): Answer {
    for (const k of ['userId', 'env', 'sku', 'orderRef', 'amount']) if (!p[k]) return { code: 999, msg: `${k} required` };
    if (p.channel !== '5') return { code: 999, msg: 'channel must be 5' };
    if (p.currency !== 'USD') return { code: 999, msg: 'currency must be USD' };
    if (p.env !== '0' && p.env !== '1') return { code: 999, msg: 'env must be 0 or 1' };
    if (!/^\d+\.\d{2}$/.test(p.amount)) return { code: 999, msg: 'amount must have 2 decimals' };
    for (const o of this.orders.values()) if (o.orderRef === p.orderRef) return { code: 998, msg: 'duplicate operation' };
    const id = this.newId();
    this.orders.set(id, {
      status: 1,
      checked: 1,
      payTime: this.now(),
      amount: Math.round(Number(p.amount) * 100),
      currency: 'USD',
      sku: p.sku,
      env: p.env === '1' ? 1 : 0,
      orderRef: p.orderRef,
      userId: p.userId,
    });
    return { code: 0, data: this.bareCreatedIds ? bare(id) : id };
  }

  transferNew(p: Record<string, string>): Answer {
    const who = this.userOfToken(p.userToken);
    if ('code' in who) return who;
    if (p.currency !== 'AED') return { code: 999, msg: 'currency must be AED' };
    if (!/^\d+\.\d{2}$/.test(p.amount ?? '')) return { code: 999, msg: 'amount must have 2 decimals' };
    const id = this.newId();
    this.transfers.set(id, { userId: who.userId, amount: Math.round(Number(p.amount) * 100), currency: 'AED', status: 0 });
    return { code: 0, data: this.bareCreatedIds ? bare(id) : id };
  }

  transferCheckStatus(p: Record<string, string>): Answer {
    if (!p.transfers) return { code: 999, msg: 'transfers required' };
    const data: Record<string, unknown> = {};
    for (const id of p.transfers.split(',')) {
      const t = this.transfers.get(id);
      if (!t) continue;
      data[id] = {
        user_id: bare(t.userId),
        gameId: bare(this.gameId),
        transferId: bare(id),
        amount: t.amount,
        currency: t.currency,
        status: t.status,
      };
    }
    return { code: 0, data };
  }

  private newId(): string {
    const id = String(this.nextId);
    this.nextId += 1n;
    return id;
  }
}

const HANDLERS = new Map<string, (double: GameCenterDouble, p: Record<string, string>) => Answer>([
  ['auth.check_status', (d, p) => d.authCheckStatus(p)],
  ['user.friends', (d, p) => d.userFriends(p)],
  ['user.playing_friends', (d, p) => d.userPlayingFriends(p)],
  ['user.playing_members', (d, p) => d.userPlayingMembers(p)],
  ['sync.rank_data', (d, p) => d.syncRankData(p)],
  ['sync.user_game_zone_data', (d, p) => d.syncUserGameZoneData(p)],
  ['sync.order_game_zone_data', (d, p) => d.syncOrderGameZoneData(p)],
  ['order.check_status', (d, p) => d.orderCheckStatus(p)],
  ['order.new_exchange', (d, p) => d.orderNewExchange(p)],
  ['transfer.new', (d, p) => d.transferNew(p)],
  ['transfer.check_status', (d, p) => d.transferCheckStatus(p)],
]);
