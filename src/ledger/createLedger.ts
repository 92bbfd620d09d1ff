import type { BridgeContext } from '../context.js';
import { DeliveryHub } from './DeliveryHub.js';
import { GrantWorker } from './GrantWorker.js';
import type { LedgerOptions } from './options.js';
import { StoreLedger } from './StoreLedger.js';
import type { GrantHandler } from './types.js';
import { Journal, type JournalOptions, journalOptionsSchema } from './journal.js';
import { NO_OPS } from '../ops/hooks.js';

export interface LedgerServices {
  ledger: StoreLedger;
  deliveries: DeliveryHub;
  worker?: GrantWorker;
}

/**
 * Wires the ledger, its grant worker and grant delivery into the bridge's lifecycle. Without a grant
 * handler, orders are still accepted and kept (nothing is lost) but wait until one is configured.
 */
export function createLedger(
  ctx: BridgeContext,
  options: LedgerOptions,
  handler: GrantHandler | undefined,
  journalOptions: JournalOptions = ctx.options.journal ?? journalOptionsSchema.parse({}),
): LedgerServices {
  const ops = ctx.ops ?? NO_OPS;
  const journal = new Journal(ctx.store, journalOptions);
  const ledger = new StoreLedger(ctx.store, ctx.clock, { journal, ordersPerUser: options.ordersPerUser, ops });
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
      onLeaseEvent: ctx.leaseEvents,
      journal,
      ops,
    });
    ledger.onAccepted = () => worker!.kick();
    worker.start();
  } else {
    ctx.logger.warn('no `grant` handler configured: paid orders are recorded but not granted until one is');
  }
  void deliveries.start();
  ctx.onStopIntake(() => worker?.stop());
  ctx.onClose(() => deliveries.close());
  return { ledger, deliveries, worker };
}
