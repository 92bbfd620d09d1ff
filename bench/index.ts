/**
 * `npm run bench`: every figure of DESIGN.md's table that this version implements, each measured beside
 * its baseline in the same run. Starts its own redis-server on a free loopback port.
 */
import { RedisServer } from '../test/helpers/redisServer.js';
import { report, type Figure } from './lib/report.js';
import { benchRechargeHttp, benchRechargeSocket } from './recharge.js';
import { benchPollTick, benchRankFlush } from './gamecenter.js';
import { benchReportRank } from './reportRank.js';
import { benchSudSettle } from './sud.js';

const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.some((o) => name.startsWith(o));

const redis = await new RedisServer().start();
const figures: Record<string, Figure> = {};
try {
  if (want('recharge_http')) Object.assign(figures, await benchRechargeHttp(redis.url));
  if (want('recharge_socket')) figures.recharge_socket_per_s = await benchRechargeSocket(redis.url);
  if (want('report_rank')) figures.report_rank_ns = await benchReportRank({ redisUrl: redis.url });
  if (want('rank_flush')) figures.rank_flush_requests = await benchRankFlush(redis.url);
  if (want('poll_tick')) figures.poll_tick_ms = await benchPollTick(redis.url);
  if (want('sud_settle')) figures.sud_settle_ratio = await benchSudSettle(redis.url);
} finally {
  await redis.dispose();
}
report(figures);
