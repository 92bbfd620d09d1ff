/**
 * A real store whose runs of one script wait first: how a test puts an outcome "on its way" (as under
 * load, or a slow Redis) without mocking the store. Everything else goes straight to the real store.
 */
import type { ScriptCall, Store, StoreScript } from '../../src/store/Store.js';

/** `inner`, except that each run of script `name` (one call or a batch) first awaits `wait(calls in the run)`. */
export function holdScript(inner: Store, name: string, wait: (calls: number) => Promise<void>): Store {
  return Object.create(inner, {
    run: {
      value: async <R>(script: StoreScript<R>, keys: string[], args: ReadonlyArray<string | number>) => {
        if (script.name === name) await wait(1);
        return inner.run(script, keys, args);
      },
    },
    runBatch: {
      value: async <R>(script: StoreScript<R>, calls: readonly ScriptCall[]) => {
        if (script.name === name) await wait(calls.length);
        return inner.runBatch(script, calls);
      },
    },
  }) as Store;
}
