/**
 * The loop that works through a leased job queue on one process. One timer per process, not one per
 * member: each look claims a batch of due members (up to the free concurrency) in one script, which leases
 * them to this process, and runs each with its {@link Lease}. If this process dies, its leases run out and
 * another process's look claims the members again, with a higher fence, so the dead holder's late answer,
 * if any, is ignored. What to run for a member and how to record its success belong to the queue.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../logger.js';
import { StoreUnavailableError } from '../../store/Store.js';
import { Lease, type LeaseEventListener, type LeaseHost } from './Lease.js';
import type { LeaseQueue } from './queue.js';
import type { LeaseClaim } from './scripts.js';
import { errorText } from '../../errorText.js';

export interface LeaseWorkerDeps extends LeaseQueue {
  /** Starts every log line of the loop: 'grant worker'. */
  name: string;
  /** What a look claims, for the line saying it cannot: 'due orders'. */
  work: string;
  /** How log lines name a member: 'order', 'job'. */
  label: string;
  logger: Logger;
  /** Told when a lease of this process is lost, taken over from another process, or its handler times out. */
  onLeaseEvent?: LeaseEventListener;
  /** Runs one claimed member and records its outcome; resolves once recorded (or left to the lease). */
  run(lease: Lease): Promise<void>;
}

export class LeaseWorker {
  readonly owner = randomUUID();
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = true;
  private storeDown = false;
  private readonly inFlight = new Map<string, { lease: Lease; done: Promise<void> }>();
  /** Members being recorded already leased to this process (see {@link reserve}). */
  private reserved = 0;
  /**
   * Members recorded leased to this process while every slot was busy: each starts when a slot frees, and
   * its lease is kept meanwhile. At most `concurrency` wait here with the reserved ones; beyond that, work
   * is recorded due, where any process may claim it.
   */
  private readonly held: Array<{ lease: Lease; release: () => void }> = [];
  /**
   * Whether due members may be waiting beyond what the last look claimed. A freed slot only looks again
   * while it is set: otherwise every finished member would cost a claim that finds nothing, which under
   * load is a store round trip per member. Work recorded elsewhere is found by the periodic look.
   */
  private mayHaveDue = true;
  private kicks = 0;
  /**
   * Handlers whose attempt ended (lease lost, deadline passed) but which have not returned yet: this
   * process does not start their member again until they do, so it never runs one member twice at once.
   */
  private readonly settling = new Map<string, Promise<void>>();
  private readonly host: LeaseHost;

  constructor(private readonly d: LeaseWorkerDeps) {
    this.host = { ...d, owner: this.owner };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Look for due work now (work was just recorded on this process). */
  kick(): void {
    this.kicks++;
    this.mayHaveDue = true;
    this.look();
  }

  private look(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /**
   * Asks whether a member the caller is about to record may be recorded already leased to this process,
   * so fresh work skips the round trip of a claim. False when the loop is stopped or enough work already
   * waits here (the member is then recorded due, for any process to claim). Every true must be followed
   * by one {@link adopt}.
   */
  reserve(): boolean {
    if (this.stopped || this.reserved + this.held.length >= this.d.options.concurrency) return false;
    this.reserved++;
    return true;
  }

  /**
   * Takes over a member the caller recorded leased to this process (claim undefined: nothing was leased,
   * a duplicate say): started now if a slot is free, else when one frees, its lease kept meanwhile. Once
   * stopping, it is not started: its lease runs out and a claim (here after a restart, or elsewhere)
   * takes it over, as after a crash. Returns whether it will run here.
   */
  adopt(claim: LeaseClaim | undefined): boolean {
    this.reserved--;
    if (claim === undefined || this.stopped || this.inFlight.has(claim.id)) return false;
    const lease = new Lease(this.host, claim);
    if (this.inFlight.size < this.d.options.concurrency) {
      this.launch(lease);
      return true;
    }
    this.held.push({ lease, release: lease.keep() });
    return true;
  }

  /** Stops claiming; waits for running members up to `graceMs`, then aborts them (their lease lets another process finish). */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // not started, and no longer kept: their leases run out and they are claimed again, here or elsewhere
    for (const h of this.held.splice(0)) h.release();
    const pending = [...this.inFlight.values()];
    if (!pending.length) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(pending.map((p) => p.done)), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const p of this.inFlight.values()) p.lease.abort.abort(new Error('bridge closing'));
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    this.again = false;
    const kicksBefore = this.kicks;
    const { name, store, clock, keys, scripts, options, logger } = this.d;
    try {
      const free = options.concurrency - this.inFlight.size - this.held.length;
      if (free > 0) {
        const limit = Math.min(free, options.batchSize);
        const since = performance.now();
        const claimed = await store.run(scripts.claim, [keys.due], [clock.now(), limit, options.leaseMs, keys.prefix, this.owner]);
        if (this.storeDown) logger.info(`${name}: store reachable again`);
        this.storeDown = false;
        for (const c of claimed) this.claimed({ ...c, since });
        // a full batch means more may be due right away; a short one, that nothing else is (unless work
        // was recorded here meanwhile, which the claim may have missed)
        if (claimed.length === limit) this.again = true;
        else if (this.kicks === kicksBefore) this.mayHaveDue = false;
      }
    } catch (err) {
      // once per outage, not once per look while the store is away; other failures are logged every time
      if (!this.storeDown) logger.warn(`${name}: cannot claim ${this.d.work}`, { error: errorText(err) });
      this.storeDown = err instanceof StoreUnavailableError;
    } finally {
      this.running = false;
      this.schedule(this.again ? 0 : options.pollIntervalMs);
    }
  }

  /** A claim of this look: started, or, when this process still runs the member, folded into that run. */
  private claimed(claim: LeaseClaim): void {
    const waiting = this.held.find((h) => h.lease.id === claim.id && !h.lease.abort.signal.aborted);
    if (waiting) {
      // waiting here for a slot, and its lease ran out meanwhile: it waits on under the new fence
      waiting.lease.reclaimed(claim);
      return;
    }
    const running = this.inFlight.get(claim.id);
    if (!running) {
      const lease = new Lease(this.host, claim);
      if (claim.previous === this.d.scripts.leasedState) lease.emit({ type: 'taken-over' });
      this.launch(lease);
      return;
    }
    if (!running.lease.abort.signal.aborted && claim.previous === this.d.scripts.leasedState) {
      // its lease ended in the store while it still ran here (a stall, renewals lost): same run, new fence
      running.lease.reclaimed(claim);
      return;
    }
    // it stopped, or it already recorded its outcome (a failure rescheduled with a short backoff, claimed
    // again before this run returned: the claim's reply can come in the same read as the outcome's), and
    // has not returned yet: run it again once it has. Folding such a claim into the ending run would leave
    // the new attempt leased and never run until its lease ran out.
    void running.done.then(() => {
      if (!this.stopped && !this.inFlight.has(claim.id)) this.launch(new Lease(this.host, claim));
    });
  }

  private launch(lease: Lease): void {
    const id = lease.id;
    const prior = this.settling.get(id);
    const done = (prior ? this.afterPrior(lease, prior) : this.d.run(lease)).finally(() => {
      this.inFlight.delete(id);
      this.track(lease);
      this.next();
    });
    this.inFlight.set(id, { lease, done });
  }

  /** Starts a member once its previous run here has returned, keeping its lease meanwhile (bounded by the handler timeout). */
  private async afterPrior(lease: Lease, prior: Promise<void>): Promise<void> {
    const release = lease.keep();
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([prior.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.d.options.handlerTimeoutMs)).unref())]);
    clearTimeout(timer);
    release();
    if (!waited) {
      this.d.logger.error(`${this.d.name}: a handler ignored its abort signal and still runs; starting the ${this.d.label} again anyway`, {
        [this.d.label]: lease.id,
        attempt: lease.attempt,
      });
    }
    if (lease.lost || this.stopped) return;
    await this.d.run(lease);
  }

  /** Remembers a handler that may outlive its attempt until it returns. */
  private track(lease: Lease): void {
    const settled = lease.handlerSettled;
    if (!settled) return;
    this.settling.set(lease.id, settled);
    void settled.then(() => {
      if (this.settling.get(lease.id) === settled) this.settling.delete(lease.id);
    });
  }

  /** A slot freed: work held here first, then a look for due work if some may be waiting. */
  private next(): void {
    while (this.held.length && this.inFlight.size < this.d.options.concurrency && !this.stopped) {
      const { lease, release } = this.held.shift()!;
      release();
      // lost meanwhile (a renewal found another holder): it is that process's now
      if (!lease.abort.signal.aborted) this.launch(lease);
    }
    if (this.held.length === 0 && this.mayHaveDue) this.look();
  }
}
