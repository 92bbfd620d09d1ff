/**
 * The POST route the platform sends recharge orders to. Cheap refusals come first (shutting down, caller
 * not allowed, body too large, not JSON) so nothing else is spent on them; then the shared intake decides.
 * Every answer has the document's 1.4 shape; the HTTP status says whether retrying can help: 200 for
 * business answers, 400/413 for a request that will never be accepted, 403 for a refused caller, 503 when
 * the order could not be recorded now.
 */
import { createEndpoint, type Endpoint } from '@colyseus/core';
import type { BridgeContext } from '../../context.js';
import { BodyTimeoutError, BodyTooLargeError, declaresTooLarge, readBodyCapped } from '../../http/body.js';
import { createIpMatcher } from '../../http/ipAllowList.js';
import { RECHARGE_CODE, httpAnswerBody, type RechargeAnswer } from './codes.js';
import type { RechargeIntake } from './intake.js';
import { parseSourcedBytes } from '../../json/sourcedObject.js';
import type { RechargeOptions } from './options.js';

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

function respondRaw(status: number, answer: RechargeAnswer, extraHeaders?: Record<string, string>): Response {
  return new Response(httpAnswerBody(answer), { status, headers: extraHeaders ? { ...HEADERS, ...extraHeaders } : HEADERS });
}

function statusOf(answer: RechargeAnswer): number {
  if (answer.code === RECHARGE_CODE.unavailable) return 503;
  if (answer.code === RECHARGE_CODE.internal) return 500;
  return 200;
}

export function createRechargeEndpoint(ctx: BridgeContext, options: RechargeOptions, intake: RechargeIntake): Endpoint {
  const allowed = createIpMatcher(options.ipAllowList);
  const limit = ctx.options.http.maxBodyBytes;
  const ops = ctx.ops;
  // every answer is counted for the metrics, refusals included
  const respond = ops
    ? (status: number, answer: RechargeAnswer, extra?: Record<string, string>) => {
        ops.callback('recharge', 'http', answer.code);
        return respondRaw(status, answer, extra);
      }
    : respondRaw;
  return createEndpoint(options.httpPath, { method: 'POST', disableBody: true }, async (ectx) => {
    const request = ectx.request;
    const peer = request ? ctx.peer.peerOf(request.headers) : undefined;
    if (ctx.stopping) {
      return respond(503, intake.refuse('http', peer, { code: RECHARGE_CODE.unavailable, msg: 'server is shutting down, retry later' }));
    }
    if (!allowed(peer)) {
      return respond(403, intake.refuse('http', peer, { code: RECHARGE_CODE.refused, msg: 'caller address not allowed' }));
    }
    if (!request) {
      ctx.logger.error('recharge route called without a request object', { peer });
      return respond(500, { code: RECHARGE_CODE.internal, msg: 'internal error, retry later' });
    }
    const tooLarge = () => respond(413, intake.refuse('http', peer, { code: RECHARGE_CODE.malformed, msg: `body larger than ${limit} bytes` }), { connection: 'close' });
    // refused on the declared length without touching the body: cancelling the body stream would reset the
    // connection before the answer is written
    if (declaresTooLarge(request, limit)) return tooLarge();
    let body: Buffer;
    try {
      body = await readBodyCapped(request, limit, ctx.options.http.bodyTimeoutMs);
    } catch (error) {
      if (error instanceof BodyTooLargeError) return tooLarge();
      if (error instanceof BodyTimeoutError) {
        const answer = intake.refuse('http', peer, { code: RECHARGE_CODE.malformed, msg: `body not received within ${error.timeoutMs} ms` }, undefined, { bytes: error.received });
        return respond(408, answer, { connection: 'close' });
      }
      return respond(400, intake.refuse('http', peer, { code: RECHARGE_CODE.malformed, msg: 'body could not be read' }, undefined, { error }));
    }
    const parsed = parseSourcedBytes(body);
    if (!parsed.ok) {
      return respond(400, intake.refuse('http', peer, { code: RECHARGE_CODE.malformed, msg: `malformed JSON: ${parsed.reason}` }, undefined, { bytes: body.length }));
    }
    try {
      const answer = await intake.handle(parsed.object, 'http', peer);
      return respond(statusOf(answer), answer);
    } catch (error) {
      // the router would answer a bare 500; the platform still gets a body it can read, and retries
      ctx.logger.error('recharge order failed unexpectedly', { path: 'http', peer, error });
      return respond(500, { code: RECHARGE_CODE.internal, msg: 'internal error, retry later' });
    }
  });
}
