/**
 * Log lines for refused requests (operator routes and the platforms' inbound routes): every refusal is
 * logged, but a client retrying in a loop gets one line per reason and address per minute, with how many
 * it sent meanwhile, so a flood of bad requests writes a bounded number of lines.
 */
import type { Clock } from '../context.js';
import type { LogFields, Logger } from '../logger.js';

const WINDOW_MS = 60_000;
const MAX_TRACKED = 1000;

export class RefusalNotes {
  private readonly seen = new Map<string, { until: number; logged: number; suppressed: number }>();

  /** `burst`: lines written per reason and address in one window before the rest are only counted. */
  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly clock: Clock,
    private readonly burst = 1,
  ) {}

  note(reason: string, peer: string | undefined, fields: LogFields = {}): void {
    const now = this.clock.now();
    // numbers in a reason (byte counts, JSON positions, zone ids) would make every line a new key
    const key = `${reason.replace(/\d+/g, '#')}\u0000${peer ?? ''}`;
    const s = this.seen.get(key);
    const message = this.what ? `${this.what}: ${reason}` : reason;
    if (s && now < s.until) {
      if (s.logged < this.burst) {
        s.logged++;
        this.logger.warn(message, { peer, ...fields });
      } else s.suppressed++;
      return;
    }
    if (this.seen.size >= MAX_TRACKED) this.seen.clear();
    this.seen.set(key, { until: now + WINDOW_MS, logged: 1, suppressed: 0 });
    this.logger.warn(message, { peer, ...fields, ...(s?.suppressed ? { refusedSinceLastLine: s.suppressed } : {}) });
  }
}

/** Lines per reason and address per minute on the platforms' inbound routes before the rest are counted. */
export const INBOUND_REFUSAL_BURST = 10;

/**
 * A logger whose warn lines starting with one of `prefixes` (a route's refusals) go through
 * {@link RefusalNotes}, keyed by the line and the `peer` field; everything else passes through. For parts
 * that log their refusals themselves (the recharge intake, the VNGates payment route).
 */
export function windowedRefusalLogger(logger: Logger, clock: Clock, prefixes: readonly string[]): Logger {
  const notes = new RefusalNotes(logger, '', clock, INBOUND_REFUSAL_BURST);
  return {
    debug: (m, f) => logger.debug(m, f),
    info: (m, f) => logger.info(m, f),
    error: (m, f) => logger.error(m, f),
    warn: (m, f) => {
      if (!prefixes.some((p) => m.startsWith(p))) return logger.warn(m, f);
      const { peer, ...rest } = f ?? {};
      notes.note(m, typeof peer === 'string' ? peer : undefined, rest);
    },
  };
}
