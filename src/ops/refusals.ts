/**
 * Log lines for refused operator requests: every refusal is logged, but a client retrying in a loop with a
 * wrong token gets one line per reason and address per minute, with how many it sent meanwhile.
 */
import type { Clock } from '../context.js';
import type { LogFields, Logger } from '../logger.js';

const WINDOW_MS = 60_000;
const MAX_TRACKED = 1000;

export class RefusalNotes {
  private readonly seen = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly clock: Clock,
  ) {}

  note(reason: string, peer: string | undefined, fields: LogFields = {}): void {
    const now = this.clock.now();
    const key = `${reason}\u0000${peer ?? ''}`;
    const s = this.seen.get(key);
    if (s && now < s.until) {
      s.suppressed++;
      return;
    }
    if (this.seen.size >= MAX_TRACKED) this.seen.clear();
    this.seen.set(key, { until: now + WINDOW_MS, suppressed: 0 });
    this.logger.warn(`${this.what}: ${reason}`, { peer, ...fields, ...(s?.suppressed ? { refusedSinceLastLine: s.suppressed } : {}) });
  }
}
