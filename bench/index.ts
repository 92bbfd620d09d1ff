/**
 * `npm run bench`: every figure of DESIGN.md's table that this version implements, each measured beside
 * its baseline in the same run. Starts its own redis-server on a free loopback port.
 */
import { RedisServer } from '../test/helpers/redisServer.js';
import { report, type Figure } from './lib/report.js';
import { stealMeter } from './lib/steal.js';
import { benchRechargeHttp, benchRechargeSocket } from './recharge.js';
import { benchPollTick, benchRankFlush } from './gamecenter.js';
import { benchReportRank } from './reportRank.js';
import { benchSudSettle } from './sud.js';
import { benchMetricsOverhead } from './metrics.js';
import { benchTakeover } from './takeover.js';
import { benchGrantDelivery, benchIdlePlayers } from './delivery.js';
import { benchFootprint } from './footprint.js';
import { benchShardScale } from './shardScale.js';

const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.some((o) => name.startsWith(o));

const redis = await new RedisServer().start();
const figures: Record<string, Figure> = {};

/** Runs one group of figures and notes beside each how much CPU the host stole meanwhile. */
async function measure(run: () => Promise<Record<string, Figure>>): Promise<void> {
  const stolen = stealMeter();
  const got = await run();
  const pct = stolen();
  for (const [name, f] of Object.entries(got)) {
    figures[name] = pct === undefined ? f : { ...f, note: `${f.note ? `${f.note}; ` : ''}CPU stolen by the host meanwhile ${pct.toFixed(1)} %` };
  }
}

try {
  if (want('recharge_http')) await measure(() => benchRechargeHttp(redis.url));
  if (want('recharge_http')) await measure(() => benchMetricsOverhead(redis.url));
  if (want('recharge_socket')) await measure(async () => ({ recharge_socket_per_s: await benchRechargeSocket(redis.url) }));
  if (want('report_rank')) await measure(async () => ({ report_rank_ns: await benchReportRank({ redisUrl: redis.url }) }));
  if (want('rank_flush')) await measure(async () => ({ rank_flush_requests: await benchRankFlush(redis.url) }));
  if (want('poll_tick')) await measure(async () => ({ poll_tick_ms: await benchPollTick(redis.url) }));
  if (want('sud_settle')) await measure(async () => ({ sud_settle_ratio: await benchSudSettle(redis.url) }));
  if (want('takeover')) await measure(async () => ({ takeover_ms: await benchTakeover(redis.url) }));
  if (want('idle_player')) await measure(async () => ({ idle_player_redis_ops_per_min: await benchIdlePlayers(redis.url) }));
  if (want('grant_delivery')) await measure(async () => ({ grant_delivery_p99_ms: await benchGrantDelivery(redis.url) }));
  if (want('redis_bytes_per_tombstone_at_scale')) await measure(async () => ({ redis_bytes_per_tombstone_at_scale: await benchShardScale(redis.url) }));
  if (['redis_commands_per_order', 'redis_roundtrips_per_order', 'redis_bytes_per_order', 'redis_bytes_per_tombstone'].some(want)) await measure(() => benchFootprint(redis.url));
} finally {
  await redis.dispose();
}
report(figures);
