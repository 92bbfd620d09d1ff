/**
 * The GET `/addgold` payment callback. In order: caller allowed → sign (per `verifyMode`) → fields →
 * the game's product check → the ledger, which records the order once and grants it once. Success is
 * answered only after the ledger has the order in Redis; a payment with a status other than 1 is recorded
 * for audit and not granted, unless a later report of the same transaction says it was paid (granted once). HTTP 200 for business answers, 403 for a refused address, 503 when nothing
 * could be recorded now (so VNGates retries), 500 for our own failures.
 */
import { createEndpoint, type Endpoint } from '@colyseus/core';
import { countedHandler, withCallbackCode } from '../../ops/hooks.js';
import type { BridgeContext } from '../../context.js';
import { createIpMatcher } from '../../http/ipAllowList.js';
import type { Ledger } from '../../ledger/Ledger.js';
import type { PaidOrder } from '../../ledger/types.js';
import { StoreUnavailableError } from '../../store/Store.js';
import { UnstorableOrderError } from '../../ledger/storable.js';
import { answer } from './answers.js';
import type { VngatesOptions } from './options.js';
import { addgoldQuerySchema, describeIssues } from './schemas.js';
import { expectedSign, signMatches } from './signTemplate.js';
import type { ProductCheck } from './types.js';

/** Fields whose repetition would make "which value was signed / paid" ambiguous. */
const SINGLE = ['transaction_id', 'amount', 'user_id', 'product_id', 'sign', 'char_id', 'response_time', 'server_id', 'status'];

export const HOW_TO_CONFIGURE =
  'set vngates.signTemplate (and vngates.secret) to the formula VNGates confirms, or, until then, vngates.verifyMode "log-only" with vngates.ipAllowList set to VNGates\'s callback addresses';

export function createAddgoldEndpoint(ctx: BridgeContext, options: VngatesOptions, ledger: Ledger): Endpoint {
  const allowed = createIpMatcher(options.ipAllowList);
  const { answers } = options;

  const refuse = (reason: string, fields: Record<string, unknown>, status = 200): Response => {
    ctx.logger.warn(`vngates addgold refused: ${reason}`, fields);
    return answer(answers, 'failure', reason, status);
  };

  return createEndpoint(
    options.addgoldPath,
    { method: 'GET', disableBody: true },
    countedHandler(ctx.ops, 'vngates', 'addgold', async (ectx) => {
      const request = ectx.request;
      if (!request) {
        ctx.logger.error('vngates addgold route called without a request object');
        return answer(answers, 'failure', 'internal error, retry later', 500);
      }
      const peer = ctx.peer.peerOf(request.headers);
      if (ctx.stopping) return refuse('server is shutting down, retry later', { peer }, 503);
      if (!allowed(peer)) return refuse('caller address not allowed', { peer }, 403);

      const query = new URL(request.url).searchParams;
      const transactionId = query.get('transaction_id') ?? undefined;
      const repeated = SINGLE.filter((k) => query.getAll(k).length > 1);
      if (repeated.length) return refuse(`field ${repeated.join(', ')} given more than once`, { peer, transactionId });

      const signed = checkSign(ctx, options, query, { peer, transactionId });
      if (signed) return signed;

      const raw = Object.fromEntries([...query.keys()].map((k) => [k, query.get(k)!]));
      const parsed = addgoldQuerySchema.safeParse(raw);
      if (!parsed.success) return refuse(`missing or invalid fields: ${describeIssues(parsed.error, raw)}`, { peer, transactionId });
      const q = parsed.data;
      const recut = options.signTemplate?.separator === '' && options.verifyMode === 'enforce' ? idFormatProblem(q, options.idPattern) : undefined;
      if (recut) return refuse(recut, { peer, transactionId });

      const order: PaidOrder = {
        source: 'vngates',
        orderId: q.transaction_id,
        userId: q.user_id,
        ...(q.char_id !== undefined ? { roleId: q.char_id } : {}),
        ...(q.server_id !== undefined ? { zoneId: q.server_id } : {}),
        amount: q.amount,
        ...(q.product_id !== undefined ? { productId: q.product_id } : {}),
        raw,
      };
      const paid = q.status === 1;

      if (paid && options.verifyProduct) {
        const check: ProductCheck = { productId: q.product_id, amount: q.amount, userId: q.user_id, serverId: q.server_id };
        let verdict: Awaited<ReturnType<NonNullable<VngatesOptions['verifyProduct']>>>;
        try {
          verdict = await options.verifyProduct(check);
        } catch (error) {
          ctx.logger.error('vngates addgold: verifyProduct threw; answered "retry later", nothing recorded', { transactionId: q.transaction_id, error });
          return answer(answers, 'failure', 'internal error, retry later', 500);
        }
        const refusal =
          verdict === true ? undefined : verdict === false ? 'product check failed' : typeof verdict === 'string' ? verdict : verdict.ok ? undefined : (verdict.reason ?? 'product check failed');
        if (refusal !== undefined) return refuse(refusal, { peer, transactionId: q.transaction_id, productId: q.product_id, amount: q.amount });
      }

      try {
        const journaled = { peer, duplicateAnswer: { settled: answers.duplicate, inProgress: answers.duplicate } };
        // a verified sign is a second identity of a paid order: the same signed text re-cut is this order
        const alias = paid ? signAlias(options, query) : undefined;
        const outcome = await ledger.accept(order, paid ? { ...journaled, alias } : { ...journaled, decline: `status=${q.status}` });
        if (outcome.status === 'duplicate') {
          ctx.logger.info('vngates addgold: duplicate transaction, answered as already done', { transactionId: q.transaction_id, state: outcome.state });
          return answer(answers, 'duplicate', 'success');
        }
        if (!paid)
          ctx.logger.info('vngates addgold: recorded a payment that is not successful; it is not granted (unless VNGates later reports it paid)', {
            transactionId: q.transaction_id,
            status: q.status,
          });
        else if (outcome.afterDecline) {
          ctx.logger.warn('vngates addgold: a transaction first reported not successful is now reported paid; granting it once', {
            transactionId: q.transaction_id,
            userId: q.user_id,
            amount: q.amount,
            declinedReason: outcome.record.declinedReason,
          });
        } else ctx.logger.info('vngates addgold: payment recorded', { transactionId: q.transaction_id, userId: q.user_id, amount: q.amount });
        return answer(answers, 'success', 'success');
      } catch (error) {
        if (error instanceof StoreUnavailableError) {
          ctx.logger.error('vngates addgold could not be recorded (store unavailable); answered "retry later"', { transactionId: q.transaction_id, error: error.message });
          return answer(answers, 'failure', 'temporarily unavailable, retry later', 503);
        }
        // terminal: the same payment can never be stored as received; a retry answer would loop forever
        if (error instanceof UnstorableOrderError) return refuse(`bad field ${error.field}: ${error.problem}`, { peer, transactionId: q.transaction_id });
        ctx.logger.error('vngates addgold could not be recorded', { transactionId: q.transaction_id, error });
        return answer(answers, 'failure', 'internal error, retry later', 500);
      }
    }),
  );
}

/** The ledger alias of a verified /addgold sign, when the sign is checked (`enforce` with a template). */
function signAlias(options: VngatesOptions, query: URLSearchParams): string | undefined {
  const sign = query.get('sign');
  if (options.verifyMode !== 'enforce' || !options.signTemplate || !sign) return undefined;
  return `vngates-sign:${sign.toLowerCase()}`;
}

/**
 * With an empty separator the sign cannot tell where one field ends: ids must keep the documented format
 * (`vngates.idPattern`), so a re-cut request is refused rather than read as a new payment.
 */
function idFormatProblem(q: { transaction_id: string; user_id: string; server_id?: string; char_id?: string }, pattern: string): string | undefined {
  const re = new RegExp(pattern);
  for (const [field, value] of [
    ['transaction_id', q.transaction_id],
    ['user_id', q.user_id],
    ['server_id', q.server_id],
    ['char_id', q.char_id],
  ] as const) {
    if (value !== undefined && !re.test(value)) return `field ${field} does not match vngates.idPattern`;
  }
  return undefined;
}

/** A refusal when the sign does not pass under the configured mode; undefined to go on. */
function checkSign(ctx: BridgeContext, options: VngatesOptions, query: URLSearchParams, fields: Record<string, unknown>): Response | undefined {
  if (options.verifyMode === 'off') return undefined;
  const template = options.signTemplate;
  if (!template) {
    if (options.verifyMode === 'log-only') {
      ctx.logger.warn(`vngates addgold: sign not checked (no signTemplate); accepted on the IP allow-list alone. To verify it: ${HOW_TO_CONFIGURE}`, fields);
      return undefined;
    }
    ctx.logger.error(`vngates addgold refused: the sign cannot be verified because no signTemplate is configured; ${HOW_TO_CONFIGURE}`, { ...fields, option: 'vngates.signTemplate' });
    // 503: the payment is fine, our configuration is not; VNGates should deliver it again later
    return answer(options.answers, 'failure', 'sign cannot be verified yet (server not configured), retry later', 503);
  }
  const received = query.get('sign') ?? '';
  const expected = expectedSign(template, query, { secret: options.secret, appId: options.appId });
  if (received !== '' && signMatches(template, received, expected)) return undefined;
  const reason = received === '' ? 'missing sign' : 'invalid sign';
  if (options.verifyMode === 'log-only') {
    ctx.logger.warn(`vngates addgold: ${reason} (verifyMode log-only: accepted anyway); check vngates.signTemplate`, { ...fields, sign: received });
    return undefined;
  }
  ctx.logger.warn(`vngates addgold refused: ${reason}`, { ...fields, sign: received });
  return withCallbackCode(answer(options.answers, 'failure', reason), 'bad-sign');
}
