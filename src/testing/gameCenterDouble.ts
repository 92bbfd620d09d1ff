/**
 * A local stand-in for the GameCenter API, so the rank, zone and order-polling traffic of a server pointed at
 * it (`GAMECENTER_URL=http://127.0.0.1:7100`) can be watched. It checks each request as the document says
 * (form POST, appId, signature = sha256(sorted k=v&… + secret), a nonce different from the previous one,
 * fewer than 1000 rank pairs, one rank per user and day, one type-1 create per user and zone) and answers
 * in the document's shapes. Orders are reported paid unless their id starts with `unpaid`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canonicalSorted, safeEqual, sha256Hex } from '../signing.js';

export interface GameCenterSimOptions {
  host: string;
  port: number;
  appId: string;
  secret: string;
  /** Called with one readable line per request and answer. */
  log: (line: string) => void;
}

export class GameCenterSim {
  private server?: Server;
  private lastNonce?: string;
  private readonly ranks = new Set<string>();
  private readonly creates = new Set<string>();
  private readonly orderZones = new Set<string>();
  private seq = 566422073705434171n;
  readonly requests: Array<{ api: string; params: Record<string, string>; code: number }> = [];

  constructor(private readonly o: GameCenterSimOptions) {}

  async start(): Promise<{ url: string }> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port, this.o.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    return { url: `http://${this.o.host}:${port}` };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > 1024 * 1024) return void res.writeHead(413).end();
      chunks.push(c as Buffer);
    }
    const api = (req.url ?? '').replace(/^\/gameserver\//, '').split('?')[0]!;
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    const answer = this.answer(req, api, params);
    const code = (answer as { code: number }).code;
    this.requests.push({ api, params, code });
    const shown = Object.fromEntries(Object.entries(params).filter(([k]) => k !== 'signature'));
    this.o.log(`GameCenter ← ${api} ${JSON.stringify(shown)}\nGameCenter → ${JSON.stringify(answer)}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  private answer(req: IncomingMessage, api: string, p: Record<string, string>): object {
    if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return { code: 999, msg: 'expected a form POST' };
    if (p.appId !== this.o.appId) return { code: 923, msg: 'unknown appId' };
    if (!/^\d{13}$/.test(p.timestamp ?? '')) return { code: 999, msg: 'timestamp must be milliseconds' };
    if (!p.nonce || p.nonce === this.lastNonce) return { code: 999, msg: 'nonce missing or equal to the previous one' };
    this.lastNonce = p.nonce;
    const expected = sha256Hex(canonicalSorted(p) + this.o.secret);
    if (!safeEqual(p.signature ?? '', expected, true)) return { code: 999, msg: 'invalid signature' };
    const day = new Date().toISOString().slice(0, 10);
    switch (api) {
      case 'auth.check_status':
        return p.userToken === 'bad' ? { code: 922, msg: 'unauthorized request, invalid access token' } : { code: 0, msg: 'success' };
      case 'user.friends':
      case 'user.playing_friends':
      case 'user.playing_members':
        return { code: 0, msg: 'success', data: [] };
      case 'sync.rank_data': {
        const pairs = parseRows(p.rank_data);
        if (!pairs || pairs.length >= 1000) return { code: 999, msg: 'rank_data must hold fewer than 1000 pairs' };
        const keys = pairs.map((r) => `${p.rank_type}:${r[0]}:${day}`);
        if (keys.some((k) => this.ranks.has(k))) return { code: 998, msg: 'duplicate operation' };
        keys.forEach((k) => this.ranks.add(k));
        return { code: 0, msg: 'success' };
      }
      case 'sync.user_game_zone_data': {
        const rows = parseRows(p.user_game_zone_data);
        if (!rows || rows.length > 1000) return { code: 999, msg: 'at most 1000 rows' };
        if (p.user_game_zone_type === '1') {
          const keys = rows.map((r) => `${r[0]}:${r[1]}`);
          if (keys.some((k) => this.creates.has(k))) return { code: 998, msg: 'duplicate operation' };
          keys.forEach((k) => this.creates.add(k));
        }
        return { code: 0, msg: 'success' };
      }
      case 'sync.order_game_zone_data': {
        const rows = parseRows(p.order_game_zone_data);
        if (!rows || rows.length > 1000) return { code: 999, msg: 'at most 1000 rows' };
        if (rows.some((r) => this.orderZones.has(String(r[0])))) return { code: 998, msg: 'duplicate operation' };
        rows.forEach((r) => this.orderZones.add(String(r[0])));
        return { code: 0, msg: 'success' };
      }
      case 'order.check_status': {
        const data: Record<string, object> = {};
        for (const id of (p.orders ?? '').split(',').filter(Boolean)) {
          const paid = !id.startsWith('unpaid');
          data[id] = { checked: paid ? 1 : 0, gameId: 126847495400849409, orderId: id, payTime: paid ? Date.now() : 0, amount: 100, currency: 'AED', sku: '001', status: paid ? 1 : 0, env: 0, gameZone: 1, test: true, orderRef: '', orderToken: '', payedAfterFailed: false, cpOrderId: '' };
        }
        return { code: 0, msg: 'success', data };
      }
      case 'order.new_exchange':
      case 'transfer.new':
        return { code: 0, msg: 'success', data: String(this.seq++) };
      case 'transfer.check_status': {
        const data: Record<string, object> = {};
        for (const id of (p.transfers ?? '').split(',').filter(Boolean)) data[id] = { user_id: '645633159128785116', gameId: 126847495400849409, transferId: id, amount: 100, currency: 'AED', status: 2 };
        return { code: 0, msg: 'success', data };
      }
      default:
        return { code: 999, msg: `unknown api ${api}` };
    }
  }
}

function parseRows(text: string | undefined): unknown[][] | undefined {
  try {
    const v = JSON.parse(text ?? '');
    return Array.isArray(v) && v.every(Array.isArray) ? v : undefined;
  } catch {
    return undefined;
  }
}
