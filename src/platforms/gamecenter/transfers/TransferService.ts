/**
 * Payouts from the merchant account to a user's wallet (transfer.new), and the poller that reports each
 * one's final outcome (transfer.check_status: 2 success, 3 failed) to the game's handler once.
 *
 * transfer.new is never repeated by this code: a repeat after a lost answer could pay twice and the API has
 * no idempotency key. The game's `reference` stands in for one: it is guarded in Redis before the call,
 * so the same reference cannot start a second payout, and it stays guarded ('unknown') when the call's
 * outcome cannot be known, for an operator to reconcile.
 */
import type { Clock } from '../../../context.js';
import type { Logger } from '../../../logger.js';
import type { Store } from '../../../store/Store.js';
import type { SubjectJournal } from '../../../ledger/journal.js';
import type { GameCenterClient } from '../client.js';
import { GameCenterErrorCode, GameCenterRequestError, isGameCenterError, isGameCenterTransportError } from '../errors.js';
import type { GameCenterTransferStatus } from '../schemas.js';
import { TRANSFER_STATUS } from '../schemas.js';
import { transferKeys } from './keys.js';
import type { TransferKeys } from './keys.js';
import { claimedTransfer, claimTransfersScript, recordTransferScript, reserveReferenceScript, settleTransferScript } from './scripts.js';
import type { ClaimedTransfer } from './scripts.js';
import type { NewTransferRequest, TrackedTransfer, TransferHandler, TransferOutcome, TransferState } from './types.js';
import { HandlerTimeoutError } from '../../../workers/lease/runHandler.js';
import { errorText } from '../../../errorText.js';
import { backoffDelay } from '../../../backoff.js';
import { parseJsonOr } from '../../../json/objectParse.js';

export interface TransferServiceOptions {
  /** Check interval during a transfer's first hour. */
  pollMs: number;
  /** Check interval after that. */
  slowPollMs: number;
  /** How long a poller owns a transfer it claimed. */
  leaseMs: number;
  /** Transfers claimed per tick. */
  claimLimit: number;
  /** Ids per transfer.check_status call. */
  checkChunkSize: number;
  /** Delay before calling a failed handler again; doubles per attempt up to 32×. */
  handlerRetryMs: number;
  /** Deadline of one handler call (below leaseMs). */
  handlerTimeoutMs: number;
  /** How long a reported transfer keeps its record (`gamecenter.recordDays`) and its reference stays used (`gamecenter.dedupeDays`); default 90 and 400 days. */
  retention?: { recordMs: number; dedupeMs: number };
}

export interface TransferServiceDeps {
  store: Store;
  client: Pick<GameCenterClient, 'newTransfer' | 'checkTransfers'>;
  clock: Clock;
  logger: Logger;
  options: TransferServiceOptions;
  handler?: TransferHandler;
  /** Where each transfer's creation, final status and report are journaled (the desk's timeline). */
  journal?: SubjectJournal;
}

/** A reference that already started a payout (or whose payout's outcome is unknown). */
export class DuplicateTransferReferenceError extends Error {
  override name = 'DuplicateTransferReferenceError';
  constructor(
    readonly reference: string,
    /** The transfer it started, or 'pending' (in progress) / 'unknown' (needs reconciling). */
    readonly existing: string,
  ) {
    super(`transfer reference ${JSON.stringify(reference)} was already used (${existing})`);
  }
}

export interface NewTransferResult {
  transferId: string;
  /** False when the payout was made but could not be recorded (Redis away): its outcome will not be reported. */
  tracked: boolean;
}

const SLOW_AFTER_MS = 3_600_000;
const DAY_MS = 86_400_000;
const DEFAULT_TRANSFER_RETENTION = { recordMs: 90 * DAY_MS, dedupeMs: 400 * DAY_MS };

export class TransferService {
  readonly keys: TransferKeys;

  constructor(private readonly d: TransferServiceDeps) {
    this.keys = transferKeys(d.store.keys);
  }

  async newTransfer(req: NewTransferRequest): Promise<NewTransferResult> {
    if (typeof req.reference !== 'string' || req.reference === '') throw new TypeError('reference must be a non-empty string');
    const { store, logger, clock } = this.d;
    const refKey = this.keys.refPrefix + req.reference;
    const held = await store.run(reserveReferenceScript, [refKey, this.keys.refs], [req.reference]);
    if (held !== null) throw new DuplicateTransferReferenceError(req.reference, held);
    let transferId: string;
    try {
      transferId = await this.d.client.newTransfer({ userToken: req.userToken, amount: req.amount });
    } catch (err) {
      if (definitelyNotMade(err)) {
        await store.del(refKey).catch(() => undefined);
      } else {
        await store.set(refKey, 'unknown').catch(() => undefined);
        logger.error('GameCenter transfer outcome unknown: the reference stays blocked until an operator reconciles it', { reference: req.reference, error: errorText(err) });
        this.d.journal?.note('gamecenter-transfer', `ref:${req.reference}`, 'outcome_unknown', { reference: req.reference, amount: req.amount, error: errorText(err) });
      }
      throw err;
    }
    const now = clock.now();
    try {
      await store.run(
        recordTransferScript,
        [this.keys.transferPrefix + transferId, this.keys.due, refKey],
        [now, transferId, req.reference, now + this.d.options.pollMs, 'amount', String(req.amount)],
      );
    } catch (err) {
      logger.error('GameCenter transfer made but not recorded: its outcome will not be reported', { transferId, reference: req.reference, error: errorText(err) });
      return { transferId, tracked: false };
    }
    logger.info('GameCenter transfer created', { transferId, reference: req.reference });
    this.d.journal?.note('gamecenter-transfer', transferId, 'created', { reference: req.reference, amount: req.amount });
    return { transferId, tracked: true };
  }

  async get(transferId: string): Promise<TrackedTransfer | undefined> {
    const h = await this.d.store.hgetall(this.keys.transferPrefix + transferId);
    if (!h.state) return undefined;
    return {
      transferId,
      reference: h.reference!,
      state: h.state as TransferState,
      status: h.status === undefined ? undefined : Number(h.status),
      createdAt: Number(h.createdAt),
      checks: Number(h.checks ?? 0),
      reportAttempts: Number(h.reportAttempts ?? 0),
    };
  }

  /** Checks due transfers and reports the final ones. */
  async tick(): Promise<{ claimed: number; more: boolean }> {
    const { store, clock, options } = this.d;
    const claimed = (await store.run(claimTransfersScript, [this.keys.due], [clock.now(), options.claimLimit, options.leaseMs, this.keys.transferPrefix])).map(claimedTransfer);
    const open = claimed.filter((c) => c.state === 'open');
    for (let i = 0; i < open.length; i += options.checkChunkSize) await this.check(open.slice(i, i + options.checkChunkSize));
    // outcomes a handler has not taken yet (it threw, or its process died mid-call)
    for (const c of claimed.filter((x) => x.state === 'reporting')) await this.report(c, undefined);
    return { claimed: claimed.length, more: claimed.length === options.claimLimit };
  }

  private async check(chunk: ClaimedTransfer[]): Promise<void> {
    let answers: Map<string, GameCenterTransferStatus>;
    try {
      answers = await this.d.client.checkTransfers(chunk.map((c) => c.transferId));
    } catch (err) {
      this.d.logger.warn('GameCenter transfer check failed; checked again later', { transfers: chunk.length, error: errorText(err) });
      for (const c of chunk) await this.settle(c, 'open', this.nextCheck(c), {});
      return;
    }
    for (const c of chunk) {
      const a = answers.get(c.transferId);
      if (a && (a.status === TRANSFER_STATUS.SUCCESS || a.status === TRANSFER_STATUS.FAILED)) {
        // the lease still protects it while the handler runs; the fence makes only this holder's report count
        const held = await this.settle(c, 'reporting', this.d.clock.now() + this.d.options.leaseMs, { status: String(a.status), answer: JSON.stringify(a) }, true);
        if (held) await this.report(c, a);
      } else {
        await this.settle(c, 'open', this.nextCheck(c), a ? { status: String(a.status) } : {}, a !== undefined);
      }
    }
  }

  private async report(c: ClaimedTransfer, answer: GameCenterTransferStatus | undefined): Promise<void> {
    const h = await this.d.store.hgetall(this.keys.transferPrefix + c.transferId);
    const a = answer ?? (parseJson(h.answer) as GameCenterTransferStatus | undefined);
    if (!a) return;
    const outcome: TransferOutcome = {
      transferId: c.transferId,
      reference: h.reference ?? '',
      outcome: a.status === TRANSFER_STATUS.SUCCESS ? 'success' : 'failed',
      status: a.status,
      amount: a.amount,
      currency: a.currency,
      userId: a.user_id,
      raw: { ...a },
    };
    const attempts = Number(h.reportAttempts ?? 0) + 1;
    try {
      if (this.d.handler) await this.callHandler(this.d.handler, outcome);
    } catch (err) {
      const delay = backoffDelay(attempts, { baseMs: this.d.options.handlerRetryMs, maxDoublings: 5 });
      this.d.logger.warn('transfer outcome handler failed; it is called again later', { transferId: c.transferId, attempt: attempts, retryInMs: delay, error: errorText(err) });
      this.d.journal?.note('gamecenter-transfer', c.transferId, 'report_failed', { attempt: attempts, error: errorText(err), retryAt: this.d.clock.now() + delay });
      await this.settle(c, 'reporting', this.d.clock.now() + delay, { reportAttempts: String(attempts) });
      return;
    }
    if (!this.d.handler) this.d.logger.info('GameCenter transfer final (no onTransfer handler configured)', { transferId: c.transferId, outcome: outcome.outcome });
    await this.settle(c, 'reported', '', { reportAttempts: String(attempts), reportedAt: String(this.d.clock.now()) });
    this.d.journal?.note('gamecenter-transfer', c.transferId, 'final', {
      outcome: outcome.outcome,
      status: outcome.status,
      amount: outcome.amount,
      currency: outcome.currency,
      userId: outcome.userId,
      reported: this.d.handler !== undefined,
      attempt: attempts,
    });
  }

  /** Calls the handler under its deadline: past it, the signal aborts and the call counts as failed. */
  private async callHandler(handler: TransferHandler, outcome: TransferOutcome): Promise<void> {
    const abort = new AbortController();
    const timeoutMs = this.d.options.handlerTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new HandlerTimeoutError(timeoutMs);
        this.d.logger.warn('transfer outcome handler timed out: its signal is aborted and the call counts as failed', { transferId: outcome.transferId, timeoutMs });
        abort.abort(error);
        reject(error);
      }, timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([Promise.resolve().then(() => handler(outcome, { signal: abort.signal })), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private nextCheck(c: ClaimedTransfer): number {
    const now = this.d.clock.now();
    return now + (now - c.createdAt < SLOW_AFTER_MS ? this.d.options.pollMs : this.d.options.slowPollMs);
  }

  private async settle(c: ClaimedTransfer, state: TransferState, nextAt: number | '', fields: Record<string, string>, answered = false): Promise<boolean> {
    const k = this.keys.transferPrefix + c.transferId;
    try {
      const pairs = Object.entries(fields).flat();
      if (answered) pairs.push('lastCheckAt', String(this.d.clock.now()));
      const { recordMs, dedupeMs } = this.d.options.retention ?? DEFAULT_TRANSFER_RETENTION;
      const ok = await this.d.store.run(
        settleTransferScript,
        [k, this.keys.due, this.keys.refPrefix + c.reference],
        [this.d.clock.now(), c.fence, c.transferId, state, nextAt, recordMs, dedupeMs, ...pairs],
      );
      if (ok && answered) await this.d.store.hincrby(k, 'checks', 1);
      return ok;
    } catch (err) {
      this.d.logger.warn('could not record a transfer check; it is retried when the lease ends', { transferId: c.transferId, error: errorText(err) });
      return false;
    }
  }
}

/** GameCenter answered with a refusal, the client refused locally, or the request provably never left. */
function definitelyNotMade(err: unknown): boolean {
  if (err instanceof GameCenterRequestError) return true;
  if (isGameCenterTransportError(err)) return err.reachedServer === false;
  // 900 is the platform failing internally: it may have paid before failing
  return isGameCenterError(err) && err.code !== GameCenterErrorCode.INTERNAL;
}

function parseJson(s: string | undefined): unknown {
  return s === undefined ? undefined : parseJsonOr(s, undefined);
}
