/**
 * The Lua of a script run as a batch: its prelude once, then its body as a function of (KEYS, ARGV), called
 * once per call in order, each under pcall so one failing call leaves the others to run, as separate
 * scripts would. Keys arrive concatenated (every call has the script's fixed key count); ARGV is the call
 * count, the count of leading arguments every call shares and those arguments (see
 * `StoreScript.sharedArgs`), then for each call its own argument count and arguments. The reply holds, per
 * call, {1, reply} or {0, error text}.
 */
import type { ScriptReply, StoreScript } from './Store.js';

export function batchLua(script: Pick<StoreScript<unknown>, 'lua' | 'numberOfKeys' | 'prelude'>): string {
  return `
${script.prelude ?? ''}
local function one(KEYS, ARGV)
${script.lua}
end
local nk = ${script.numberOfKeys}
local out = {}
local ns = tonumber(ARGV[2])
local at = 3 + ns
for i = 1, tonumber(ARGV[1]) do
  local na = tonumber(ARGV[at])
  -- table constructors over unpack size each table once (a copy loop regrows it)
  local keys = {unpack(KEYS, (i - 1) * nk + 1, i * nk)}
  local args
  if ns == 0 then
    args = {unpack(ARGV, at + 1, at + na)}
  else
    args = {unpack(ARGV, 3, 2 + ns)}
    for j = 1, na do args[ns + j] = ARGV[at + j] end
  end
  at = at + na + 1
  local ok, reply = pcall(one, keys, args)
  if ok then
    out[i] = {1, reply}
  elseif type(reply) == 'table' then
    out[i] = {0, tostring(reply.err or reply.message or 'script error')}
  else
    out[i] = {0, tostring(reply)}
  end
end
return out
`;
}

/**
 * The flat arguments of a batch, as {@link batchLua} reads them. The first `shared` arguments go once when
 * every call has the same ones (compared as text, as Redis would receive them); otherwise each call sends
 * all of its own.
 */
export function batchArgs(calls: ReadonlyArray<{ keys: string[]; args: ReadonlyArray<string | number> }>, shared = 0): { keys: string[]; args: Array<string | number> } {
  const first = calls[0]?.args ?? [];
  const ns = shared > 0 && calls.every((c) => c.args.length >= shared && sameLead(c.args, first, shared)) ? shared : 0;
  const keys: string[] = [];
  const args: Array<string | number> = [calls.length, ns];
  for (let j = 0; j < ns; j++) args.push(first[j]!);
  for (const call of calls) {
    for (const k of call.keys) keys.push(k);
    args.push(call.args.length - ns);
    for (let j = ns; j < call.args.length; j++) args.push(call.args[j]!);
  }
  return { keys, args };
}

function sameLead(a: ReadonlyArray<string | number>, b: ReadonlyArray<string | number>, n: number): boolean {
  for (let j = 0; j < n; j++) if (a[j] !== b[j] && String(a[j]) !== String(b[j])) return false;
  return true;
}

/** Splits a batch reply into each call's raw reply or error text. */
export function batchReplies(reply: ScriptReply): Array<{ ok: true; reply: ScriptReply } | { ok: false; error: string }> {
  return (reply as ScriptReply[][]).map((item) => (item[0] === 1 ? { ok: true as const, reply: item[1] ?? null } : { ok: false as const, error: String(item[1]) }));
}
