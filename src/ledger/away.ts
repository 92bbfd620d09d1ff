/**
 * What a grant sink throws when its player cannot be reached right now but is expected back, e.g. inside
 * Colyseus's reconnection window. The grant stays in the inbox and is delivered when they return: a normal
 * state, so it is logged at debug level, not as a failure that trips alerting.
 */
export class PlayerAwayError extends Error {
  override readonly name = 'PlayerAwayError';
}
