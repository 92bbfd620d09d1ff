/**
 * The checks every GameCenter request passes before its API runs, as the document describes them: a form
 * POST, each parameter once, the app id, a millisecond timestamp, a positive 31-bit nonce different from the
 * previous one, and `signature = sha256(sorted k=v&… + secret)`. The rule is written out again here rather
 * than imported from the client, so the double catches a client that gets it wrong.
 */
import { createHash } from 'node:crypto';

const MAX_NONCE = 2 ** 31 - 1;

export interface EnvelopeCheck {
  /** The form-decoded parameters (as far as they could be read). */
  params: Record<string, string>;
  /** Why the request is refused; undefined when it passes. */
  refused?: string;
}

export function checkEnvelope(method: string, contentType: string, rawBody: string, appId: string, secret: string, lastNonce: Map<string, string>): EnvelopeCheck {
  const params: Record<string, string> = {};
  if (method !== 'POST') return { params, refused: 'method must be POST' };
  if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/x-www-form-urlencoded') {
    return { params, refused: 'content type must be application/x-www-form-urlencoded' };
  }
  for (const [k, v] of new URLSearchParams(rawBody)) {
    if (k in params) return { params, refused: `parameter ${k} repeated` };
    params[k] = v;
  }
  if (params.appId !== appId) return { params, refused: 'unknown appId' };
  if (!/^\d+$/.test(params.timestamp ?? '') || Number(params.timestamp) < 1e12) return { params, refused: 'timestamp must be milliseconds' };
  const nonce = params.nonce ?? '';
  if (!/^\d+$/.test(nonce) || Number(nonce) < 1 || Number(nonce) > MAX_NONCE) return { params, refused: 'nonce must be a positive 31-bit int' };
  const canonical = Object.keys(params)
    .filter((k) => k !== 'signature' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const expected = createHash('sha256')
    .update(canonical + secret, 'utf8')
    .digest('hex');
  if (params.signature !== expected) return { params, refused: 'invalid signature' };
  if (lastNonce.get(params.appId) === nonce) return { params, refused: 'nonce equals the previous request' };
  lastNonce.set(params.appId, nonce);
  return { params };
}
