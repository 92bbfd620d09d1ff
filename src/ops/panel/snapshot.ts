/**
 * The panel's figures in one JSON document, read per refresh in a bounded number of Redis commands
 * whatever the size of the data: the desk's bounded counts, one short page each of stuck and given-up
 * orders, the serverstate hash and each listed zone's process hash (one field per zone / live process),
 * queue sizes by ZCARD and a short head of the SUD queue. Nothing scans keys.
 */
import type { BridgeContext } from '../../context.js';
import type { HealthReport } from '../../http/health.js';
import type { LedgerRecord } from '../../ledger/types.js';
import { RANK_TYPE } from '../../platforms/gamecenter/client.js';
import { rankKeys } from '../../platforms/gamecenter/ranks/keys.js';
import { orderKeys } from '../../platforms/gamecenter/orders/keys.js';
import { SudKeys } from '../../platforms/sud/keys.js';
import { decodeJob } from '../../platforms/sud/SudJournal.js';
import { ZoneKeys } from '../../serverstate/keys.js';
import type { Desk } from '../desk.js';
import type { PanelActivity } from './activity.js';
import type { PanelOptions } from './options.js';
import { errorText } from '../../errorText.js';
import { parseJsonOr } from '../../json/objectParse.js';

export interface SnapshotDeps {
  ctx: Pick<BridgeContext, 'store' | 'clock' | 'options'>;
  desk: Desk;
  activity: PanelActivity;
  health: () => Promise<HealthReport>;
  gamecenter: boolean;
  sud: boolean;
  serverStateHash: string;
  options: PanelOptions;
}

/** Zones shown at most (the serverstate hash has one field per zone). */
const MAX_ZONES = 200;
const SHORT_PAGE = 20;

export function orderRow(r: LedgerRecord) {
  return {
    key: r.dedupeKey,
    source: r.source,
    orderId: r.orderId,
    userId: r.userId,
    zoneId: r.zoneId,
    amount: r.amount,
    currency: r.currency,
    productId: r.productId,
    state: r.state,
    attempts: r.attempts,
    lastError: r.lastError,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    grantedAt: r.grantedAt,
  };
}

export async function panelSnapshot(d: SnapshotDeps) {
  const { store, clock, options } = d.ctx;
  const now = clock.now();
  const part = async <T>(read: () => Promise<T>): Promise<T | { error: string }> => {
    try {
      return await read();
    } catch (err) {
      return { error: errorText(err) };
    }
  };
  const [health, counts, stuck, givenUp, zones, gamecenter, sud] = await Promise.all([
    d.health(),
    part(() => d.desk.counts()),
    part(async () => (await d.desk.list({ state: 'granting', olderThanMs: d.options.stuckGrantingMs, limit: SHORT_PAGE })).orders.map(orderRow)),
    part(async () => (await d.desk.list({ state: 'given_up', limit: SHORT_PAGE })).orders.map(orderRow)),
    part(() => zoneStates(d, now)),
    d.gamecenter ? part(() => gamecenterQueues(d, now)) : Promise.resolve(undefined),
    d.sud ? part(() => sudQueue(d)) : Promise.resolve(undefined),
  ]);
  return {
    now,
    zoneId: options.zoneId,
    refreshMs: d.options.refreshMs,
    stuckGrantingMs: d.options.stuckGrantingMs,
    health,
    counts,
    stuck,
    givenUp,
    zones,
    gamecenter,
    sud,
    activity: d.activity.snapshot(),
    storeKind: store.kind,
  };
}

async function zoneStates(d: SnapshotDeps, now: number) {
  const { store, options } = d.ctx;
  const keys = new ZoneKeys(store.keys, d.serverStateHash);
  const entries = await store.hgetall(keys.hashName);
  const ids = [...new Set([String(options.zoneId), ...Object.keys(entries)])].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b)).slice(0, MAX_ZONES);
  return Promise.all(
    ids.map(async (zoneId) => {
      const procs = await store.hgetall(keys.procs(zoneId));
      return {
        zoneId,
        entry: parseJson(entries[zoneId]),
        processes: Object.entries(procs)
          .map(([token, raw]) => {
            const c = parseJson(raw) as Record<string, unknown> | undefined;
            const expires = typeof c?.x === 'number' ? c.x : 0;
            return {
              token,
              at: typeof c?.t === 'number' ? c.t : undefined,
              live: expires > now,
              online: c?.on,
              queue: c?.q,
              cpuPercent: typeof c?.cpu === 'number' ? c.cpu / 100 : undefined,
              rssMb: c?.mem,
              host: c?.h,
            };
          })
          .sort((a, b) => a.token.localeCompare(b.token)),
      };
    }),
  );
}

async function gamecenterQueues(d: SnapshotDeps, now: number) {
  const { store } = d.ctx;
  const ranks = await Promise.all(
    Object.entries(RANK_TYPE).map(async ([name, type]) => {
      const k = rankKeys(store.keys, type);
      const [waiting, due] = await Promise.all([store.zcard(k.dirty), store.zrangeByScore(k.dirty, Number.NEGATIVE_INFINITY, now, 1000)]);
      return { type: name.toLowerCase(), waiting, dueNow: due.length, dueNowCapped: due.length >= 1000 };
    }),
  );
  const ok = orderKeys(store.keys);
  const [polling, due] = await Promise.all([store.zcard(ok.due), store.zrangeByScore(ok.due, Number.NEGATIVE_INFINITY, now, 1000)]);
  return { ranks, orders: { polling, dueNow: due.length, dueNowCapped: due.length >= 1000 } };
}

async function sudQueue(d: SnapshotDeps) {
  const { store } = d.ctx;
  const k = new SudKeys(store.keys);
  const [queued, givenUp, head] = await Promise.all([store.zcard(k.due), store.zcard(k.gaveUp), store.zrangeByScore(k.due, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 10)]);
  const jobs = await Promise.all(
    head.map(async ({ member, score }) => {
      const job = decodeJob(member, await store.hgetall(k.job(member)));
      return job ? { id: job.id, kind: job.kind, state: job.state, source: job.source, attempts: job.attempts, lastError: job.lastError, createdAt: job.createdAt, dueAt: score } : undefined;
    }),
  );
  return { queued, givenUp, head: jobs.filter((j) => j !== undefined) };
}

function parseJson(raw: string | undefined): unknown {
  return raw === undefined ? undefined : parseJsonOr(raw, raw);
}
