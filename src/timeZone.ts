/**
 * The one check of a configured time zone (serverstate's wall clock, GameCenter's rank day, the admin
 * export's day): whatever the runtime's ICU data knows as a zone, an IANA name (`Asia/Shanghai`, any case,
 * links such as `Asia/Calcutta`), `UTC`, or a fixed offset (`+08:00`). Everything that formats in a zone
 * uses Intl.DateTimeFormat, so the check is exactly "Intl accepts it": a name that passes here never
 * throws later, and one that fails would have thrown at the first use.
 */
// boolean, not `name is string`: a string that fails is still a string, and the predicate would narrow it to never
export function isTimeZone(name: unknown): boolean {
  if (typeof name !== 'string' || name === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
