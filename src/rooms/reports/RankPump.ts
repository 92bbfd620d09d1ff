/**
 * Hands the process rank book to a shared rank store on an interval (GameCenter's RankStore, whose
 * `record` matches {@link RankSink}): drain, record, and on failure put the values back unless newer ones
 * arrived meanwhile, so a Redis outage delays rank submission without losing the latest values.
 */
import type { Logger } from '../../logger.js';
import type { RankCollector, RankKind } from '../services.js';
import { errorText, throttledLog } from '../../logging/throttle.js';

/** GameCenter `sync.rank_data` types. */
export const RANK_TYPE_OF: Readonly<Record<RankKind, 0 | 1 | 2>> = { level: 0, score: 1, checkpoint: 2 };

export interface RankSink {
  record(entries: ReadonlyArray<{ userId: string; type: 0 | 1 | 2; value: number }>): Promise<void>;
}

export class RankPump {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly log;

  constructor(
    private readonly book: RankCollector,
    private readonly sink: RankSink,
    private readonly everyMs: number,
    logger: Logger,
  ) {
    this.log = throttledLog(logger, 60_000);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.pump(), this.everyMs);
    this.timer.unref();
  }

  /** One hand-over now (after one in progress). */
  pump(): Promise<void> {
    const run = (this.running ?? Promise.resolve()).then(() => this.once());
    const tracked = run.finally(() => {
      if (this.running === tracked) this.running = undefined;
    });
    this.running = tracked;
    return tracked;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.pump();
  }

  private async once(): Promise<void> {
    if (this.book.size === 0) return;
    const snapshot = this.book.drain();
    const entries: Array<{ userId: string; type: 0 | 1 | 2; value: number }> = [];
    for (const kind of ['level', 'score', 'checkpoint'] as const) {
      const type = RANK_TYPE_OF[kind];
      for (const [userId, value] of snapshot[kind]) entries.push({ userId, type, value });
    }
    try {
      await this.sink.record(entries);
    } catch (err) {
      this.book.restore(snapshot);
      this.log('warn', 'pump', 'rank values could not be handed to the rank store; kept for the next try', { users: entries.length, error: errorText(err) });
    }
  }
}
