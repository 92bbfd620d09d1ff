/**
 * One background loop per process for a piece of shared work (rank flushing, zone sync, polling). Runs
 * never overlap, the timer is unref'd so it never keeps a process alive, and a run that finds a full batch
 * asks to run again at once instead of waiting a whole interval. What the loop does is claimed through the
 * store by the run itself, so N processes running the same loop cooperate rather than duplicate.
 */
import type { Logger } from '../logger.js';
import { errorText } from '../errorText.js';

export interface WorkerRun {
  /** True when more work is waiting right now (a full batch was taken). */
  more: boolean;
}

export interface IntervalWorkerOptions {
  name: string;
  intervalMs: number;
  logger: Logger;
  run: () => Promise<WorkerRun>;
  /** Told after every run, for health reporting. */
  onRun?: (outcome: { ok: true; at: number } | { ok: false; at: number; error: string }) => void;
}

export class IntervalWorker {
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;
  private stopped = true;
  private failing = false;

  constructor(private readonly o: IntervalWorkerOptions) {}

  get running(): boolean {
    return !this.stopped;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.o.intervalMs);
  }

  /** Runs soon instead of at the next interval (new work arrived on this process). */
  kick(): void {
    if (!this.stopped && !this.current) this.schedule(0);
  }

  /** Stops the loop and waits for a run in progress, so nothing claimed is abandoned mid-request. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.current) return;
    let more = false;
    this.current = (async () => {
      try {
        more = (await this.o.run()).more;
        if (this.failing) this.o.logger.info(`${this.o.name}: working again`);
        this.failing = false;
        this.o.onRun?.({ ok: true, at: Date.now() });
      } catch (err) {
        const error = errorText(err);
        // one line when it starts failing, not one per interval while Redis or the platform is away
        if (!this.failing) this.o.logger.warn(`${this.o.name}: run failed; retrying every interval`, { error });
        this.failing = true;
        this.o.onRun?.({ ok: false, at: Date.now(), error });
      }
    })();
    await this.current;
    this.current = undefined;
    this.schedule(more ? 0 : this.o.intervalMs);
  }
}
