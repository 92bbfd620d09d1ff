/**
 * The VNGates userinfo call: access token → user. A form POST of `app_id`, `access_token` and
 * `sign = md5(app_id + access_token)`. It only reads, so a request lost to the network or a 5xx is tried
 * again; an answer with status 0 is final.
 */
import { DEFAULT_MAX_RESPONSE_BYTES, ResponseTooLargeError, insecureUrlProblem, readResponseCapped } from '../../http/outbound.js';
import { md5Hex } from '../../signing.js';
import { VngatesApiError, VngatesTransportError } from './errors.js';
import { userinfoResponseSchema } from './schemas.js';
import type { VngatesUser } from './types.js';
import { backoffDelay } from '../../backoff.js';

export interface VngatesClientOptions {
  appId: string;
  userinfoUrl: string;
  timeoutMs: number;
  retries: number;
  /** Largest answer body read (default 1 MiB); a larger one is an error naming the cap. */
  maxResponseBytes?: number;
  /** Allow plain http:// to a non-loopback host (default false: refused when the client is built). */
  allowInsecureHttp?: boolean;
  /** Delay before the first retry; doubles per retry. */
  retryDelayMs?: number;
  fetch?: typeof fetch;
}

export class VngatesClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly o: VngatesClientOptions) {
    const insecure = insecureUrlProblem(o.userinfoUrl, o.allowInsecureHttp ?? false);
    if (insecure) throw new TypeError(`VngatesClient userinfoUrl: ${insecure}`);
    this.fetch = o.fetch ?? globalThis.fetch;
  }

  /** The signed form the userinfo call sends (exposed for diagnostics; the sign is not a secret). */
  form(accessToken: string): Record<string, string> {
    return { app_id: this.o.appId, access_token: accessToken, sign: md5Hex(this.o.appId + accessToken) };
  }

  async userinfo(accessToken: string): Promise<VngatesUser> {
    if (!accessToken) throw new VngatesApiError('empty access token', 0);
    const delay = this.o.retryDelayMs ?? 200;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(accessToken);
      } catch (err) {
        if (!(err instanceof VngatesTransportError) || !err.transient || attempt >= this.o.retries) throw err;
        await new Promise((r) => setTimeout(r, backoffDelay(attempt + 1, { baseMs: delay })));
      }
    }
  }

  private async once(accessToken: string): Promise<VngatesUser> {
    const signal = AbortSignal.timeout(this.o.timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await this.fetch(this.o.userinfoUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(this.form(accessToken)).toString(),
        signal,
      });
      status = res.status;
      text = await readResponseCapped(res, this.o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
    } catch (err) {
      if (err instanceof ResponseTooLargeError) throw new VngatesTransportError('invalid-response', err.message, false, undefined, { cause: err });
      if (signal.aborted) throw new VngatesTransportError('timeout', `no complete answer within ${this.o.timeoutMs} ms`, true, undefined, { cause: err });
      throw new VngatesTransportError('network', `network error: ${err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err)}`, true, undefined, { cause: err });
    }
    if (status < 200 || status > 299) throw new VngatesTransportError('http', `HTTP ${status}`, status >= 500 || status === 429, status);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      // an HTML error page from a proxy in front of the API usually passes
      throw new VngatesTransportError('invalid-response', 'answer is not JSON', true, status, { cause: err });
    }
    const parsed = userinfoResponseSchema.safeParse(body);
    if (!parsed.success) throw new VngatesTransportError('invalid-response', `unexpected answer: ${parsed.error.issues[0]?.message ?? 'invalid'}`, false, status);
    const r = parsed.data;
    if (r.status !== 1) throw new VngatesApiError(r.msg ?? '', r.status);
    if (!r.data) throw new VngatesTransportError('invalid-response', 'status 1 without data.user_id', false, status);
    return {
      userId: r.data.user_id,
      username: r.data.username ?? '',
      ...(r.access_token !== undefined ? { accessToken: r.access_token } : {}),
      ...(r.access_expires !== undefined ? { accessExpires: r.access_expires } : {}),
      ...(r.refresh_token !== undefined ? { refreshToken: r.refresh_token } : {}),
      ...(r.refresh_expires !== undefined ? { refreshExpires: r.refresh_expires } : {}),
      raw: body as Record<string, unknown>,
    };
  }
}
