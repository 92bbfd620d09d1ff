/**
 * Rules shared by the bridge's outbound API clients (GameCenter, VNGates userinfo). Their answers decide
 * grants and logins, so they must not travel in clear text across a network, and a misbehaving or
 * hostile server must not make the process buffer an unbounded answer.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { normalizeIp } from '../net/ipAddress.js';

export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Options every outbound client takes (spread into its schema). */
export const outboundOptionShape = {
  allowInsecureHttp: z
    .boolean()
    .default(false)
    .describe('Allow a plain http:// URL to a non-loopback host (answers and tokens then travel unencrypted). Off: only https://, or http:// to localhost / 127.0.0.0/8 / ::1.'),
  maxResponseBytes: z.number().int().positive().default(DEFAULT_MAX_RESPONSE_BYTES).describe('Largest answer body read from the API; a larger one is an error that names this cap.'),
};

/** Whether a URL host is the local machine (where plain http is no exposure). */
export function isLoopbackHost(hostname: string): boolean {
  const host = normalizeIp(hostname).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** Why `url` may not be used with these options, or undefined when it may. */
export function insecureUrlProblem(url: string, allowInsecureHttp: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a URL`;
  }
  if (parsed.protocol !== 'http:' || allowInsecureHttp || isLoopbackHost(parsed.hostname)) return undefined;
  return `${url} uses plain http to a non-loopback host; use https, or set allowInsecureHttp: true if the network path is private`;
}

/** The answer was larger than the client's cap: not read further. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`answer larger than maxResponseBytes (${limit} bytes)`);
    this.name = 'ResponseTooLargeError';
  }
}

/** Reads a response body as UTF-8 text, at most `limit` bytes; past it the stream is cancelled. */
export async function readResponseCapped(res: Response, limit: number): Promise<string> {
  const declared = res.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(limit);
  }
  if (!res.body) return '';
  // fetch's body stream is untyped (ReadableStream<any>); it yields bytes
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}
