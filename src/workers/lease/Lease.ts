import { backoffDelay } from './backoff.js';
import type { LeaseQueue } from './queue.js';
import type { FailOutcome, LeaseClaim } from './scripts.js';

/**
 * One claimed member while this process works on it. Every step it takes carries the fence of its claim,
 * so once another process has taken the member over, nothing this holder does changes it any more.
 */
export class Lease {
  /** Aborted when the lease is lost to another process or the bridge closes. */
  readonly abort = new AbortController();

  constructor(
    private readonly q: LeaseQueue,
    readonly claim: LeaseClaim,
  ) {}

  get id(): string {
    return this.claim.id;
  }

  /** The fence counts hand-overs: a takeover after a crash is attempt 2 even though nothing was recorded. */
  get attempt(): number {
    return this.claim.fence;
  }

  /** The member's hash key. */
  get key(): string {
    return this.q.keys.prefix + this.claim.id;
  }

  /**
   * Renews the lease every third of `leaseMs` until the returned function is called. When a renewal finds
   * the lease gone, aborts with `lost()`; a renewal the store does not answer is left to the next one.
   */
  keep(lost: () => Error): () => void {
    const { store, clock, keys, scripts, options } = this.q;
    const renew = setInterval(() => {
      store
        .run(scripts.renew, [this.key, keys.due], [clock.now(), this.claim.fence, this.claim.id, options.leaseMs])
        .then((held) => {
          if (!held) this.abort.abort(lost());
        })
        .catch(() => undefined);
    }, Math.max(50, Math.floor(options.leaseMs / 3)));
    renew.unref();
    return () => clearInterval(renew);
  }

  /**
   * Records a failed attempt: due again after a backoff, or given up after `maxAttempts`. Returns when
   * it is due again, for the log line.
   */
  async fail(error: string): Promise<{ outcome: FailOutcome; retryAt: number }> {
    const { store, clock, keys, scripts, options } = this.q;
    const retryAt = clock.now() + backoffDelay(this.attempt, options.backoffBaseMs, options.backoffMaxMs);
    const outcome = await store.run(
      scripts.fail,
      [this.key, keys.due, keys.gaveUp],
      [clock.now(), this.claim.fence, this.claim.id, error.slice(0, 1000), retryAt, options.maxAttempts],
    );
    return { outcome, retryAt };
  }
}
