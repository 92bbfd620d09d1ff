/**
 * The process-level queue between rooms and Redis. `enqueue` only pushes onto an array and arms one
 * timer, so a room never waits on Redis. A single background loop sends reports in order (a role's
 * creation before its later changes). While Redis is unreachable the head report stays put and the loop
 * retries with backoff; nothing is lost unless the queue overflows, which drops the oldest report (a
 * join's bookkeeping before a role or settlement) and says so in the log.
 */
import type { Logger } from '../../logger.js';
import { StoreUnavailableError } from '../../store/Store.js';
import type { ReportQueue as ReportQueueContract, RoomReport } from '../services.js';
import { throttledLog, type ThrottledLog } from '../../logging/throttle.js';
import { errorText } from '../../errorText.js';
import { backoffDelay } from '../../backoff.js';

export interface ReportQueueOptions {
  /** Reports kept in memory at most. */
  maxQueued: number;
  /** First retry delay after a failure; doubles up to `retryMaxMs`. */
  retryMinMs: number;
  retryMaxMs: number;
  /** Attempts for a report that fails for a reason other than Redis being away, before it is dropped. */
  maxAttempts: number;
}

interface Entry {
  report: RoomReport;
  attempts: number;
}

export type ReportHandler = (report: RoomReport) => Promise<void>;

export class ReportQueue implements ReportQueueContract {
  private readonly items: Entry[] = [];
  private timer?: NodeJS.Timeout;
  private loop?: Promise<void>;
  private failures = 0;
  private outageSince?: number;
  private closing = false;
  private readonly waiters: Array<() => void> = [];
  private readonly log: ThrottledLog;

  constructor(
    private readonly options: ReportQueueOptions,
    private readonly handle: ReportHandler,
    private readonly logger: Logger,
  ) {
    this.log = throttledLog(logger, 30_000);
  }

  get size(): number {
    return this.items.length;
  }

  enqueue(report: RoomReport): boolean {
    if (this.closing) {
      this.log('warn', 'queue:closed', 'a report arrived after the bridge began closing and is dropped', { kind: report.kind });
      return false;
    }
    if (this.items.length >= this.options.maxQueued) this.evict();
    this.items.push({ report, attempts: 0 });
    if (!this.loop && !this.timer) this.arm(0);
    return true;
  }

  settled(timeoutMs = 10_000): Promise<boolean> {
    if (this.items.length === 0 && !this.loop) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(done);
    });
  }

  /** Sends what is queued, for up to `timeoutMs`, then drops the rest with a log line. */
  async close(timeoutMs: number): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + timeoutMs;
    while (this.items.length > 0 && Date.now() < deadline) {
      await (this.loop ?? this.start());
      if (this.items.length > 0) await new Promise((r) => setTimeout(r, Math.min(this.backoff(), Math.max(0, deadline - Date.now()))));
    }
    await this.loop;
    if (this.items.length > 0) {
      this.logger.error('platform reports not sent before shutdown (Redis unreachable)', { dropped: this.items.length, kinds: this.kinds() });
      this.items.length = 0;
    }
    this.wake();
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.start();
    }, delayMs);
    this.timer.unref();
  }

  private start(): Promise<void> {
    this.loop = this.run().finally(() => {
      this.loop = undefined;
      if (this.items.length === 0) this.wake();
    });
    return this.loop;
  }

  private async run(): Promise<void> {
    while (this.items.length > 0) {
      const entry = this.items[0]!;
      try {
        await this.handle(entry.report);
      } catch (err) {
        if (this.items[0] !== entry) continue; // evicted while in flight
        if (!isUnavailable(err)) {
          entry.attempts++;
          if (entry.attempts >= this.options.maxAttempts) {
            this.items.shift();
            this.logger.error('a platform report kept failing and is dropped', { kind: entry.report.kind, attempts: entry.attempts, error: errorText(err) });
            continue;
          }
          this.logger.warn('a platform report failed; retrying', { kind: entry.report.kind, attempt: entry.attempts, error: errorText(err) });
        } else if (this.outageSince === undefined) {
          this.outageSince = Date.now();
          this.logger.warn('redis unavailable: platform reports are kept in memory and sent when it returns', { queued: this.items.length, error: errorText(err) });
        }
        this.failures++;
        if (!this.closing) this.arm(this.backoff());
        return;
      }
      if (this.items[0] === entry) this.items.shift();
      this.failures = 0;
      if (this.outageSince !== undefined) {
        this.logger.info('redis is back: sending the platform reports kept meanwhile', { queued: this.items.length, downForMs: Date.now() - this.outageSince });
        this.outageSince = undefined;
      }
    }
  }

  private backoff(): number {
    return backoffDelay(this.failures, { baseMs: this.options.retryMinMs, maxMs: this.options.retryMaxMs, maxDoublings: 16 });
  }

  /** Drops the oldest join record if there is one, else the oldest report. */
  private evict(): void {
    let i = this.items.findIndex((e) => e.report.kind === 'joined');
    if (i < 0) i = 0;
    const [dropped] = this.items.splice(i, 1);
    this.log('error', 'queue:full', 'platform report queue is full (Redis away too long?): dropping the oldest report', {
      maxQueued: this.options.maxQueued,
      kind: dropped?.report.kind,
    });
  }

  private kinds(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.items) out[e.report.kind] = (out[e.report.kind] ?? 0) + 1;
    return out;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

function isUnavailable(err: unknown): boolean {
  return err instanceof StoreUnavailableError || (err instanceof Error && err.name === 'StoreUnavailableError');
}
