import type { Logger, LogFields } from '../logger.js';

/**
 * Logs the first refusal of a window with its peer, then only counts; at the end of the window the count
 * (with a few sample addresses) is logged and a new window starts, so a flood costs one line per window.
 */
export class RefusalLog {
  private windowTimer: NodeJS.Timeout | undefined;
  private suppressed = 0;
  private readonly samples = new Set<string>();

  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly windowMs: number,
  ) {}

  record(peer: LogFields): void {
    if (!this.windowTimer) {
      this.log.warn(this.message, peer);
      this.openWindow();
      return;
    }
    this.suppressed++;
    if (this.samples.size < 5) this.samples.add(String(peer.remoteAddress));
  }

  /** Logs the suppressed count, if any; `final` ends windowing for good (server closed). */
  flush(final = false): void {
    if (this.windowTimer) clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    if (this.suppressed > 0) {
      this.log.warn(`${this.message} (repeated)`, { suppressed: this.suppressed, windowMs: this.windowMs, sampleAddresses: [...this.samples] });
      this.suppressed = 0;
      this.samples.clear();
      if (!final) this.openWindow();
    }
  }

  private openWindow(): void {
    this.windowTimer = setTimeout(() => this.flush(), this.windowMs);
    this.windowTimer.unref();
  }
}
