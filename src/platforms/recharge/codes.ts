/**
 * Result codes and answer shapes. The document fixes 1 (success), -4 (bad sign) and -1/-5 (duplicate
 * order) and says any other number is a failure the platform retries with the same order; the other
 * negatives below are ours, one per cause, so a platform operator can tell causes apart from their logs.
 */
import type { SourcedObject } from '../../json/sourcedObject.js';
import { echoValue } from '../../json/sourcedObject.js';

export const RECHARGE_CODE = {
  /** Recorded in the ledger; only ever answered after the ledger resolved "accepted". */
  ok: 1,
  /** Known order, settled (granted, cancelled, declined, given up): stop sending. */
  duplicate: -1,
  /** Malformed: not JSON, missing or mistyped field, oversized. */
  malformed: -2,
  /** Not served here: zone not in `zones`, or the caller's IP is not allowed. */
  refused: -3,
  badSign: -4,
  /** Known order whose grant is still pending or running: stop sending. */
  duplicatePending: -5,
  /** The ledger's store is unreachable or the server is shutting down: retry later. */
  unavailable: -6,
  internal: -7,
  /** The signed Time is outside `maxClockSkewSec`. */
  stale: -8,
} as const;

export type RechargeCode = (typeof RECHARGE_CODE)[keyof typeof RECHARGE_CODE];

/** A recharge answer before it is put in its wire shape. `msg` is short English, never payload text. */
export interface RechargeAnswer {
  code: RechargeCode;
  msg: string;
}

/** The order has been recorded (now or before): the platform may stop resending. */
export function isRecorded(code: RechargeCode): boolean {
  return code === RECHARGE_CODE.ok || code === RECHARGE_CODE.duplicate || code === RECHARGE_CODE.duplicatePending;
}

/**
 * The HTTP answer of document section 1.4: `{"result":true,"msg":"{\"msg\":\"succeed\",\"ret\":1}"}`,
 * `msg` being a JSON string. `result` is true whenever the order is recorded (success and both duplicate
 * codes), so a platform that reads only `result` stops resending; `ret` carries the exact code.
 */
export function httpAnswerBody(answer: RechargeAnswer): string {
  return JSON.stringify({ result: isRecorded(answer.code), msg: JSON.stringify({ msg: answer.msg, ret: answer.code }) });
}

/**
 * The socket answer. The document only says "id:处理结果" (the row id and the result), so the reply is a
 * JSON object that leads with the request's `Id` (as received) and the code, then the two order numbers
 * so either side's logs can match it:
 * `{"Id":"2134689","ret":1,"msg":"succeed","cporder_no":"…","order_no":"…"}`.
 * Fields the request did not carry (or a request that could not be parsed) are left out.
 */
export function socketAnswer(answer: RechargeAnswer, request?: SourcedObject): Record<string, unknown> {
  const reply: Record<string, unknown> = {};
  if (request && request.value.Id !== undefined) reply.Id = echoValue(request, 'Id');
  reply.ret = answer.code;
  reply.msg = answer.msg;
  for (const field of ['cporder_no', 'order_no'] as const) {
    if (request && request.value[field] !== undefined) reply[field] = echoValue(request, field);
  }
  return reply;
}

/**
 * Gift-code answer codes, sent as strings as in the document's example (`"code":"1"`). The failures
 * mirror the recharge codes where the cause is the same.
 */
export const GIFT_CODE = {
  ok: '1',
  /** The game's handler refused the code without giving its own code. */
  refused: '0',
  malformed: '-2',
  /** Gift codes disabled (no giftKey) or zone not served. */
  notServed: '-3',
  badSign: '-4',
  /** This user already redeemed this code (successfully). */
  duplicate: '-5',
  unavailable: '-6',
  /** The handler threw (its claim was released: a retry runs it again). */
  internal: '-7',
  stale: '-8',
  /** The same redemption is being handled right now (another connection or process): retry later. */
  inProgress: '-9',
} as const;

export const GIFT_SUCCESS_DESC = '成功';
