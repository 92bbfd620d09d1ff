/**
 * Jobs this process may have recorded leased to itself without starting them: the record step got no
 * answer (Redis stalled past the command timeout; SUD was answered "retry later"), yet Redis may run it
 * when it returns. Left alone, such a job would wait out its whole lease and then run as a takeover
 * (attempt 2) though it never ran. So each one is handed back to the queue (due now, unleased) as soon as
 * Redis answers, retried with backoff while it does not; its first run is then attempt 1.
 */
import type { Clock } from '../../context.js';
import type { Logger } from '../../logger.js';
import type { Store } from '../../store/Store.js';
import type { SudKeys } from './keys.js';
import { unleaseScript } from './scripts.js';
import { backoffDelay } from '../../backoff.js';

const RETRY_BASE_MS = 200;
const RETRY_MAX_MS = 5000;
/** A record that never landed answers "absent"; asking a few times covers one still on its way to Redis. */
const ABSENT_CHECKS = 3;

export class UnstartedJobs {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly d: { store: Store; keys: SudKeys; clock: Clock; logger: Logger; onReleased: () => void }) {}

  add(jobId: string, recorder: string): void {
    this.later(jobId, recorder, 0, 0);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private later(jobId: string, recorder: string, tries: number, absent: number): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        void this.handBack(jobId, recorder, tries + 1, absent);
      },
      backoffDelay(tries + 1, { baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS }),
    );
    timer.unref();
    this.timers.add(timer);
  }

  private async handBack(jobId: string, recorder: string, tries: number, absent: number): Promise<void> {
    const { store, keys, clock, logger } = this.d;
    let outcome: 'released' | 'absent' | 'started';
    try {
      outcome = await store.run(unleaseScript, [keys.job(jobId), keys.due], [clock.now(), jobId, recorder]);
    } catch {
      this.later(jobId, recorder, tries, absent);
      return;
    }
    if (outcome === 'released') {
      logger.info('sud: a job recorded while Redis stalled is due now (its record was answered "retry later"); it starts as attempt 1', { job: jobId });
      this.d.onReleased();
    } else if (outcome === 'absent' && absent + 1 < ABSENT_CHECKS) {
      this.later(jobId, recorder, tries, absent + 1);
    }
  }
}
