import type { BridgeContext } from '../context.js';
import { DeliveryHub } from './DeliveryHub.js';
import { GrantWorker } from './GrantWorker.js';
import { retentionOf, type LedgerOptions } from './options.js';
import { StoreLedger } from './StoreLedger.js';
import { RevokeWorker } from './RevokeWorker.js';
import type { GrantHandler, RevokeHandler } from './types.js';
import { Journal, type JournalOptions, journalOptionsSchema } from './journal.js';
import { NO_OPS } from '../ops/hooks.js';

export interface LedgerServices {
  ledger: StoreLedger;
  deliveries: DeliveryHub;
  worker?: GrantWorker;
  revokeWorker?: RevokeWorker;
}

/**
 * Wires the ledger, its grant worker and grant delivery into the bridge's lifecycle. Without a grant
 * handler, orders are still accepted and kept (nothing is lost) but wait until one is configured.
 */
export function createLedger(
  ctx: BridgeContext,
  options: LedgerOptions,
  handler: GrantHandler | undefined,
  journalOptions: JournalOptions = journalOptionsSchema.parse({}),
  onRevoked?: RevokeHandler,
): LedgerServices {
  const ops = ctx.ops ?? NO_OPS;
  const journal = new Journal(ctx.store, journalOptions);
  const ledger = new StoreLedger(ctx.store, ctx.clock, { journal, ordersPerUser: options.ordersPerUser, retention: retentionOf(options), ops });
  const deliveries = new DeliveryHub(ctx.store, ledger.keys, options, ctx.logger, journal, ctx.clock, ops);
  let worker: GrantWorker | undefined;
  if (handler) {
    worker = new GrantWorker({
      store: ctx.store,
      keys: ledger.keys,
      clock: ctx.clock,
      logger: ctx.logger,
      options,
      handler,
      onGranted: (d) => deliveries.announce(d),
      handOverHere: (userId) => deliveries.handOverHere(userId),
      notice: (d) => deliveries.notice(d),
      onLeaseEvent: ctx.leaseEvents,
      journal,
      ops,
    });
    ledger.onAccepted = () => worker!.kick();
    ledger.taker = worker;
    worker.start();
  } else {
    ctx.logger.warn('no `grant` handler configured: paid orders are recorded but not granted until one is');
  }
  let revokeWorker: RevokeWorker | undefined;
  if (onRevoked) {
    revokeWorker = new RevokeWorker({ store: ctx.store, keys: ledger.keys, clock: ctx.clock, logger: ctx.logger, options, handler: onRevoked, onLeaseEvent: ctx.leaseEvents, journal });
    ledger.onRevoked = () => revokeWorker!.kick();
    revokeWorker.start();
  } else {
    // kept queued: configuring onRevoked later still tells the game about every revocation
    ledger.onRevoked = () => ctx.logger.error('an order was revoked but no `onRevoked` handler is configured: it waits until one is (claw back by hand meanwhile)');
  }
  void deliveries.start();
  ctx.onStopIntake(() => worker?.stop());
  ctx.onStopIntake(() => revokeWorker?.stop());
  ctx.onClose(() => deliveries.close());
  return { ledger, deliveries, worker, revokeWorker };
}
