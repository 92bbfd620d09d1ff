/**
 * The text of a thrown value for a log line or an answer: an Error's message, anything else as a string.
 * Whatever was thrown, this never throws itself (a value without a usable toString, an empty message),
 * because it runs in catch blocks and error handlers that must not fail on the way out.
 */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  try {
    return String(err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}
