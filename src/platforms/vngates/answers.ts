/**
 * /addgold answer bodies: configurable JSON objects whose string values may hold `{msg}`, replaced by the
 * reason. Built once per answer kind and reason; the HTTP status says whether a retry can help.
 */
import type { VngatesOptions } from './options.js';
import { withCallbackCode } from '../../ops/hooks.js';

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export type AnswerKind = 'success' | 'duplicate' | 'failure';

export function fillMsg(value: unknown, msg: string): unknown {
  if (typeof value === 'string') return value.split('{msg}').join(msg);
  if (Array.isArray(value)) return value.map((v) => fillMsg(v, msg));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillMsg(v, msg)]));
  return value;
}

export function answer(answers: VngatesOptions['answers'], kind: AnswerKind, msg: string, status = 200): Response {
  return withCallbackCode(new Response(JSON.stringify(fillMsg(answers[kind], msg)), { status, headers: HEADERS }), status === 200 ? kind : `${kind}-${status}`);
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: HEADERS });
}
