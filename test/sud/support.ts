/**
 * What a test needs to talk to the SUD route like SUD does: the document's request example, and headers
 * signed by an independent implementation of the formula (HMAC-SHA1 over appId, timestamp, nonce and the
 * raw body, each followed by a newline, lowercase hex), written here rather than imported from src.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { request } from 'node:http';

export const APP_ID = '1461564080052506636';
export const APP_SECRET = 'sud-test-secret-0123456789';

/** The request example from the SUD document, verbatim apart from the ids a test makes unique. */
export function specExample(notifyId = '144884c98000100c-15da5e428a821000', matchId = 'ce56b6lzi1a7-cf75pcvbs7j1-cxjfg7fzupz0'): Record<string, unknown> {
  return {
    notify_id: notifyId,
    notify_time: '1664266669547',
    app_id: APP_ID,
    notify_event: 'sud.mg.merchant.match.settle',
    data: {
      mg_id: '1557194155570024449',
      room_id: '9010',
      game_mode: 1,
      match_id: matchId,
      battle_start_at: '1664265322',
      battle_end_at: '1664265594',
      battle_duration: '272',
      results: [
        { is_ai: 0, uid: 'fa1c53c4', score: -100, remain_score: 0, commission_score: 0 },
        { is_ai: 0, uid: 'f0818db8', score: -100, remain_score: 0, commission_score: 0 },
      ],
      report_game_info_key: 'key001',
      report_game_info_extras: 'extras',
    },
  };
}

export function sign(secret: string, appId: string, timestamp: string, nonce: string, body: string): string {
  return createHmac('sha1', secret)
    .update(appId + '\n' + timestamp + '\n' + nonce + '\n' + body + '\n', 'utf8')
    .digest('hex');
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export function signed(body: string, o: { secret?: string; appId?: string; timestamp?: string; nonce?: string } = {}): SignedRequest {
  const appId = o.appId ?? APP_ID;
  const timestamp = o.timestamp ?? String(Date.now());
  const nonce = o.nonce ?? randomUUID().replace(/-/g, '').slice(0, 16);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'Sud-AppId': appId,
      'Sud-Timestamp': timestamp,
      'Sud-Nonce': nonce,
      'Sud-Signature': sign(o.secret ?? APP_SECRET, appId, timestamp, nonce, body),
    },
  };
}

export async function post(url: string, req: SignedRequest): Promise<{ status: number; text: string; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

export const SUCCESS_TEXT = '{"ret_code":0,"ret_msg":"SUCCESS"}';

/** POST over node:http, tolerating a reset (the server may close a connection whose body it refused). */
export function rawPost(url: string, req: SignedRequest, declareLength = true): Promise<{ status: number; text: string } | 'reset'> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (declareLength) headers['content-length'] = Buffer.byteLength(req.body);
    const r = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve('reset'));
    });
    r.on('error', () => resolve('reset'));
    // without a declared length the server only learns the size while reading
    r.write(req.body.slice(0, 1000));
    r.end(req.body.slice(1000));
  });
}
