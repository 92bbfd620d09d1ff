import type { ScriptReply, StoreScript } from './Store.js';

/**
 * Every script defined by the plugin's own modules, so the differential harness
 * (test/store/scripts-differential.test.ts) can hold each twin to its Lua without a hand-kept list.
 * Scripts defined from test code are left out: the first frame outside the script builders is not in src/.
 */
const registry = new Map<string, StoreScript<unknown>>();

/**
 * Declares a script once, with its Lua body and its in-process twin; `decode` defaults to the raw reply.
 * @remarks Extension point: the same contract the bridge's own scripts follow; keep both bodies equivalent.
 */
export function defineScript<R = ScriptReply>(def: Omit<StoreScript<R>, 'decode'> & { decode?: (reply: ScriptReply) => R }): StoreScript<R> {
  const script: StoreScript<R> = { ...def, decode: def.decode ?? ((r: ScriptReply) => r as R) };
  if (!registry.has(script.name) && definedInSource(new Error().stack ?? '')) registry.set(script.name, script as StoreScript<unknown>);
  return script;
}

/** The scripts the plugin's modules loaded so far defined, by name (a name defined twice: the first). */
export function definedScripts(): ReadonlyMap<string, StoreScript<unknown>> {
  return registry;
}

/** Frames of the builders scripts are made with (this file, the lease steps): the definer is the next one. */
const BUILDERS = /[\\/]src[\\/](store[\\/]defineScript|workers[\\/]lease[\\/]scripts)\.[cm]?[jt]s\b/;

function definedInSource(stack: string): boolean {
  const frames = stack.split('\n').slice(1);
  const definer = frames.find((f) => /\.[cm]?[jt]s\b/.test(f) && !BUILDERS.test(f));
  // a script built by a builder at load time of the builder's own module (none today) has no other frame
  return definer === undefined ? true : /[\\/]src[\\/]/.test(definer) && !/[\\/]test[\\/]/.test(definer);
}
