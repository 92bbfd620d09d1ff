/**
 * One HTTP attempt against the GameCenter server API: POST a signed form, read the JSON envelope. Every way
 * this can fail without a usable `code` becomes a {@link GameCenterTransportError} that says whether the
 * request may have reached the server, which the client's retry policy and money callers depend on.
 */
import { DEFAULT_MAX_RESPONSE_BYTES, ResponseTooLargeError, readResponseCapped } from '../../http/outbound.js';
import { GameCenterTransportError } from './errors.js';
import { parseBigSafe } from '../../json/exactNumbers.js';
import { envelopeSchema } from './schemas.js';
import type { GameCenterEnvelope } from './schemas.js';

export interface TransportConfig {
  baseUrl: string;
  timeoutMs: number;
  fetch: typeof fetch;
  /** Largest answer body read; a larger one fails the call (default 1 MiB). */
  maxResponseBytes?: number;
}

/*
 * Errors raised while connecting, before a byte of the request is written. Only these prove that the server
 * never saw the request; a reset or a timeout after connecting proves nothing either way.
 */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

export async function postForm(config: TransportConfig, api: string, form: Record<string, string>): Promise<GameCenterEnvelope> {
  const signal = AbortSignal.timeout(config.timeoutMs);
  let status = 0;
  let body: string;
  try {
    const res = await config.fetch(`${config.baseUrl}/gameserver/${api}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal,
    });
    status = res.status;
    // The body read is bounded by the same signal: a server that sends headers and then stalls is a timeout too.
    body = await readResponseCapped(res, config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
  } catch (e) {
    if (e instanceof ResponseTooLargeError) {
      throw new GameCenterTransportError(api, 'invalid-response', e.message, { reachedServer: true, transient: false, status, cause: e });
    }
    throw classifyFetchFailure(api, e, signal.aborted, config.timeoutMs);
  }

  if (status < 200 || status > 299) {
    throw new GameCenterTransportError(api, 'http', `HTTP ${status}`, {
      reachedServer: true,
      transient: status >= 500 || status === 408 || status === 429,
      status,
    });
  }
  let json: unknown;
  try {
    json = parseBigSafe(body);
  } catch (e) {
    // An HTML page from a proxy or load balancer in front of the API: usually passes.
    throw new GameCenterTransportError(api, 'invalid-response', 'response body is not JSON', {
      reachedServer: true,
      transient: true,
      status,
      cause: e,
    });
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    throw new GameCenterTransportError(api, 'invalid-response', 'response is not a {code, msg, data} envelope', {
      reachedServer: true,
      transient: false,
      status,
      cause: envelope.error,
    });
  }
  return envelope.data;
}

function classifyFetchFailure(api: string, e: unknown, timedOut: boolean, timeoutMs: number): GameCenterTransportError {
  if (timedOut) {
    return new GameCenterTransportError(api, 'timeout', `no complete answer within ${timeoutMs} ms`, {
      reachedServer: 'unknown',
      transient: true,
      cause: e,
    });
  }
  const codes = systemErrorCodes(e);
  const neverSent = codes.length > 0 && codes.every((c) => NEVER_SENT.has(c));
  return new GameCenterTransportError(api, 'network', codes.length ? `network error ${codes.join('/')}` : 'network error', {
    reachedServer: neverSent ? false : 'unknown',
    transient: true,
    errno: codes[0],
    cause: e,
  });
}

/** Node error codes anywhere in the cause chain (fetch wraps them; dual-stack connects aggregate them). */
function systemErrorCodes(e: unknown, depth = 0): string[] {
  if (typeof e !== 'object' || e === null || depth > 5) return [];
  const out: string[] = [];
  const o = e as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof o.code === 'string') out.push(o.code);
  if (Array.isArray(o.errors)) for (const inner of o.errors) out.push(...systemErrorCodes(inner, depth + 1));
  out.push(...systemErrorCodes(o.cause, depth + 1));
  return out;
}
