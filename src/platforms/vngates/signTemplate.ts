/**
 * The configurable /addgold sign check. VNGates's document does not say what `sign` covers (its field
 * description is copied from another row), so the formula is a template: parts in order, joined, hashed.
 * Values are the query values as received (after URL decoding), so `amount` is signed as `1000.00` if
 * that is what was sent, never as a re-formatted number.
 */
import { hashHex, safeEqual } from '../../signing.js';
import { APP_ID_TOKEN, SECRET_TOKEN, type SignTemplate } from './options.js';

export function signText(template: SignTemplate, query: URLSearchParams, keys: { secret?: string; appId: string }): string {
  return template.fields.map((part) => (part === SECRET_TOKEN ? (keys.secret ?? '') : part === APP_ID_TOKEN ? keys.appId : (query.get(part) ?? ''))).join(template.separator);
}

export function expectedSign(template: SignTemplate, query: URLSearchParams, keys: { secret?: string; appId: string }): string {
  return hashHex(template.hash, signText(template, query, keys));
}

export function signMatches(template: SignTemplate, received: string, expected: string): boolean {
  if (template.case === 'insensitive') return safeEqual(received, expected, true);
  return safeEqual(received, template.case === 'upper' ? expected.toUpperCase() : expected);
}
