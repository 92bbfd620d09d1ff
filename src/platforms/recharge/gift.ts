/**
 * Gift-code redemption (document section 4). The reply is the request echoed back exactly as received,
 * plus `code` and `desc`. The game's handler runs at most once per (userId, codeNo): the redemption is
 * claimed in the store before the handler runs, its answer is recorded, and a handler that throws releases
 * the claim so the platform's retry can run it again.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { hasLoneSurrogate } from '../../ledger/storable.js';
import { z } from 'zod';
import type { Clock } from '../../context.js';
import type { Logger, LogFields } from '../../logger.js';
import { StoreUnavailableError, type Store } from '../../store/Store.js';
import { createZoneFilter, skewSeconds } from './checks.js';
import { giftFormatProblem } from './formats.js';
import { GIFT_CODE, GIFT_SUCCESS_DESC } from './codes.js';
import { GiftClaims, type GiftAnswer } from './giftClaim.js';
import { asciiJsonValue } from '../../json/ascii.js';
import { echoObject, fieldText, type SourcedObject } from '../../json/sourcedObject.js';
import type { RechargeOptions } from './options.js';
import { GIFT_SIGNED, checkPayload, giftPayloadSchema, signedText } from './schemas.js';
import { verifyGiftSign, type GiftSignedFields } from './sign.js';
import type { GiftHandlerResult, GiftRequest } from './types.js';
import { HandlerTimeoutError } from '../../workers/lease/runHandler.js';
import { errorText } from '../../errorText.js';

export interface GiftRedeemerDeps {
  options: RechargeOptions;
  store: Store;
  logger: Logger;
  clock: Clock;
}

const handlerResultSchema = z.object({
  ok: z.boolean(),
  desc: z.string().optional(),
  code: z.string().min(1).optional(),
});

const LOGGED_IDS = ['userId', 'roleId', 'codeNo', 'giftId', 'zoneId'] as const;
const DAY_MS = 86_400_000;

export class GiftRedeemer {
  private readonly claims: GiftClaims;
  private readonly zoneServed: (zone: string) => boolean;
  private readonly idPattern: RegExp;
  /** This process in log lines about lost claims. */
  private readonly owner = `${process.pid}`;

  constructor(private readonly deps: GiftRedeemerDeps) {
    this.claims = new GiftClaims(deps.store, deps.options.giftClaimLeaseMs, {
      recordMs: Math.max(1, Math.round(deps.options.giftRecordDays * DAY_MS)),
      dedupeMs: Math.max(1, Math.round(Math.max(deps.options.giftDedupeDays, deps.options.giftRecordDays) * DAY_MS)),
    });
    this.zoneServed = createZoneFilter(deps.options.zones);
    this.idPattern = new RegExp(deps.options.idPattern);
  }

  /** Redeems one request and resolves the reply object; never rejects. */
  async redeem(obj: SourcedObject, remoteAddress: string): Promise<Record<string, unknown>> {
    const answer = await this.answer(obj, remoteAddress);
    return { ...echoObject(obj), code: answer.code, desc: asciiJsonValue(answer.desc) };
  }

  private async answer(obj: SourcedObject, peer: string): Promise<Omit<GiftAnswer, 'ok'>> {
    const { options, logger, clock } = this.deps;
    const handler = options.giftHandler;
    if (options.giftKey === undefined || handler === undefined) {
      return this.refuse(obj, peer, GIFT_CODE.notServed, 'gift codes are not enabled on this server');
    }
    const checked = checkPayload(giftPayloadSchema, obj);
    if (!checked.ok) return this.refuse(obj, peer, GIFT_CODE.malformed, `bad field ${checked.field}: ${checked.reason}`);
    const signed: GiftSignedFields = signedText(obj, GIFT_SIGNED);
    // the claim key is built from these: a lone surrogate would be stored as U+FFFD and collide with others
    for (const field of ['userId', 'codeNo', 'zoneId'] as const) {
      if (hasLoneSurrogate(signed[field] ?? '')) return this.refuse(obj, peer, GIFT_CODE.malformed, `bad field ${field}: holds a lone UTF-16 surrogate (an escape such as \\ud800)`);
    }
    if (!verifyGiftSign(checked.payload.sign, signed, options.giftKey)) return this.refuse(obj, peer, GIFT_CODE.badSign, 'bad sign');
    if (!this.zoneServed(signed.zoneId)) return this.refuse(obj, peer, GIFT_CODE.notServed, `zone ${signed.zoneId} is not served here`);
    if (options.maxClockSkewSec > 0) {
      const skew = skewSeconds(signed.lTime, clock.now(), options.timeUnit);
      if (skew > options.maxClockSkewSec) {
        return this.refuse(obj, peer, GIFT_CODE.stale, `lTime is ${skew} s away from server time (limit ${options.maxClockSkewSec} s)`);
      }
    }

    const format = giftFormatProblem(signed, this.idPattern, options.timeUnit);
    if (format) return this.refuse(obj, peer, GIFT_CODE.malformed, `bad field ${format.field}: ${format.reason}`);

    const key = this.claims.keyOf(signed.userId, signed.codeNo);
    const token = `${clock.now()}-${randomBytes(8).toString('hex')}`;
    let claim;
    const since = performance.now();
    try {
      const bound = await this.claims.bindSign(checked.payload.sign, key);
      if (bound !== key) {
        return this.refuse(obj, peer, GIFT_CODE.duplicate, 'this sign belongs to another redemption (the same signed text with its fields re-cut: a replay)');
      }
      claim = await this.claims.claim(key, token);
    } catch (error) {
      return this.storeFailure(obj, peer, error);
    }
    if (claim.status === 'running') return this.refuse(obj, peer, GIFT_CODE.inProgress, 'this redemption is in progress, retry later');
    if (claim.status === 'done') {
      try {
        // repeated only once the record is on the replicas (the first answer may have been "retry later")
        await this.deps.store.confirmDurable();
      } catch (error) {
        return this.storeFailure(obj, peer, error);
      }
      const a = claim.answer;
      if (a.ok) return this.refuse(obj, peer, GIFT_CODE.duplicate, 'gift code already redeemed by this user');
      // a recorded refusal is repeated as it was: the handler decided, and does not run again
      return this.refuse(obj, peer, a.code, a.desc || 'gift code refused');
    }

    try {
      // the claim is what keeps a failover from running the handler for a retry while this run goes on
      await this.deps.store.confirmDurable();
    } catch (error) {
      await this.claims.release(key, token).catch(() => undefined);
      return this.storeFailure(obj, peer, error);
    }

    const held = this.claims.hold(key, token, since, (why) =>
      logger.warn(`gift claim lost (${why}); stopping the handler before a retry may run it, nothing recorded`, { ...this.ids(obj, peer), process: this.owner }),
    );
    const request = this.toRequest(obj, signed, peer, held.abort.signal);
    let result: GiftHandlerResult;
    try {
      result = handlerResultSchema.parse(await this.bounded(handler(request), held.abort));
    } catch (error) {
      held.stop();
      if (held.lost) return { code: GIFT_CODE.internal, desc: 'gift handler interrupted, retry later' };
      if (error instanceof HandlerTimeoutError) {
        logger.warn('gift handler timed out: its signal is aborted and the redemption can be retried', { ...this.ids(obj, peer), timeoutMs: options.giftHandlerTimeoutMs });
      }
      await this.claims.release(key, token).catch((releaseError: unknown) => {
        logger.error('gift claim could not be released after the handler failed; a retry is refused until the claim expires', {
          ...this.ids(obj, peer),
          error: releaseError,
          leaseMs: options.giftClaimLeaseMs,
        });
      });
      if (!(error instanceof HandlerTimeoutError)) logger.error('gift handler failed; the redemption can be retried', { ...this.ids(obj, peer), error });
      return { code: GIFT_CODE.internal, desc: 'gift handler failed, retry later' };
    }
    held.stop();
    // the claim may have lapsed while the handler finished: a retry may run it again, so nothing is recorded
    if (held.lost) return { code: GIFT_CODE.internal, desc: 'gift handler interrupted, retry later' };

    const answer = this.toAnswer(result, obj, peer);
    try {
      const roleId = fieldText(obj, 'roleId');
      const finished = await this.claims.finish(key, checked.payload.sign, answer, { giftId: signed.giftId, zoneId: signed.zoneId, ...(roleId ? { roleId } : {}), at: clock.now() });
      if (!finished.recordKept) {
        logger.warn('gift redemption recorded, but its full record or sign binding could not be written (duplicates are still recognised)', this.ids(obj, peer));
      }
      // the game has decided (its own store is the record of the gift): its answer is given either way
      await this.deps.store.confirmDurable().catch((error: unknown) => {
        logger.warn('gift redemption recorded but not yet confirmed by the replicas; the game handler keeps its idempotency key as the record', {
          ...this.ids(obj, peer),
          error: errorText(error),
        });
      });
    } catch (error) {
      // the handler ran: answering its result is right; only the record of it is missing
      logger.error('gift redeemed but its record could not be written; the claim stays held until it expires', {
        ...this.ids(obj, peer),
        error,
        leaseMs: options.giftClaimLeaseMs,
      });
    }
    if (answer.ok) logger.info('gift code redeemed', this.ids(obj, peer));
    else logger.warn(`gift code refused by the game: ${answer.desc}`, { ...this.ids(obj, peer), code: answer.code });
    return answer;
  }

  private toAnswer(result: GiftHandlerResult, obj: SourcedObject, peer: string): GiftAnswer {
    if (result.ok) return { ok: true, code: GIFT_CODE.ok, desc: result.desc ?? GIFT_SUCCESS_DESC };
    let code = result.code ?? GIFT_CODE.refused;
    if (code === GIFT_CODE.ok) {
      this.deps.logger.warn('gift handler refused with code "1" (success); answering "0" instead', this.ids(obj, peer));
      code = GIFT_CODE.refused;
    }
    return { ok: false, code, desc: result.desc ?? 'gift code refused' };
  }

  /** The handler's promise, ended early by its deadline or by the claim being lost (both abort its signal). */
  private bounded<T>(work: Promise<T>, abort: AbortController): Promise<T> {
    const timeoutMs = this.deps.options.giftHandlerTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      // the signal is aborted only with an Error: the deadline's HandlerTimeoutError or the claim's loss
      onAbort = () => reject(abort.signal.reason as Error);
      abort.signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => abort.abort(new HandlerTimeoutError(timeoutMs)), timeoutMs);
      timer.unref();
    });
    return Promise.race([work, stopped]).finally(() => {
      clearTimeout(timer);
      if (onAbort) abort.signal.removeEventListener('abort', onAbort);
    });
  }

  private toRequest(obj: SourcedObject, signed: GiftSignedFields, peer: string, signal: AbortSignal): GiftRequest {
    const request: GiftRequest = {
      signal,
      idempotencyKey: `gift:${signed.userId}:${signed.codeNo}`,
      userId: signed.userId,
      codeNo: signed.codeNo,
      giftId: signed.giftId,
      zoneId: signed.zoneId,
      lTime: signed.lTime,
      remoteAddress: peer,
      unsigned: {},
      raw: obj.value,
    };
    const roleId = fieldText(obj, 'roleId');
    if (roleId) request.unsigned.roleId = roleId;
    const changeTime = fieldText(obj, 'changeTime') ?? fieldText(obj, 'chargeTime');
    if (changeTime !== undefined) request.unsigned.changeTime = changeTime;
    return request;
  }

  private storeFailure(obj: SourcedObject, peer: string, error: unknown): Omit<GiftAnswer, 'ok'> {
    if (error instanceof StoreUnavailableError) {
      return this.refuse(obj, peer, GIFT_CODE.unavailable, 'store unavailable, retry later', { error: error.message });
    }
    this.deps.logger.error('gift claim failed', { ...this.ids(obj, peer), error });
    return { code: GIFT_CODE.internal, desc: 'internal error, retry later' };
  }

  private refuse(obj: SourcedObject, peer: string, code: string, desc: string, extra: LogFields = {}): Omit<GiftAnswer, 'ok'> {
    this.deps.logger.warn(`gift code refused: ${desc}`, { ...this.ids(obj, peer), code, ...extra });
    return { code, desc };
  }

  private ids(obj: SourcedObject, peer: string): LogFields {
    const out: LogFields = { path: 'socket', peer };
    for (const field of LOGGED_IDS) {
      const t = fieldText(obj, field);
      if (t !== undefined) out[field] = t.length > 80 ? `${t.slice(0, 80)}…` : t;
    }
    return out;
  }
}
