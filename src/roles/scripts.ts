import { defineScript } from '../store/defineScript.js';

/**
 * Compare-and-set of one hash field: writes the new value only if the field still holds what the caller
 * read (or is still absent). The merge itself runs in JavaScript, where the exact bytes of the platform
 * JSON are produced (Lua's cjson would reorder keys, print large numbers as `1.2e+15` and escape `/`);
 * this script makes the write atomic, so a concurrent writer's change is never overwritten, only retried.
 *
 * KEYS[1] hash; ARGV[1] field, ARGV[2] '1' if a value was read ('0' = it was absent), ARGV[3] that value,
 * ARGV[4] the new value. Reply: {1} written; {0} conflict, field now absent; {0, current} conflict.
 */
export const casFieldScript = defineScript<{ ok: true } | { ok: false; current: string | null }>({
  name: 'roles_cas_field',
  numberOfKeys: 1,
  lua: `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local same
if ARGV[2] == '1' then same = (cur == ARGV[3]) else same = (cur == false) end
if same then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
  return {1}
end
if cur == false then return {0} end
return {0, cur}
`,
  local(db, keys, args) {
    const [field, had, expected, next] = args as [string, string, string, string];
    const cur = db.hget(keys[0]!, field);
    const same = had === '1' ? cur === expected : cur === null;
    if (same) {
      db.hset(keys[0]!, { [field]: next });
      return [1];
    }
    return cur === null ? [0] : [0, cur];
  },
  decode(reply) {
    const r = reply as [number, string?];
    return r[0] === 1 ? { ok: true } : { ok: false, current: r[1] ?? null };
  },
});

/**
 * Marks a user active in a zone on a day (GameCenter type-2 "active" batch): field = user id, value =
 * the latest activity time (epoch ms, only ever moved forward), and the day's hash expires after the
 * retention period. KEYS[1] the day's hash; ARGV[1] user id, ARGV[2] time, ARGV[3] retention ms.
 */
export const markActiveScript = defineScript<number>({
  name: 'roles_mark_active',
  numberOfKeys: 1,
  lua: `
local prev = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > prev then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`,
  local(db, keys, args) {
    const [userId, at, keepMs] = args as [string, string, string];
    const prev = Number(db.hget(keys[0]!, userId) ?? '0');
    if (Number(at) > prev) db.hset(keys[0]!, { [userId]: at });
    db.pexpire(keys[0]!, Number(keepMs));
    return 1;
  },
  decode: (r) => Number(r),
});
