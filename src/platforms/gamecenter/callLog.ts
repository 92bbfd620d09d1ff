/**
 * The one place every GameCenter call's outcome passes, after its last attempt: one info line per
 * successful call (api, items, code), so an operator sees traffic flow and request metrics have a single
 * place to hook in; one line per failed call; and the watch for a run of refusals that means the
 * configuration is wrong rather than one request. Parameters are never logged: they hold tokens.
 */
import type { Logger } from '../../logger.js';
import { GameCenterError, GameCenterErrorCode, GameCenterTransportError } from './errors.js';

/** Refused calls (999/923) in a row, with no success between, after which the likely causes are logged. */
export const ALL_REFUSED_AFTER = 3;

export class CallLog {
  /** Calls refused with 999/923 since the last success. */
  private refusedInARow = 0;
  private readonly refusedApis = new Set<string>();
  private allRefusedLogged = false;

  constructor(
    private readonly logger: Logger,
    private readonly where: { baseUrl: string; appId: string },
  ) {}

  /** A call answered with code 0; `items` is what it carried (rank pairs, zone rows, order ids, 1 otherwise). */
  ok(api: string, items: number, attempts: number): void {
    this.refusedInARow = 0;
    this.refusedApis.clear();
    this.allRefusedLogged = false;
    this.logger.info('GameCenter call ok', { api, items, code: 0, attempts });
  }

  /** A call that failed for good; `moneyCall` for APIs never repeated (order.new_exchange, transfer.new). */
  failed(api: string, e: unknown, attempts: number, moneyCall: boolean): void {
    if (e instanceof GameCenterError) {
      this.logger.warn('GameCenter call failed', { endpoint: api, code: e.code, msg: e.msg, attempts });
      this.noteRefusal(api, e.code);
    } else if (e instanceof GameCenterTransportError) {
      const fields = { endpoint: api, code: e.kind, status: e.status, errno: e.errno, reachedServer: e.reachedServer, attempts };
      // A money call whose request may have arrived needs an operator to reconcile, not just a retry later.
      if (moneyCall && e.reachedServer !== false) this.logger.error('GameCenter money call outcome unknown', fields);
      else this.logger.warn('GameCenter call failed', fields);
    } else {
      this.logger.error('GameCenter call failed unexpectedly', { endpoint: api, error: e, attempts });
    }
  }

  /*
   * A wrong secret, app id or sign variant does not fail one call: it fails every call, each with 999
   * ("invalid parameter", which is how a signature mismatch is answered) or 923. Each failure has its own
   * warn line; once several calls in a row are refused with no success between, one error line says what
   * to check. It is logged again only after a success ends the run.
   */
  private noteRefusal(api: string, code: number): void {
    if (code !== GameCenterErrorCode.INVALID_PARAMETER && code !== GameCenterErrorCode.NO_PERMISSION) return;
    this.refusedInARow++;
    this.refusedApis.add(api);
    if (this.allRefusedLogged || this.refusedInARow < ALL_REFUSED_AFTER) return;
    this.allRefusedLogged = true;
    this.logger.error(
      'every GameCenter call is refused: check gamecenter.secret (the server secret), gamecenter.appId, and the sign variant gamecenter.sign (the defaults follow the document: sorted decoded k=v joined by &, secret appended, sha256 lower-case hex)',
      { refusedCalls: this.refusedInARow, apis: [...this.refusedApis], lastCode: code, baseUrl: this.where.baseUrl, appId: this.where.appId },
    );
  }
}
