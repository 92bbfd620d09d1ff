import { performance } from 'node:perf_hooks';
import type { Logger } from '../../logger.js';
import { backoffDelay } from '../../backoff.js';
import type { LeaseQueue } from './queue.js';
import type { FailOutcome, LeaseClaim } from './scripts.js';
import { errorText } from '../../errorText.js';

/** Why a holder stopped holding: its renewals stayed unanswered too long, or another process holds it now. */
export type LeaseLossReason = 'expired' | 'taken';

/** What a lease tells the outside about itself (the journal of ledger transitions hooks in here). */
export interface LeaseEvent {
  /** The queue's log name: 'grant worker', 'sud worker'. */
  queue: string;
  id: string;
  attempt: number;
  /** This process's owner id. */
  owner: string;
  /**
   * `lost`: this holder stopped (reason says why); `taken-over`: this process claimed a member whose
   * previous holder's lease had ended; `timed-out`: the handler ran past its deadline.
   */
  type: 'lost' | 'taken-over' | 'timed-out';
  reason?: LeaseLossReason;
}

export type LeaseEventListener = (event: LeaseEvent) => void;

/** Where a lease reports to: its queue, the process's owner id, its log. */
export interface LeaseHost extends LeaseQueue {
  name: string;
  /** How log lines name a member: 'order', 'job'. */
  label: string;
  owner: string;
  logger: Logger;
  onLeaseEvent?: LeaseEventListener;
}

/** The reason `signal` carries when the lease was lost. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(readonly reason: LeaseLossReason) {
    super(reason === 'taken' ? 'lease lost to another process' : 'lease ended: its renewals were not confirmed in time');
  }
}

/**
 * The safety margin of a lease: a holder stops this long before its lease could end in the store, so a
 * handler that honours its signal has stopped before another process may take the member over.
 */
export function leaseMarginMs(leaseMs: number): number {
  return Math.max(50, Math.floor(leaseMs / 5));
}

/**
 * One claimed member while this process works on it. Every step it takes carries the fence of its claim,
 * so once another process has taken the member over, nothing this holder does changes it any more.
 *
 * The holder also stops by itself: the store ends a lease `leaseMs` after the renewal that set it, on the
 * store's clock; this process counts from when it sent that renewal, on its own monotonic clock, which
 * can only be earlier. Once its last confirmed renewal is older than `leaseMs - margin`, it aborts its
 * signal and records nothing, before anyone else may claim the member.
 */
export class Lease {
  /** Aborted when the lease is lost, the handler's deadline passes, or the bridge closes. */
  readonly abort = new AbortController();
  private lossReason?: LeaseLossReason;
  /** Monotonic time after which this holder no longer counts on holding the lease. */
  private heldUntil: number;
  private lastConfirmed: number;
  private keeping = 0;
  private renewTimer?: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;
  /** Settles when the handler of this lease has really returned (it may outlive the attempt). */
  handlerSettled?: Promise<void>;

  constructor(
    private readonly host: LeaseHost,
    public claim: LeaseClaim,
  ) {
    this.lastConfirmed = claim.since ?? performance.now();
    this.heldUntil = this.lastConfirmed + host.options.leaseMs - leaseMarginMs(host.options.leaseMs);
  }

  get id(): string {
    return this.claim.id;
  }

  /** The fence counts hand-overs: a takeover after a crash is attempt 2 even though nothing was recorded. */
  get attempt(): number {
    return this.claim.fence;
  }

  /** The member's hash key. */
  get key(): string {
    return this.host.keys.prefix + this.claim.id;
  }

  /** Set once this holder lost the lease: it must record no outcome. */
  get lost(): LeaseLossReason | undefined {
    return this.lossReason;
  }

  /**
   * This process claimed the member again while still holding it (its lease had ended in the store, say
   * after a stall): the running attempt goes on under the new fence instead of a second run.
   */
  reclaimed(claim: LeaseClaim): void {
    this.claim = { ...this.claim, fence: claim.fence };
    this.confirmed(claim.since ?? performance.now());
  }

  /**
   * Renews the lease every third of `leaseMs` until the returned function is called, and stops the holder
   * (aborts `signal`, logs at warn) when a renewal finds the lease gone or when no renewal was confirmed
   * for `leaseMs - margin`. Calls nest: the lease is kept until every returned function was called.
   */
  keep(): () => void {
    this.keeping++;
    if (this.keeping === 1 && !this.lossReason) {
      const { leaseMs } = this.host.options;
      this.renewTimer = setInterval(() => this.renew(), Math.max(20, Math.floor(leaseMs / 3)));
      this.renewTimer.unref();
      this.armDeadline();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.keeping === 0) this.stopTimers();
    };
  }

  private renew(): void {
    const { store, clock, keys, scripts, options } = this.host;
    const sentAt = performance.now();
    const fence = this.claim.fence;
    store.run(scripts.renew, [this.key, keys.due], [clock.now(), fence, this.claim.id, options.leaseMs]).then(
      (held) => {
        if (fence !== this.claim.fence) return; // answered for a fence this holder has moved past
        if (held) this.confirmed(sentAt);
        else this.lose('taken');
      },
      () => undefined, // unanswered: the deadline decides
    );
  }

  private confirmed(sentAt: number): void {
    if (this.lossReason || sentAt <= this.lastConfirmed) return;
    this.lastConfirmed = sentAt;
    this.heldUntil = sentAt + this.host.options.leaseMs - leaseMarginMs(this.host.options.leaseMs);
    if (this.keeping > 0) this.armDeadline();
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(
      () => {
        if (performance.now() >= this.heldUntil) this.lose('expired');
        else this.armDeadline();
      },
      Math.max(0, Math.ceil(this.heldUntil - performance.now())),
    );
    this.deadlineTimer.unref();
  }

  private stopTimers(): void {
    clearInterval(this.renewTimer);
    clearTimeout(this.deadlineTimer);
    this.renewTimer = this.deadlineTimer = undefined;
  }

  private lose(reason: LeaseLossReason): void {
    if (this.lossReason) return;
    this.lossReason = reason;
    this.stopTimers();
    const { name, label, owner, logger } = this.host;
    logger.warn(
      reason === 'taken'
        ? `${name}: lease lost to another process; stopping this ${label}'s handler, nothing recorded`
        : `${name}: lease lost (renewals not confirmed in time); stopping this ${label}'s handler before another process may take over, nothing recorded`,
      { [label]: this.id, attempt: this.attempt, process: owner, lastRenewalAgoMs: Math.round(performance.now() - this.lastConfirmed) },
    );
    this.emit({ type: 'lost', reason });
    if (!this.abort.signal.aborted) this.abort.abort(new LeaseLostError(reason));
  }

  /** Tells the host's listener (a listener's failure never reaches the lease). */
  emit(e: Pick<LeaseEvent, 'type' | 'reason'>): void {
    try {
      this.host.onLeaseEvent?.({ queue: this.host.name, id: this.id, attempt: this.attempt, owner: this.host.owner, ...e });
    } catch (err) {
      this.host.logger.error(`${this.host.name}: a lease event listener threw`, { error: errorText(err) });
    }
  }

  /**
   * Records a failed attempt: due again after a backoff, or given up after `maxAttempts`. Returns when
   * it is due again, for the log line.
   */
  async fail(error: string): Promise<{ outcome: FailOutcome; retryAt: number }> {
    const { store, clock, keys, scripts, options } = this.host;
    const retryAt = clock.now() + backoffDelay(this.attempt, { baseMs: options.backoffBaseMs, maxMs: options.backoffMaxMs, jitter: 'spread' });
    const retention = this.host.retention;
    const outcome = await store.run(scripts.fail, retention ? [this.key, keys.due, keys.gaveUp, retention.layout] : [this.key, keys.due, keys.gaveUp], [
      clock.now(),
      this.claim.fence,
      this.claim.id,
      error.slice(0, 1000),
      retryAt,
      options.maxAttempts,
      ...(retention ? [retention.recordMs, retention.dedupeMs] : []),
    ]);
    return { outcome, retryAt };
  }
}
