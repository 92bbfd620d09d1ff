/**
 * Group commit for one script: calls made during one turn of the event loop go to the store together, as
 * one batch (one round trip, one script run), when the loop next checks for immediates. Under load, the
 * callbacks that arrived together are recorded together, so Redis and this process pay one write and one
 * script start per batch instead of per call; alone, a call waits for nothing but the end of its turn.
 *
 * Each caller still gets its own outcome, after the store has it: a call resolves only once its batch is
 * recorded, and fails alone if its own step fails. Only callers whose keys share one Cluster slot may share
 * a batcher.
 */
import type { ScriptCall, Store, StoreScript } from './Store.js';

// the promise's own resolve/reject, handed on as plain functions (hence properties, not methods)
interface Waiting<R> extends ScriptCall {
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class ScriptBatcher<R> {
  private queue: Array<Waiting<R>> = [];
  private scheduled = false;

  constructor(
    private readonly store: Store,
    private readonly script: StoreScript<R>,
    /** Largest batch: bounds how long one script run holds Redis. */
    private readonly maxCalls = 128,
  ) {}

  run(keys: string[], args: ReadonlyArray<string | number>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ keys, args, resolve, reject });
      if (this.queue.length >= this.maxCalls) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    if (batch.length === 1) {
      // alone: the plain script, without the batch wrapper's bookkeeping
      const only = batch[0]!;
      this.store.run(this.script, only.keys, only.args).then(only.resolve, only.reject);
      return;
    }
    this.store.runBatch(this.script, batch).then(
      (outcomes) => {
        outcomes.forEach((outcome, i) => (outcome.ok ? batch[i]!.resolve(outcome.value) : batch[i]!.reject(outcome.error)));
      },
      (error: unknown) => {
        for (const call of batch) call.reject(error);
      },
    );
  }
}
