/**
 * What each part of the bridge is given at register time. Features (health, each platform, the workers)
 * install themselves into a context instead of reaching for module-level state, so two servers in one
 * test process do not share anything and each part can be tested on its own.
 */
import type { LeaseEventListener } from './workers/lease/Lease.js';
import type { Server } from '@colyseus/core';
import type { Endpoint } from '@colyseus/core';
import type { Logger } from './logger.js';
import type { HttpOptions } from './http/options.js';
import type { Store } from './store/Store.js';
import type { PeerStamp } from './http/peer.js';
import type { OpsHooks } from './ops/hooks.js';
import type { SubjectJournal } from './ledger/journal.js';

export type { Clock } from './clock.js';
import type { Clock } from './clock.js';

/**
 * The part of the options every feature may read from its context. Each feature is handed its own options
 * by the register call; the context carries only what is common, so it does not depend on every feature's
 * schema (config.ts imports them all).
 */
export interface ContextOptions {
  /** The zone / server id this process serves. */
  readonly zoneId: number;
  readonly http: HttpOptions;
}

export interface PlatformStatus {
  enabled: boolean;
  /** Extra facts for the health route (ports, modes); never secrets. */
  details?: Record<string, unknown>;
  /** Why the platform cannot take all of its traffic (e.g. its socket is not listening): health says `degraded`. */
  problem?: string;
}

export interface BridgeContext {
  readonly options: ContextOptions;
  readonly store: Store;
  readonly logger: Logger;
  readonly server: Server;
  readonly peer: PeerStamp;
  readonly clock: Clock;
  /** Adds a route to the server's router (before or after listen). */
  addEndpoint(name: string, endpoint: Endpoint): void;
  /** Reports a platform in the health route. */
  setPlatformStatus(name: string, status: PlatformStatus): void;
  /** Runs when shutdown begins: stop taking new work (sockets, webhooks). */
  onStopIntake(fn: () => void | Promise<void>): void;
  /** Runs at close, in reverse order of registration, before the store closes. */
  onClose(fn: () => void | Promise<void>): void;
  /** True once shutdown has begun; routes answer "unavailable" from then on. */
  readonly stopping: boolean;
  /** Told about every lease event of the bridge's workers (lost, taken over, timed out); see `bridge.onLeaseEvent`. */
  readonly leaseEvents?: LeaseEventListener;
  /** Counts for the metrics (callbacks answered, orders, GameCenter calls); absent: nothing counted. */
  readonly ops?: OpsHooks;
  /** Timelines of SUD jobs and GameCenter orders and transfers, for the desk; absent: nothing journaled. */
  readonly journal?: SubjectJournal;
  /**
   * Whether a request comes from an operator: the admin token, from an address on the admin allow-list.
   * What a route shows only to operators (the health route's detail) asks this; false when the admin API is off.
   */
  operatorAuthorized?(headers: Headers): boolean;
}
