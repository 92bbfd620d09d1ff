/**
 * SUD's reply shape, `{"ret_code":0,"ret_msg":"SUCCESS"}`. SUD documents only 0; any other value counts as a
 * failure and makes it deliver again. The non-zero codes below are ours: they let an operator reading SUD's
 * delivery log (or ours) tell a wrong secret from a Redis outage without guessing.
 */
export const SUD_RET = {
  success: 0,
  /** Sud-Signature missing or not matching the app secret. */
  badSignature: 1001,
  /** Sud-AppId (or the body's app_id) is not the configured appId. */
  wrongAppId: 1002,
  /** Sud-Timestamp outside `maxSkewSec`, or older than the dedupe retention (a replay). */
  staleTimestamp: 1003,
  /** The body is not a JSON object. */
  malformed: 1004,
  /** A required field is missing or has the wrong type. */
  missingFields: 1005,
  /** The body is larger than the configured limit. */
  tooLarge: 1006,
  /** The caller's address is not in the allow-list. */
  refused: 1007,
  /** Nothing was recorded for a reason unrelated to the request (Redis down, shutting down): deliver again. */
  unavailable: 5001,
  internal: 5000,
} as const;

export type SudRetCode = (typeof SUD_RET)[keyof typeof SUD_RET];

export interface SudAnswer {
  ret_code: number;
  ret_msg: string;
}

export const SUD_SUCCESS: SudAnswer = { ret_code: SUD_RET.success, ret_msg: 'SUCCESS' };

/** HTTP status of an answer: the body says what happened, the status says whether retrying can help. */
export function httpStatusOf(code: number): number {
  switch (code) {
    case SUD_RET.success:
      return 200;
    case SUD_RET.badSignature:
      return 401;
    case SUD_RET.wrongAppId:
    case SUD_RET.refused:
      return 403;
    case SUD_RET.tooLarge:
      return 413;
    case SUD_RET.unavailable:
      return 503;
    case SUD_RET.internal:
      return 500;
    default:
      return 400;
  }
}
