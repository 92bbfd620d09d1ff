/**
 * One recharge order, from parsed JSON to the platform's answer: validate, verify the sign, check the
 * zone and freshness, record it in the ledger. The HTTP route and the socket share it, so the same order
 * gets the same answer and the same ledger key on either path. Success is only answered once the ledger
 * has the order; every refusal is logged once with its reason, the order's ids and the peer.
 */
import type { Clock } from '../../context.js';
import type { Ledger } from '../../ledger/Ledger.js';
import type { AcceptOutcome } from '../../ledger/types.js';
import { TERMINAL_STATES } from '../../ledger/types.js';
import type { Logger, LogFields } from '../../logger.js';
import { StoreUnavailableError } from '../../store/Store.js';
import { UnstorableOrderError } from '../../ledger/storable.js';
import { createZoneFilter, skewSeconds } from './checks.js';
import { RECHARGE_CODE, type RechargeAnswer } from './codes.js';
import { fieldText, type SourcedObject } from '../../json/sourcedObject.js';
import type { RechargeOptions } from './options.js';
import { RECHARGE_SIGNED, checkPayload, rechargePayloadSchema, signedText } from './schemas.js';
import { verifyRechargeSign, type RechargeSignedFields } from './sign.js';
import { rechargeSignAlias, toPaidOrder } from './toOrder.js';
import { rechargeFormatProblem } from './formats.js';
import type { RechargeOrderCheck, VerifyRechargeOrder } from './types.js';
import type { PaidOrder } from '../../ledger/types.js';

/** The platform's name of each ledger field an order is stored under (toOrder.ts), for refusals. */
const PLATFORM_FIELD: Record<string, string> = { userId: 'UserID', zoneId: 'ZoneID', roleId: 'RoleID', currency: 'currencyType', productId: 'ItemId/propId' };

export type RechargePath = 'http' | 'socket';

export interface RechargeIntakeDeps {
  options: RechargeOptions;
  ledger: Ledger;
  logger: Logger;
  clock: Clock;
}

/** Ids worth a log line; values are cut short so a hostile payload cannot flood the log. */
const LOGGED_IDS = ['cporder_no', 'order_no', 'Id', 'UserID', 'ZoneID', 'Amount'] as const;
const MAX_LOGGED_CHARS = 80;

export function orderIdsForLog(obj: SourcedObject | undefined): LogFields {
  const out: LogFields = {};
  if (!obj) return out;
  for (const field of LOGGED_IDS) {
    const t = fieldText(obj, field);
    if (t !== undefined) out[field] = t.length > MAX_LOGGED_CHARS ? `${t.slice(0, MAX_LOGGED_CHARS)}…` : t;
  }
  return out;
}

export class RechargeIntake {
  private readonly zoneServed: (zone: string) => boolean;
  private readonly idPattern: RegExp;
  /** What a duplicate is answered, for its journal entry. */
  private readonly duplicateAnswers: { settled: { code: number }; inProgress: { code: number } };

  constructor(private readonly deps: RechargeIntakeDeps) {
    this.zoneServed = createZoneFilter(deps.options.zones);
    this.idPattern = new RegExp(deps.options.idPattern);
    const configured = deps.options.duplicateCode;
    this.duplicateAnswers = {
      settled: { code: configured !== 'auto' ? configured : RECHARGE_CODE.duplicate },
      inProgress: { code: configured !== 'auto' ? configured : RECHARGE_CODE.duplicatePending },
    };
  }

  /** Logs a refusal that happened before the payload could be read (IP, size, JSON) or after. */
  refuse(path: RechargePath, peer: string | undefined, answer: RechargeAnswer, obj?: SourcedObject, extra: LogFields = {}): RechargeAnswer {
    this.deps.logger.warn(`recharge refused: ${answer.msg}`, { path, code: answer.code, peer, ...orderIdsForLog(obj), ...extra });
    return answer;
  }

  /** Runs the game's `verifyOrder`; a refusal answer, or undefined to record the order. */
  private async verify(order: PaidOrder, path: RechargePath, peer: string | undefined, obj: SourcedObject): Promise<RechargeAnswer | undefined> {
    const check: RechargeOrderCheck = {
      orderId: order.orderId,
      userId: order.userId,
      zoneId: order.zoneId!,
      amount: order.amount,
      unsigned: order.unsigned ?? {},
      path,
      raw: order.raw,
    };
    let verdict: Awaited<ReturnType<VerifyRechargeOrder>>;
    try {
      verdict = await this.deps.options.verifyOrder!(check);
    } catch (error) {
      this.deps.logger.error('recharge verifyOrder threw; answered "retry later", nothing recorded', { path, peer, ...orderIdsForLog(obj), error });
      return { code: RECHARGE_CODE.internal, msg: 'internal error, retry later' };
    }
    const reason = verdict === true ? undefined : verdict === false ? 'order check failed' : typeof verdict === 'string' ? verdict : verdict.ok ? undefined : (verdict.reason ?? 'order check failed');
    if (reason === undefined) return undefined;
    return this.refuse(path, peer, { code: RECHARGE_CODE.refused, msg: 'refused by the game' }, obj, { reason: reason.slice(0, 200) });
  }

  async handle(obj: SourcedObject, path: RechargePath, peer: string | undefined): Promise<RechargeAnswer> {
    const { options, ledger, logger, clock } = this.deps;
    const checked = checkPayload(rechargePayloadSchema, obj);
    if (!checked.ok) {
      return this.refuse(path, peer, { code: RECHARGE_CODE.malformed, msg: `bad field ${checked.field}: ${checked.reason}` }, obj);
    }
    if (!fieldText(obj, options.dedupeField)) {
      const msg = `bad field ${options.dedupeField}: expected the order number (it identifies the order)`;
      return this.refuse(path, peer, { code: RECHARGE_CODE.malformed, msg }, obj);
    }
    const signed: RechargeSignedFields = signedText(obj, RECHARGE_SIGNED);
    if (!verifyRechargeSign(checked.payload.Sign, signed, options.key, path)) {
      return this.refuse(path, peer, { code: RECHARGE_CODE.badSign, msg: 'bad sign' }, obj, { signFormula: path });
    }
    const format = rechargeFormatProblem(signed, this.idPattern, options.timeUnit);
    if (format) {
      return this.refuse(path, peer, { code: RECHARGE_CODE.malformed, msg: `bad field ${format.field}: ${format.reason}` }, obj);
    }
    if (!this.zoneServed(signed.ZoneID)) {
      return this.refuse(path, peer, { code: RECHARGE_CODE.refused, msg: `zone ${signed.ZoneID} is not served here` }, obj, {
        zones: options.zones,
      });
    }
    if (options.maxClockSkewSec > 0) {
      const skew = skewSeconds(signed.Time, clock.now(), options.timeUnit);
      if (skew > options.maxClockSkewSec) {
        const msg = `Time is ${skew} s away from server time (limit ${options.maxClockSkewSec} s)`;
        return this.refuse(path, peer, { code: RECHARGE_CODE.stale, msg }, obj);
      }
    }

    const order = toPaidOrder(obj, path === 'http' ? 'recharge-http' : 'recharge-socket', options.dedupeField);
    if (options.verifyOrder) {
      const refusal = await this.verify(order, path, peer, obj);
      if (refusal) return refusal;
    }
    let outcome: AcceptOutcome;
    try {
      const cp = fieldText(obj, 'cporder_no');
      // the sign is a second identity: a re-cut of the same signed text under other order numbers is this order
      const alias = rechargeSignAlias(checked.payload.Sign);
      outcome = await ledger.accept(order, { peer, alias, ids: cp ? { cporder_no: cp } : undefined, duplicateAnswer: this.duplicateAnswers });
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        return this.refuse(path, peer, { code: RECHARGE_CODE.unavailable, msg: 'store unavailable, retry later' }, obj, { error: error.message });
      }
      // terminal: the same order can never be stored, so a retry code would make the platform resend it forever
      if (error instanceof UnstorableOrderError) {
        const field = error.field === 'orderId' || error.field === 'dedupeKey' ? options.dedupeField : (PLATFORM_FIELD[error.field] ?? error.field);
        return this.refuse(path, peer, { code: RECHARGE_CODE.malformed, msg: `bad field ${field}: ${error.problem}` }, obj);
      }
      logger.error('recharge order could not be recorded', { path, peer, ...orderIdsForLog(obj), error });
      return { code: RECHARGE_CODE.internal, msg: 'internal error, retry later' };
    }
    if (outcome.status === 'duplicate' && outcome.dedupeKey !== order.dedupeKey) {
      logger.warn('recharge order refused: its sign belongs to another order (the same signed text with its fields re-cut: a replay)', {
        path,
        peer,
        ...orderIdsForLog(obj),
        original: outcome.dedupeKey,
      });
    }
    if (outcome.status === 'accepted') {
      logger.info('recharge order accepted', { path, peer, ...orderIdsForLog(obj) });
      return { code: RECHARGE_CODE.ok, msg: 'succeed' };
    }
    // 'unknown' (known key, unreadable record) is answered like a settled order: it is recorded either way
    const settled = outcome.state === 'unknown' || (TERMINAL_STATES as readonly string[]).includes(outcome.state);
    const configured = options.duplicateCode;
    const code = configured !== 'auto' ? configured : settled ? RECHARGE_CODE.duplicate : RECHARGE_CODE.duplicatePending;
    logger.info('recharge order is a duplicate', { path, peer, code, state: outcome.state, ...(outcome.recordExpired ? { recordExpired: true } : {}), ...orderIdsForLog(obj) });
    return { code, msg: settled ? 'duplicate order' : 'duplicate order, grant in progress' };
  }
}
