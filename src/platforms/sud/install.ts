/**
 * Puts SUD into a bridge: the notify route, the worker that runs the game's handlers, and the
 * `settlements` handle rooms use to report a match themselves (sharing SUD's dedupe on match_id).
 */
import type { BridgeContext } from '../../context.js';
import { settleJobId, eventJobId } from './keys.js';
import { createSudEndpoint } from './http.js';
import type { SudOptions } from './options.js';
import { settlementFromReport, type SettlementReport } from './schemas.js';
import { SudJournal } from './SudJournal.js';
import { SudWorker } from './SudWorker.js';
import { sudNotes } from './notes.js';
import type { ReportOutcome, RoomSettlementDelivery, SudJobRecord } from './types.js';

export interface SudDeps {
  /** Delivers SUD settlements to their live room (the rooms layer's implementation). Absent: not delivered. */
  rooms?: RoomSettlementDelivery;
}

export interface SudSettlements {
  /**
   * Records a settlement a room computed itself. Keyed by `matchId` like SUD's `match.settle`: whichever
   * arrives first runs `onSettlement`, the other is a duplicate. Resolves once Redis has it; rejects with
   * StoreUnavailableError when it cannot be recorded, and with a TypeError for an invalid settlement.
   */
  report(settlement: SettlementReport): Promise<ReportOutcome>;
  /** What Redis holds about a match's settlement (state, attempts, last error). */
  get(matchId: string): Promise<SudJobRecord | undefined>;
  /** Puts a `given_up` settlement back in the queue once its handler is fixed. */
  retry(matchId: string): Promise<boolean>;
}

export interface SudService {
  readonly settlements: SudSettlements;
  readonly events: {
    get(notifyId: string): Promise<SudJobRecord | undefined>;
    retry(notifyId: string): Promise<boolean>;
  };
  /** A recorded notification's raw body, as SUD sent it. */
  notification(notifyId: string): Promise<{ body: string; event: string; job: string; receivedAt: number } | undefined>;
}

const DAY_MS = 86_400_000;

export function installSud(ctx: BridgeContext, options: SudOptions, deps: SudDeps = {}): SudService {
  const recordMs = Math.max(1, Math.round(options.recordDays * DAY_MS));
  const dedupeMs = Math.max(recordMs, Math.round(options.dedupeDays * DAY_MS));
  const journal = new SudJournal(ctx.store, ctx.clock, recordMs);
  const note = sudNotes(ctx.journal, recordMs);
  const worker = new SudWorker({
    store: ctx.store,
    keys: journal.keys,
    clock: ctx.clock,
    logger: ctx.logger,
    options: options.worker,
    recordMs,
    dedupeMs,
    onSettlement: options.onSettlement,
    onEvent: options.onEvent,
    rooms: deps.rooms,
    onLeaseEvent: ctx.leaseEvents,
    note,
  });
  journal.taker = worker;
  ctx.addEndpoint('sudNotify', createSudEndpoint(ctx, { options, journal, handlesEvents: options.onEvent !== undefined, dedupeMs, note }));
  worker.start();
  ctx.onStopIntake(() => worker.stop());

  if (!options.onSettlement) ctx.logger.warn('sud: no `onSettlement` handler configured: settlements are recorded and delivered to rooms, but the game never settles them');
  ctx.setPlatformStatus('sud', {
    enabled: true,
    details: {
      path: options.path,
      appId: options.appId,
      maxSkewSec: options.maxSkewSec,
      ipAllowList: options.ipAllowList?.length ?? 0,
      secretRotation: options.previousAppSecret !== undefined,
      onSettlement: options.onSettlement !== undefined,
      onEvent: options.onEvent !== undefined,
      roomDelivery: deps.rooms !== undefined,
    },
  });

  return {
    settlements: {
      async report(input) {
        const parsed = settlementFromReport(input);
        if (!parsed.ok) throw new TypeError(`settlements.report: ${parsed.reason}`);
        const r = await journal.recordReport(parsed.settlement);
        note?.(settleJobId(parsed.settlement.matchId), 'reported_by_room', { roomId: parsed.settlement.roomId, outcome: r.outcome, state: r.outcome === 'new' ? undefined : r.state });
        if (r.outcome === 'new') return { status: 'accepted' };
        ctx.logger.info('sud: a room reported a match that is already recorded', { matchId: parsed.settlement.matchId, state: r.state });
        return { status: 'duplicate', state: (r.state || 'unknown') as SudJobRecord['state'] };
      },
      get: (matchId) => journal.job(settleJobId(matchId)),
      retry: async (matchId) => {
        const ok = await journal.retry(settleJobId(matchId));
        if (ok) note?.(settleJobId(matchId), 'retried');
        return ok;
      },
    },
    events: {
      get: (notifyId) => journal.job(eventJobId(notifyId)),
      retry: (notifyId) => journal.retry(eventJobId(notifyId)),
    },
    notification: (notifyId) => journal.notification(notifyId),
  };
}
