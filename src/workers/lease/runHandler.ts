/**
 * Runs a game handler under a lease and a deadline. The attempt ends at whichever comes first: the handler
 * settles, the lease is lost, or the deadline passes. In the last two cases the handler's signal is aborted
 * and the attempt is over for the queue even if the handler does not stop (its slot is freed; the lease
 * records when it really settles, so this process never starts the member again while it still runs).
 */
import type { Lease } from './Lease.js';

export type HandlerRun<T> =
  | { kind: 'done'; value: T }
  | { kind: 'failed'; error: unknown }
  /** Ran past `timeoutMs`: a failed attempt (retried with backoff). */
  | { kind: 'timed-out'; error: HandlerTimeoutError }
  /** The lease was lost meanwhile: nothing may be recorded. */
  | { kind: 'lost' };

/** The reason a handler's signal carries when its deadline passed; also the attempt's recorded error. */
export class HandlerTimeoutError extends Error {
  override name = 'HandlerTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`handler did not finish within ${timeoutMs} ms (handlerTimeoutMs)`);
  }
}

/** Runs `fn` while keeping `lease`; see the file comment for how an attempt ends. */
export async function runHandler<T>(lease: Lease, timeoutMs: number, fn: () => Promise<T> | T): Promise<HandlerRun<T>> {
  const release = lease.keep();
  const signal = lease.abort.signal;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    const handler = Promise.resolve().then(fn);
    lease.handlerSettled = handler.then(
      () => undefined,
      () => undefined,
    );
    const stopped = new Promise<HandlerRun<T>>((resolve) => {
      onAbort = () => resolve(lease.lost ? { kind: 'lost' } : { kind: 'failed', error: signal.reason });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        const error = new HandlerTimeoutError(timeoutMs);
        lease.emit({ type: 'timed-out' });
        resolve({ kind: 'timed-out', error });
        if (!signal.aborted) lease.abort.abort(error);
      }, timeoutMs);
      timer.unref();
    });
    const settled = handler.then(
      (value): HandlerRun<T> => ({ kind: 'done', value }),
      (error: unknown): HandlerRun<T> => ({ kind: 'failed', error: error ?? new Error('handler failed') }),
    );
    const run = await Promise.race([settled, stopped]);
    // a handler that finished in the same turn its lease was lost still recorded nothing
    return lease.lost ? { kind: 'lost' } : run;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
    release();
  }
}
