/**
 * `report_rank_ns`: the median cost of one `reportRank` call made on a room's plugin (a real Colyseus
 * room with the bridge's rooms part installed), beside an empty method call measured the same way in the
 * same run. Each sample times a loop of calls over 10,000 distinct users and divides, so the timer's own
 * cost is spread thin; samples of the two alternate, and the medians are compared.
 */
import { Room, definePlugins, matchMaker } from '@colyseus/core';
import { PlatformPlugin } from '../src/rooms/index.js';
import { bootRooms } from '../test/rooms/harness.js';
import { consoleLogger } from '../src/logger.js';
import { CapturingLogger } from '../test/helpers/logs.js';
import type { Figure } from './lib/report.js';

class RankBenchRoom extends Room {
  override plugins = definePlugins([new PlatformPlugin()]);
}

type Call = (userId: string, kind: 'level' | 'score' | 'checkpoint', value: number) => void;

const USERS = Array.from({ length: 10_000 }, (_, i) => `user-${100_000 + i}`);
const KINDS = ['level', 'score', 'checkpoint'] as const;

function sampleNs(call: Call, calls: number, offset: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const n = offset + i;
    call(USERS[n % USERS.length]!, KINDS[n % 3]!, n);
  }
  return Number(process.hrtime.bigint() - start) / calls;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function benchReportRank(opts: { redisUrl?: string; samples?: number; callsPerSample?: number } = {}): Promise<Figure> {
  const samples = opts.samples ?? 301;
  const calls = opts.callsPerSample ?? 1000;
  const app = await bootRooms({ redis: opts.redisUrl, rooms: { rank_bench: RankBenchRoom }, logger: new CapturingLogger(false), roomsOptions: { serverState: { enabled: false } } });
  try {
    const listing = await matchMaker.createRoom('rank_bench', {});
    const room = matchMaker.getLocalRoomById(listing.roomId) as RankBenchRoom;
    const plugin = room.plugins.platform;
    const report: Call = (u, k, v) => plugin.reportRank(u, k, v);
    const empty = { reportRank(_u: string, _k: string, _v: number): void {} };
    const baseline: Call = (u, k, v) => empty.reportRank(u, k, v);

    for (let w = 0; w < 50; w++) {
      sampleNs(report, calls, w * calls);
      sampleNs(baseline, calls, w * calls);
    }
    const measured: number[] = [];
    const base: number[] = [];
    for (let s = 0; s < samples; s++) {
      measured.push(sampleNs(report, calls, s * calls));
      base.push(sampleNs(baseline, calls, s * calls));
    }
    if (app.rooms.ranks.size === 0) throw new Error('reportRank recorded nothing: the plugin is not bound to the bridge');
    const value = median(measured);
    const baselineNs = median(base);
    return {
      value: round(value),
      unit: 'ns',
      baseline: round(baselineNs),
      ratio: round(value / Math.max(baselineNs, 0.001)),
      target: '≤ 1000',
      ok: value <= 1000,
      note: `median of ${samples} samples × ${calls} calls over ${USERS.length} users; baseline is an empty method call`,
    };
  } finally {
    await app.shutdown();
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

// `tsx bench/reportRank.ts` prints the figure alone
if (import.meta.url === `file://${process.argv[1]}`) {
  const figure = await benchReportRank();
  consoleLogger('info', '[bench]').info('report_rank_ns', { ...figure });
}
