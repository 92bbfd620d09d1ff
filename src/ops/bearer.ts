/**
 * Checking a bearer token without leaking it: both sides are hashed first so the comparison takes the
 * same time whatever the length or the first differing byte, and the token is never part of a log line.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function bearerCheck(expected: string): (headers: Headers) => boolean {
  const want = createHash('sha256').update(expected).digest();
  return (headers) => {
    const auth = headers.get('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    const got = createHash('sha256')
      .update(m ? m[1]! : '')
      .digest();
    return timingSafeEqual(want, got) && m !== null;
  };
}
