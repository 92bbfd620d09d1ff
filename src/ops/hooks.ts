/**
 * What the money paths tell the operators' side as they work: one narrow interface, so the ledger and the
 * platforms count for the metrics without knowing prom-client, and cost nothing when metrics are off.
 */
export interface OpsHooks {
  /** An inbound callback was answered (refusals included): the platform's own answer code. */
  callback(platform: string, path: string, code: string | number): void;
  /** An order reached a state (pending, declined, duplicate, granted, given_up, cancelled, retried). */
  order(source: string, state: string): void;
  /** The grant handler ran this long for an order that was then recorded granted. */
  grantDuration(seconds: number): void;
  /** From accept to the player's room. */
  delivery(seconds: number): void;
  /** One GameCenter API attempt: its answer code (0, a platform code, or a transport failure kind). */
  gamecenter(api: string, code: string | number, seconds: number): void;
}

const nothing = () => undefined;

export const NO_OPS: OpsHooks = { callback: nothing, order: nothing, grantDuration: nothing, delivery: nothing, gamecenter: nothing };

const CALLBACK_CODE = Symbol('platform-bridge.callback-code');

/** Labels a route's answer with the code the metrics count it under (for answers whose body is configurable). */
export function withCallbackCode(res: Response, code: string): Response {
  (res as unknown as Record<symbol, string>)[CALLBACK_CODE] = code;
  return res;
}

/** The code an answer was labelled with, else its HTTP status. */
export function callbackCodeOf(res: Response): string {
  return (res as unknown as Record<symbol, string | undefined>)[CALLBACK_CODE] ?? String(res.status);
}

/** Wraps a route handler so each of its answers is counted. */
export function countedHandler<A extends unknown[]>(ops: OpsHooks | undefined, platform: string, path: string, handler: (...args: A) => Promise<Response>) {
  if (!ops) return handler;
  return async (...args: A): Promise<Response> => {
    const res = await handler(...args);
    ops.callback(platform, path, callbackCodeOf(res));
    return res;
  };
}
