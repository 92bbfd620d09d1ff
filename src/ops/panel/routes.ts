/**
 * The panel's routes under `panel.path`: the page (or the sign-in form), sign-in and sign-out, the JSON the
 * page polls, order search and timeline, and retry. Every request must come from an address on the admin
 * allow-list; everything but the sign-in needs a session; every POST needs the session's CSRF token.
 * Refusals are logged as `panel refused: <reason>` with the caller's address (and so show in the panel).
 */
import { randomBytes } from 'node:crypto';
import { createEndpoint, type Endpoint } from '@colyseus/core';
import { z } from 'zod';
import type { BridgeContext } from '../../context.js';
import type { HealthReport } from '../../http/health.js';
import { readBodyCapped } from '../../http/body.js';
import { createIpMatcher } from '../../http/ipAllowList.js';
import type { AdminOptions } from '../options.js';
import type { Desk } from '../desk.js';
import type { PanelActivity } from './activity.js';
import type { PanelOptions } from './options.js';
import { loginPage, panelPage } from './page.js';
import { PanelSessions, type PanelSession } from './session.js';
import { orderRow, panelSnapshot } from './snapshot.js';
import { errorText } from '../../errorText.js';

export interface PanelDeps {
  desk: Desk;
  activity: PanelActivity;
  health: () => Promise<HealthReport>;
  gamecenter: boolean;
  sud: boolean;
  /** Name of the serverstate hash (`rooms.serverState.hashName`), whose zones the panel lists. */
  serverStateHash: string;
}

const MAX_BODY = 4096;
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
const retryBody = z.strictObject({ id: z.string().min(1).max(512) });
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });

type Req = { request: Request; peer: string | undefined; session?: PanelSession };

export function panelEndpoints(ctx: BridgeContext, options: PanelOptions, admin: AdminOptions, deps: PanelDeps): Record<string, Endpoint> {
  const base = options.path.replace(/\/+$/, '') || '/';
  const sub = (p: string) => (base === '/' ? p : base + p);
  const cookiePath = base;
  const allowed = createIpMatcher(admin.ipAllowList);
  const sessions = new PanelSessions(admin.token!, options.sessionTtlMs, ctx.clock);
  const refuse = (reason: string, peer: string | undefined, route: string) => ctx.logger.warn(`panel refused: ${reason}`, { peer, route });

  const html = (body: string, nonce: string, status = 200, extra: Record<string, string> = {}) =>
    new Response(body, {
      status,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        ...extra,
      },
    });
  const nonce = () => randomBytes(16).toString('base64');

  /** One route: the allow-list, then a session unless `open`, then the CSRF token on POSTs that change something. */
  const route = (name: string, method: 'GET' | 'POST', path: string, how: { open?: boolean; csrf?: boolean }, handler: (r: Req) => Promise<Response>): [string, Endpoint] => [
    name,
    createEndpoint(path, { method, disableBody: true }, async (ectx) => {
      const request = ectx.request;
      if (!request) return json({ error: 'no request' }, 500);
      const peer = ctx.peer.peerOf(request.headers);
      const label = `${method} ${path}`;
      if (!allowed(peer)) {
        refuse('caller address not allowed', peer, label);
        return json({ error: 'caller address not allowed' }, 403);
      }
      const session = sessions.read(request.headers.get('cookie'));
      if (!how.open && !session) {
        refuse('not signed in', peer, label);
        return json({ error: 'not signed in' }, 401);
      }
      if (how.csrf && (!session || !sessions.csrfOk(session, request.headers.get('x-csrf-token')))) {
        refuse('missing or wrong CSRF token', peer, label);
        return json({ error: 'missing or wrong CSRF token' }, 403);
      }
      try {
        return await handler({ request, peer, session });
      } catch (err) {
        ctx.logger.error('panel request failed', { peer, route: label, error: errorText(err) });
        return json({ error: 'the store could not answer, retry later' }, 503);
      }
    }),
  ];

  const idParam = (request: Request, name: string) => {
    const v = new URL(request.url).searchParams.get(name)?.trim();
    return v && v.length <= 512 ? v : undefined;
  };

  const routes: Array<[string, Endpoint]> = [
    route('platformPanel', 'GET', base, { open: true }, async ({ session }) => {
      const n = nonce();
      if (!session) return html(loginPage({ action: sub('/login'), nonce: n }), n);
      return html(panelPage({ base, csrf: session.csrf, nonce: n, refreshMs: options.refreshMs }), n);
    }),
    route('platformPanelLogin', 'POST', sub('/login'), { open: true }, async ({ request, peer }) => {
      let typed = '';
      try {
        typed = new URLSearchParams((await readBodyCapped(request, MAX_BODY)).toString('utf8')).get('token') ?? '';
      } catch {
        typed = '';
      }
      if (!sessions.tokenMatches(typed.trim())) {
        refuse('wrong admin token at sign-in', peer, `POST ${sub('/login')}`);
        const n = nonce();
        return html(loginPage({ action: sub('/login'), nonce: n, error: 'That is not the admin token.' }), n, 401);
      }
      const { cookieValue } = sessions.create();
      ctx.logger.info('panel: signed in', { peer });
      return new Response(null, { status: 303, headers: { location: base, 'cache-control': 'no-store', 'set-cookie': sessions.cookie(cookieValue, cookiePath, options.secureCookie) } });
    }),
    route('platformPanelLogout', 'POST', sub('/logout'), { csrf: true }, async ({ session, peer }) => {
      sessions.revoke(session!);
      ctx.logger.info('panel: signed out', { peer });
      return json({ ok: true }, 200, { 'set-cookie': sessions.cookie('', cookiePath, options.secureCookie, 0) });
    }),
    route('platformPanelState', 'GET', sub('/api/state'), {}, async () =>
      json(await panelSnapshot({ ctx, desk: deps.desk, activity: deps.activity, health: deps.health, gamecenter: deps.gamecenter, sud: deps.sud, serverStateHash: deps.serverStateHash, options })),
    ),
    route('platformPanelSearch', 'GET', sub('/api/search'), {}, async ({ request }) => {
      const q = idParam(request, 'q');
      if (!q) return json({ error: 'give q=<order id, ledger key or user id>' }, 400);
      const [order, byUser] = await Promise.all([deps.desk.get(q), deps.desk.find(q, { limit: 100 })]);
      const rows = byUser.orders.map(orderRow);
      if (order && !rows.some((r) => r.key === order.dedupeKey)) rows.unshift(orderRow(order));
      return json({ q, orders: rows, more: byUser.next !== undefined });
    }),
    route('platformPanelTimeline', 'GET', sub('/api/timeline'), {}, async ({ request }) => {
      const id = idParam(request, 'id');
      if (!id) return json({ error: 'give id=<order id or ledger key>' }, 400);
      const [order, t] = await Promise.all([deps.desk.get(id), deps.desk.timeline(id)]);
      return order && t ? json({ order: orderRow(order), entries: t.entries }) : json({ error: 'no such order' }, 404);
    }),
    route('platformPanelRetry', 'POST', sub('/api/retry'), { csrf: true }, async ({ request, peer }) => {
      let parsed: z.infer<typeof retryBody>;
      try {
        parsed = retryBody.parse(JSON.parse((await readBodyCapped(request, MAX_BODY)).toString('utf8')));
      } catch {
        refuse('bad retry body', peer, `POST ${sub('/api/retry')}`);
        return json({ error: 'body must be {"id": "<order id or ledger key>"}' }, 400);
      }
      const r = await deps.desk.retry(parsed.id, { by: 'panel', address: peer });
      ctx.logger.info('panel: retry', { peer, order: r.key ?? parsed.id, outcome: r.outcome });
      return json(r, r.outcome === 'retried' ? 200 : r.outcome === 'not-found' ? 404 : 409);
    }),
  ];
  return Object.fromEntries(routes);
}
