/**
 * The POST route SUD sends notifications to. Cheap refusals come first (shutting down, caller not allowed,
 * body too large), then the signature over the raw bytes, then the JSON; only a verified, well-formed
 * notification is recorded, and "SUCCESS" is answered only once Redis has it. Every refusal is logged
 * with its reason and answered in SUD's shape with a non-zero ret_code.
 */
import { createEndpoint, type Endpoint } from '@colyseus/core';
import { MAX_JSON_DEPTH, tooDeepField } from '../../json/depth.js';
import { hasLoneSurrogate } from '../../ledger/storable.js';
import { countedHandler, withCallbackCode } from '../../ops/hooks.js';
import type { BridgeContext } from '../../context.js';
import { BodyTimeoutError, BodyTooLargeError, declaresTooLarge, readBodyCapped } from '../../http/body.js';
import { INBOUND_REFUSAL_BURST, RefusalNotes } from '../../ops/refusals.js';
import { createIpMatcher } from '../../http/ipAllowList.js';
import { StoreUnavailableError } from '../../store/Store.js';
import { SUD_RET, SUD_SUCCESS, httpStatusOf, type SudAnswer } from './codes.js';
import type { SudOptions } from './options.js';
import { MATCH_SETTLE_EVENT, describeIssues, envelopeSchema, eventFromEnvelope, settlementFromSud } from './schemas.js';
import { verifySudRequest } from './signature.js';
import type { NotificationToRecord, SudJournal } from './SudJournal.js';
import { eventJobId, settleJobId } from './keys.js';
import type { SudNote } from './notes.js';
import { errorText } from '../../errorText.js';

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** What nearly every answer is, written once (the Response copies the headers it is given). */
const SUCCESS_BODY = JSON.stringify(SUD_SUCCESS);
const SUCCESS_CODE = String(SUD_SUCCESS.ret_code);

function respond(answer: SudAnswer, extraHeaders?: Record<string, string>): Response {
  const headers = extraHeaders ? { ...HEADERS, ...extraHeaders } : HEADERS;
  if (answer === SUD_SUCCESS) return withCallbackCode(new Response(SUCCESS_BODY, { status: httpStatusOf(answer.ret_code), headers }), SUCCESS_CODE);
  return withCallbackCode(new Response(JSON.stringify(answer), { status: httpStatusOf(answer.ret_code), headers }), String(answer.ret_code));
}

export interface SudRouteDeps {
  options: SudOptions;
  journal: SudJournal;
  /** Whether other notifications become jobs (only when someone handles them). */
  handlesEvents: boolean;
  /** Journals a job's lines (absent: no journal). */
  note?: SudNote;
  /** How long a duplicate is recognised (ms, `dedupeDays`): an older signed timestamp is a replay. */
  dedupeMs: number;
}

/** Slack between SUD's clock and ours, so a notification is refused as old a little before its tombstone expires. */
const AGE_MARGIN_MS = 3_600_000;

export function createSudEndpoint(ctx: BridgeContext, deps: SudRouteDeps): Endpoint {
  const { options, journal } = deps;
  const allowed = createIpMatcher(options.ipAllowList);
  const limit = ctx.options.http.maxBodyBytes;
  const secrets = options.previousAppSecret ? [options.appSecret, options.previousAppSecret] : [options.appSecret];

  const maxAgeMs = Math.max(deps.dedupeMs - Math.min(AGE_MARGIN_MS, deps.dedupeMs / 2), 1);
  const refusals = new RefusalNotes(ctx.logger, 'sud notify refused', ctx.clock, INBOUND_REFUSAL_BURST);
  const checksPeer = (options.ipAllowList?.length ?? 0) > 0;
  // a refusal's log line names the caller: read here unless the route already had it
  const refuse = (request: Request, code: number, reason: string, fields: Record<string, unknown> = {}, extraHeaders?: Record<string, string>): Response => {
    const { peer, ...rest } = fields;
    const who = typeof peer === 'string' ? peer : ctx.peer.peerOf(request.headers);
    refusals.note(reason, who, { retCode: code, ...rest });
    return respond({ ret_code: code, ret_msg: reason }, extraHeaders);
  };
  const tooLarge = (request: Request, peer: string | undefined) => refuse(request, SUD_RET.tooLarge, `body larger than ${limit} bytes`, { peer }, { connection: 'close' });

  return createEndpoint(
    options.path,
    { method: 'POST', disableBody: true },
    countedHandler(ctx.ops, 'sud', 'notify', async (ectx) => {
      const request = ectx.request;
      if (!request) {
        ctx.logger.error('sud notify route called without a request object');
        return respond({ ret_code: SUD_RET.internal, ret_msg: 'internal error, retry later' });
      }
      // the caller's address is read where something uses it: the allow-list, a refusal's log line, the journal
      const peer = checksPeer ? ctx.peer.peerOf(request.headers) : undefined;
      if (ctx.stopping) return refuse(request, SUD_RET.unavailable, 'server is shutting down, retry later', { peer });
      if (checksPeer && !allowed(peer)) return refuse(request, SUD_RET.refused, 'caller address not allowed', { peer });

      // refused on the declared length without touching the body: cancelling the stream would reset the
      // connection before the answer is written
      if (declaresTooLarge(request, limit)) return tooLarge(request, peer);
      let body: Buffer;
      try {
        body = await readBodyCapped(request, limit, ctx.options.http.bodyTimeoutMs);
      } catch (error) {
        if (error instanceof BodyTooLargeError) return tooLarge(request, peer);
        if (error instanceof BodyTimeoutError) {
          return refuse(request, SUD_RET.malformed, `body not received within ${error.timeoutMs} ms`, { peer, bytes: error.received }, { connection: 'close' });
        }
        return refuse(request, SUD_RET.malformed, 'body could not be read', { peer, error });
      }

      const verified = verifySudRequest(request.headers, body, { appId: options.appId, secrets, maxSkewSec: options.maxSkewSec, maxAgeMs, now: ctx.clock.now() });
      if (!verified.ok) return refuse(request, verified.code, verified.reason, { peer, bytes: body.length });

      const text = body.toString('utf8');
      const deep = tooDeepField(text);
      if (deep !== undefined) {
        return refuse(request, SUD_RET.malformed, `malformed JSON: ${deep === '' ? 'the body' : `field ${deep}`} is nested deeper than ${MAX_JSON_DEPTH} levels`, { peer, bytes: body.length });
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        return refuse(request, SUD_RET.malformed, `malformed JSON: ${errorText(error)}`, { peer, bytes: body.length });
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) return refuse(request, SUD_RET.malformed, 'malformed JSON: expected an object', { peer });
      const envelope = envelopeSchema.safeParse(json);
      if (!envelope.success) return refuse(request, SUD_RET.missingFields, `missing or invalid fields: ${describeIssues(envelope.error, 'body', json)}`, { peer });
      const env = envelope.data;
      // ids become Redis keys: a lone surrogate would be stored as U+FFFD and collide with other ids
      if (hasLoneSurrogate(env.notify_id)) return refuse(request, SUD_RET.missingFields, 'missing or invalid fields: notify_id holds a lone UTF-16 surrogate', { peer });
      if (env.app_id !== options.appId) return refuse(request, SUD_RET.wrongAppId, 'body app_id is not the configured appId', { peer, notifyId: env.notify_id });

      let work: NotificationToRecord['work'];
      if (env.notify_event === MATCH_SETTLE_EVENT) {
        const s = settlementFromSud(env.data, env.notify_id);
        if (!s.ok) return refuse(request, SUD_RET.missingFields, `missing or invalid fields: ${s.reason}`, { peer, notifyId: env.notify_id });
        if (hasLoneSurrogate(s.settlement.matchId))
          return refuse(request, SUD_RET.missingFields, 'missing or invalid fields: data.match_id holds a lone UTF-16 surrogate', { peer, notifyId: env.notify_id });
        work = { kind: 'settle', settlement: s.settlement };
      } else if (deps.handlesEvents) {
        work = { kind: 'event', event: eventFromEnvelope(env) };
      }

      // journaled before recording: a job recorded leased to this process starts (and journals) within the record step
      const jobId = work ? (work.kind === 'settle' ? settleJobId(work.settlement.matchId) : eventJobId(env.notify_id)) : undefined;
      if (jobId) deps.note?.(jobId, 'notified', { notifyId: env.notify_id, notifyEvent: env.notify_event, peer: peer ?? ctx.peer.peerOf(request.headers) });
      try {
        const r = await journal.recordNotification({ notifyId: env.notify_id, event: env.notify_event, rawBody: text, work });
        // SUCCESS only once the record (a duplicate's original too) is on the replicas `ledger.durability` asks for
        await ctx.store.confirmDurable();
        const fields = { notifyId: env.notify_id, event: env.notify_event, ...(work?.kind === 'settle' ? { matchId: work.settlement.matchId } : {}) };
        if (r.outcome === 'duplicate-notify') ctx.logger.info('sud notify: duplicate notification, answered SUCCESS again', fields);
        else if (r.outcome === 'duplicate-tombstone')
          ctx.logger.info('sud notify: duplicate of a job finished before its record expired (its tombstone), answered SUCCESS again; nothing recorded', fields);
        else if (r.outcome === 'duplicate-job') ctx.logger.info('sud notify: recorded; its match was already settled or reported', { ...fields, state: r.state });
        else ctx.logger.debug('sud notify recorded', fields);
        if (jobId && r.outcome !== 'new') deps.note?.(jobId, 'duplicate', { notifyId: env.notify_id, outcome: r.outcome, state: r.state, answer: 'SUCCESS' });
        return respond(SUD_SUCCESS);
      } catch (error) {
        if (jobId) deps.note?.(jobId, 'not_recorded', { notifyId: env.notify_id, error: errorText(error) });
        if (error instanceof StoreUnavailableError) {
          ctx.logger.error('sud notify could not be recorded (store unavailable); SUD will retry', { notifyId: env.notify_id, error: error.message });
          return respond({ ret_code: SUD_RET.unavailable, ret_msg: 'temporarily unavailable, retry later' });
        }
        ctx.logger.error('sud notify could not be recorded', { notifyId: env.notify_id, error });
        return respond({ ret_code: SUD_RET.internal, ret_msg: 'internal error, retry later' });
      }
    }),
  );
}
