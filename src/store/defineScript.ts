import type { ScriptReply, StoreScript } from './Store.js';

/**
 * Declares a script once, with its Lua body and its in-process twin; `decode` defaults to the raw reply.
 * @remarks Extension point: the same contract the bridge's own scripts follow; keep both bodies equivalent.
 */
export function defineScript<R = ScriptReply>(def: Omit<StoreScript<R>, 'decode'> & { decode?: (reply: ScriptReply) => R }): StoreScript<R> {
  return { ...def, decode: def.decode ?? ((r: ScriptReply) => r as R) };
}
