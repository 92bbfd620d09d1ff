import { defineScript } from '../store/defineScript.js';
import { renderEntry, sumContributions } from './aggregate.js';

/**
 * Writes (or withdraws) this process's contribution to a zone and rewrites the zone's serverstate entry
 * from every contribution still fresh, in one atomic step; expired contributions (dead processes) are
 * deleted on the way. With no live contribution left, the zone's entry is removed.
 *
 * KEYS[1] serverstate hash, KEYS[2] zone procs, KEYS[3] zone role accounts, KEYS[4] zone recent accounts.
 * ARGV[1] zone field, ARGV[2] process token, ARGV[3] contribution JSON ('' = withdraw), ARGV[4] now (ms),
 * ARGV[5] recent-account window (ms), ARGV[6] ZoneID fragment, ARGV[7] ServerBeginTime fragment,
 * ARGV[8] UpdateTime fragment, ARGV[9] role cap (0 = none).
 * Reply: the entry written, or '' when the entry was removed.
 *
 * The twin is aggregate.ts; both do integer arithmetic only, so they print the same bytes.
 */
export const writeZoneStateScript = defineScript<string>({
  name: 'serverstate_write_zone',
  numberOfKeys: 4,
  lua: `
local now = tonumber(ARGV[4])
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[2], ARGV[2])
else
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
end
local function num(v) return tonumber(v) or 0 end
local live, online, queue, cpu, mem, force = 0, 0, 0, 0, 0, 0
local hosts = {}
local all = redis.call('HGETALL', KEYS[2])
for i = 1, #all, 2 do
  local ok, c = pcall(cjson.decode, all[i + 1])
  if ok and type(c) == 'table' and num(c.x) > now then
    live = live + 1
    online = online + num(c.on)
    queue = queue + num(c.q)
    cpu = cpu + num(c.cpu)
    mem = mem + num(c.mem)
    if num(c.f) == 1 then force = 1 end
    local h = ''
    if type(c.h) == 'string' then h = c.h end
    local at = num(c.t)
    local prev = hosts[h]
    if prev == nil or at > prev[1] then hosts[h] = { at, num(c.hc), num(c.n), num(c.hm) } end
  else
    redis.call('HDEL', KEYS[2], all[i])
  end
end
if live == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return ''
end
local weighted, cores, hostMem = 0, 0, 0
for _, h in pairs(hosts) do
  weighted = weighted + h[2] * h[3]
  cores = cores + h[3]
  hostMem = hostMem + h[4]
end
local hostCpu = 0
if cores > 0 then hostCpu = math.floor(weighted / cores + 0.5) end
local roles = redis.call('SCARD', KEYS[3])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. string.format('%d', now - tonumber(ARGV[5])))
local recent = redis.call('ZCARD', KEYS[4])
local cap = tonumber(ARGV[9])
if cap > 0 and roles >= cap then force = 1 end
local function int(n) return string.format('%d', n) end
local function hundredths(x)
  local i = math.floor(x / 100)
  local f = x - i * 100
  if f == 0 then return int(i) end
  if f % 10 == 0 then return int(i) .. '.' .. int(f / 10) end
  return int(i) .. '.' .. string.format('%02d', f)
end
local entry = '{"ZoneID":' .. ARGV[6] .. ',"OnlineNum":' .. int(online) .. ',"QueueNum":' .. int(queue) .. ',"RoleNum":' .. int(roles)
  .. ',"ServerBeginTime":' .. ARGV[7] .. ',"UpdateTime":' .. ARGV[8] .. ',"fCpuUsage":' .. hundredths(cpu) .. ',"fTotalCpuUsage":' .. hundredths(hostCpu)
  .. ',"CurProcessMemory":' .. int(mem) .. ',"TotalProcessMemory":' .. int(hostMem) .. ',"FiveMinuteAddAccountNum":' .. int(recent) .. ',"forceup":' .. int(force) .. '}'
redis.call('HSET', KEYS[1], ARGV[1], entry)
return entry
`,
  local(db, keys, args) {
    const [field, proc, contribution, nowText, windowText, zoneJson, beginJson, updateJson, capText] = args as string[] as [string, string, string, string, string, string, string, string, string];
    const [stateKey, procsKey, rolesKey, recentKey] = keys as [string, string, string, string];
    const now = Number(nowText);
    if (contribution === '') db.hdel(procsKey, proc);
    else db.hset(procsKey, { [proc]: contribution });
    const totals = sumContributions(Object.entries(db.hgetall(procsKey)), now);
    if (totals.stale.length) db.hdel(procsKey, ...totals.stale);
    if (totals.live === 0) {
      db.hdel(stateKey, field);
      return '';
    }
    const cutoff = now - Number(windowText);
    const old = db.zrangeByScore(recentKey, -Infinity, cutoff).filter((e) => e.score < cutoff);
    if (old.length) db.zrem(recentKey, ...old.map((e) => e.member));
    const entry = renderEntry(totals, {
      zoneJson,
      beginJson,
      updateJson,
      roles: db.smembers(rolesKey).length,
      recent: db.zcard(recentKey),
      roleCap: Number(capText),
    });
    db.hset(stateKey, { [field]: entry });
    return entry;
  },
  decode: (r) => (typeof r === 'string' ? r : ''),
});

/**
 * Notes that an account was seen in a zone: a first sighting also enters the recent-accounts set (for
 * FiveMinuteAddAccountNum), which is trimmed to the window on the way.
 * KEYS[1] zone accounts, KEYS[2] zone recent accounts; ARGV[1] user id, ARGV[2] now (ms), ARGV[3] window (ms).
 * Reply: 1 for a first sighting, else 0.
 */
export const noteAccountScript = defineScript<boolean>({
  name: 'serverstate_note_account',
  numberOfKeys: 2,
  lua: `
local first = redis.call('SADD', KEYS[1], ARGV[1])
if first == 1 then redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1]) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%d', tonumber(ARGV[2]) - tonumber(ARGV[3])))
return first
`,
  local(db, keys, args) {
    const [userId, nowText, windowText] = args as [string, string, string];
    const first = db.sadd(keys[0]!, userId);
    if (first === 1) db.zadd(keys[1]!, [[Number(nowText), userId]]);
    const cutoff = Number(nowText) - Number(windowText);
    const old = db.zrangeByScore(keys[1]!, -Infinity, cutoff).filter((e) => e.score < cutoff);
    if (old.length) db.zrem(keys[1]!, ...old.map((e) => e.member));
    return first;
  },
  decode: (r) => r === 1,
});
