/**
 * VNGates requests as the platform would send them, built with node:crypto here (not with the package's
 * signing code): the document's /addgold example and a sign over a template of its fields.
 */
import { createHash } from 'node:crypto';

export const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

export const SECRET = 'vngates-game-secret';
export const APP_ID = '39faa2b8dc7023c0705307371537a023';

/** The field order the tests configure as `signTemplate` (the note's first guess), secret last. */
export const TEMPLATE_FIELDS = ['transaction_id', 'user_id', 'char_id', 'server_id', 'product_id', 'amount', 'response_time', '{secret}'];

/** The /addgold example of the document, with the values as a query string carries them. */
export function addgoldExample(over: Record<string, string> = {}): Record<string, string> {
  return {
    transaction_id: '45179546928220',
    amount: '1000.00',
    user_id: '229',
    product_id: 'com.team.demo.goivang1',
    char_id: '43',
    response_time: '1665067951903',
    server_id: '1',
    status: '1',
    ...over,
  };
}

/** md5 of the template's values in order, the secret in place of '{secret}'. */
export function templateSign(fields: Record<string, string>, secret = SECRET): string {
  return md5(TEMPLATE_FIELDS.map((f) => (f === '{secret}' ? secret : (fields[f] ?? ''))).join(''));
}

/** `sign`: default the template's sign of `fields`; null sends none. */
export function addgoldUrl(base: string, fields: Record<string, string>, sign: string | null = templateSign(fields)): string {
  const q = new URLSearchParams(fields);
  if (sign !== null) q.set('sign', sign);
  return `${base}/addgold?${q.toString()}`;
}

export async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}
