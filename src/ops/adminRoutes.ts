/**
 * The HTTP admin API: the desk over HTTP, for operators' scripts and the browser panel. JSON in and out,
 * paged lists, CSV or JSON lines for exports. Every request needs the admin bearer token (compared in
 * constant time, never logged) and, when configured, an address on the allow-list; every refusal is logged
 * with the caller's address and the route; every write is journaled with the caller's address.
 *
 * Orders are named in the query (`?id=`), not in the path: ledger keys carry `:` and platform ids may carry
 * anything, and a query parameter needs no escaping rules of its own.
 */
import { createEndpoint, type Endpoint } from '@colyseus/core';
import { z } from 'zod';
import type { BridgeContext } from '../context.js';
import { BodyTimeoutError, BodyTooLargeError, declaresTooLarge, readBodyCapped } from '../http/body.js';
import { createIpMatcher } from '../http/ipAllowList.js';
import { bearerCheck } from './bearer.js';
import { JOURNAL_SUBJECTS, type JournalSubject } from '../ledger/journal.js';
import { LISTABLE_STATES, type Desk } from './desk.js';
import type { AdminOptions } from './options.js';
import { errorText } from '../errorText.js';
import { isTimeZone } from '../timeZone.js';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
const MAX_ADMIN_BODY = 16 * 1024;

const writeBody = z.strictObject({
  id: z.string().min(1).max(512),
  reason: z.string().trim().min(1).max(1000).optional(),
  by: z.string().trim().min(1).max(200).optional(),
});

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: JSON_HEADERS });
const problem = (status: number, error: string) => json({ error }, status);

type Handler = (q: URLSearchParams, request: Request, peer: string | undefined) => Promise<Response>;

/** The admin routes by name; `guard` wraps each with the checks every admin request passes. */
export function adminEndpoints(ctx: BridgeContext, options: AdminOptions, desk: Desk): Record<string, Endpoint> {
  const allowed = createIpMatcher(options.ipAllowList);
  const tokenOk = bearerCheck(options.token!);
  const base = options.pathPrefix.replace(/\/+$/, '');

  const guard = (name: string, method: 'GET' | 'POST', path: string, handler: Handler): [string, Endpoint] => [
    name,
    createEndpoint(`${base}${path}`, { method, disableBody: true }, async (ectx) => {
      const request = ectx.request;
      const headers = request?.headers ?? new Headers();
      const peer = ctx.peer.peerOf(headers);
      const route = `${method} ${base}${path}`;
      if (!allowed(peer)) {
        ctx.logger.warn('admin request refused: caller address not allowed', { peer, route });
        return problem(403, 'caller address not allowed');
      }
      if (!tokenOk(headers)) {
        ctx.logger.warn('admin request refused: missing or wrong bearer token', { peer, route });
        return new Response(JSON.stringify({ error: 'missing or wrong bearer token' }), { status: 401, headers: { ...JSON_HEADERS, 'www-authenticate': 'Bearer' } });
      }
      if (!request) return problem(500, 'no request');
      try {
        return await handler(new URL(request.url).searchParams, request, peer);
      } catch (err) {
        const message = errorText(err);
        if (err instanceof BadRequest) {
          ctx.logger.warn('admin request refused: bad request', { peer, route, error: message });
          return problem(400, message);
        }
        ctx.logger.error('admin request failed', { peer, route, error: message });
        return problem(503, 'the store could not answer, retry later');
      }
    }),
  ];

  const need = (q: URLSearchParams, name: string) => {
    const v = q.get(name);
    if (!v) throw new BadRequest(`query parameter ${name} is required`);
    return v;
  };
  const num = (q: URLSearchParams, name: string) => {
    const v = q.get(name);
    if (v === null || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new BadRequest(`query parameter ${name} must be a non-negative number`);
    return n;
  };
  const readWrite = async (request: Request) => {
    // refused on the declared length without touching the body (cancelling it would reset the connection)
    if (declaresTooLarge(request, MAX_ADMIN_BODY)) throw new BadRequest(`body larger than ${MAX_ADMIN_BODY} bytes`);
    let raw: Buffer;
    try {
      raw = await readBodyCapped(request, MAX_ADMIN_BODY, ctx.options.http.bodyTimeoutMs);
    } catch (err) {
      if (err instanceof BodyTimeoutError) throw new BadRequest(`body not received within ${err.timeoutMs} ms`);
      throw new BadRequest(err instanceof BodyTooLargeError ? `body larger than ${MAX_ADMIN_BODY} bytes` : 'body could not be read');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new BadRequest('body must be JSON');
    }
    const r = writeBody.safeParse(parsed);
    if (!r.success) throw new BadRequest(`bad body: ${r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
    return r.data;
  };

  const routes: Array<[string, Endpoint]> = [
    guard('platformAdminOrder', 'GET', '/order', async (q) => {
      const order = await desk.get(need(q, 'id'));
      return order ? json({ order }) : problem(404, 'no such order');
    }),
    guard('platformAdminTimeline', 'GET', '/timeline', async (q) => {
      const subject = q.get('subject');
      if (subject && subject !== 'order') {
        if (!(JOURNAL_SUBJECTS as readonly string[]).includes(subject)) throw new BadRequest(`subject must be order or one of ${JOURNAL_SUBJECTS.join(', ')}`);
        const id = need(q, 'id');
        return json({ subject, id, entries: await desk.journalOf(subject as JournalSubject, id) });
      }
      const t = await desk.timeline(need(q, 'id'));
      return t ? json(t) : problem(404, 'no such order');
    }),
    guard('platformAdminOrders', 'GET', '/orders', async (q) => {
      const limit = num(q, 'limit');
      const cursor = q.get('cursor') ?? undefined;
      const user = q.get('user');
      if (user) return json(await desk.find(user, { limit, cursor }));
      const state = q.get('state');
      if (!state || !(LISTABLE_STATES as readonly string[]).includes(state)) throw new BadRequest(`give user=<id> or state=${LISTABLE_STATES.join('|')}`);
      return json(await desk.list({ state: state as (typeof LISTABLE_STATES)[number], olderThanMs: num(q, 'olderThanMs'), limit, cursor }));
    }),
    guard('platformAdminCounts', 'GET', '/counts', async () => json(await desk.counts())),
    guard('platformAdminRetry', 'POST', '/retry', async (_q, request, peer) => {
      const body = await readWrite(request);
      const r = await desk.retry(body.id, { by: body.by ?? 'admin-api', address: peer });
      ctx.logger.info('admin: retry', { peer, order: r.key ?? body.id, outcome: r.outcome, by: body.by });
      return json(r, r.outcome === 'retried' ? 200 : r.outcome === 'not-found' ? 404 : 409);
    }),
    guard('platformAdminCancel', 'POST', '/cancel', async (_q, request, peer) => {
      const body = await readWrite(request);
      if (!body.reason) throw new BadRequest('a cancel needs a reason');
      const r = await desk.cancel(body.id, body.reason, { by: body.by ?? 'admin-api', address: peer });
      ctx.logger.info('admin: cancel', { peer, order: r.key ?? body.id, outcome: r.outcome, by: body.by, reason: body.reason });
      return json(r, r.outcome === 'cancelled' ? 200 : r.outcome === 'not-found' ? 404 : 409);
    }),
    guard('platformAdminExport', 'GET', '/export', async (q) => {
      const day = need(q, 'day');
      const timeZone = q.get('timeZone') ?? 'UTC';
      const format = q.get('format') ?? 'jsonl';
      if (format !== 'csv' && format !== 'jsonl') throw new BadRequest('format must be csv or jsonl');
      if (!isTimeZone(timeZone)) throw new BadRequest(`unknown time zone ${timeZone}`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new BadRequest('day must be YYYY-MM-DD');
      const age = (ctx.clock.now() - Date.parse(`${day}T00:00:00Z`)) / 86_400_000;
      if (age > options.maxExportDays) throw new BadRequest(`day is more than admin.maxExportDays (${options.maxExportDays}) ago`);
      // one body, not a stream: the router's Node adapter (better-call 1.3) ends a streamed response after its first chunk
      const parts: string[] = [];
      for await (const chunk of desk.export(day, { timeZone, format })) parts.push(chunk);
      const type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8';
      const file = `orders-${day}.${format === 'csv' ? 'csv' : 'jsonl'}`;
      return new Response(parts.join(''), { status: 200, headers: { 'content-type': type, 'content-disposition': `attachment; filename="${file}"`, 'cache-control': 'no-store' } });
    }),
  ];
  return Object.fromEntries(routes);
}

class BadRequest extends Error {}
