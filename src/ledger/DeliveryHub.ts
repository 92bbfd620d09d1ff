/**
 * Gets each granted order to the player's room. A grant is written to the player's inbox (in Redis) in
 * the same step that records it as granted; then every process is told over pub/sub, and the one where
 * the player is connected delivers it and removes it from the inbox. A player who is offline finds it
 * there on their next join; a missed pub/sub message is covered by a periodic sweep of connected players.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Store } from '../store/Store.js';
import type { Deliveries } from './Ledger.js';
import type { LedgerKeys } from './keys.js';
import type { LedgerOptions } from './options.js';
import { claimDeliveryScript, deliveredScript, renewDeliveryClaimScript } from './scripts.js';
import { PROCESS_NAME, entry, type Journal } from './journal.js';
import type { GrantDelivery, GrantSink } from './types.js';
import { PlayerAwayError } from './away.js';
import type { Clock } from '../context.js';
import { NO_OPS, type OpsHooks } from '../ops/hooks.js';
import { errorText } from '../errorText.js';

/** Where a sink delivers, for the order's journal. */
export interface SinkLabel {
  roomId?: string;
}

export class DeliveryHub implements Deliveries {
  private readonly owner = randomUUID();
  private readonly sinks = new Map<string, Set<GrantSink>>();
  private readonly labels = new WeakMap<GrantSink, SinkLabel>();
  private readonly flushing = new Map<string, Promise<number>>();
  private unsubscribe?: () => Promise<void>;
  private sweepTimer?: NodeJS.Timeout;
  /** Players with a grant another process had claimed: looked at again when that claim ends. */
  private readonly claimWaits = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly keys: LedgerKeys,
    private readonly options: LedgerOptions,
    private readonly logger: Logger,
    private readonly journal: Journal,
    private readonly clock: Clock = { now: Date.now },
    private readonly ops: OpsHooks = NO_OPS,
  ) {}

  async start(): Promise<void> {
    try {
      this.unsubscribe = await this.store.subscribe(this.keys.channel, (message) => this.onMessage(message));
    } catch (err) {
      this.logger.warn('grant delivery: cannot subscribe yet; connected players are swept instead', { error: errorText(err) });
    }
    this.scheduleSweep();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.sweepTimer);
    for (const t of this.claimWaits.values()) clearTimeout(t);
    this.claimWaits.clear();
    await this.unsubscribe?.().catch(() => undefined);
    this.sinks.clear();
  }

  /** Tells every process that a player has a new grant waiting. */
  announce(delivery: GrantDelivery): void {
    if (this.sinks.has(delivery.userId)) void this.flush(delivery.userId);
    this.store.publish(this.keys.channel, JSON.stringify({ userId: delivery.userId, key: delivery.dedupeKey })).catch(() => {
      // the grant is in the inbox; the sweep or the next join delivers it
    });
  }

  attach(userId: string, sink: GrantSink, label?: SinkLabel): () => void {
    if (label) this.labels.set(sink, label);
    let set = this.sinks.get(userId);
    if (!set) this.sinks.set(userId, (set = new Set()));
    set.add(sink);
    void this.flush(userId);
    return () => {
      const s = this.sinks.get(userId);
      s?.delete(sink);
      if (s && s.size === 0) this.sinks.delete(userId);
    };
  }

  /** One flush per player at a time; a request during a flush runs another after it. */
  flush(userId: string): Promise<number> {
    const running = this.flushing.get(userId);
    if (running) return running.then(() => this.flush(userId));
    const p = this.deliverWaiting(userId).finally(() => this.flushing.delete(userId));
    this.flushing.set(userId, p);
    return p;
  }

  private onMessage(message: string): void {
    try {
      const { userId } = JSON.parse(message) as { userId?: string };
      if (userId && this.sinks.has(userId)) void this.flush(userId);
    } catch {
      this.logger.warn('grant delivery: ignoring a malformed notification');
    }
  }

  private async deliverWaiting(userId: string): Promise<number> {
    if (this.closed || !this.sinks.has(userId)) return 0;
    let waiting: Record<string, string>;
    try {
      waiting = await this.store.hgetall(this.keys.inbox(userId));
    } catch (err) {
      this.logger.warn('grant delivery: cannot read inbox', { userId, error: errorText(err) });
      return 0;
    }
    const entries = Object.entries(waiting)
      .map(([key, json]) => ({ key, delivery: safeParse(json) }))
      .filter((e): e is { key: string; delivery: GrantDelivery } => e.delivery !== undefined)
      .sort((a, b) => a.delivery.grantedAt - b.delivery.grantedAt);
    let delivered = 0;
    for (const { key } of entries) {
      const sinks = [...(this.sinks.get(userId) ?? [])];
      if (!sinks.length) break;
      const claimKey = this.keys.deliveryClaim(key);
      let claim: { json: string } | { busyMs: number } | null;
      try {
        claim = await this.store.run(claimDeliveryScript, [this.keys.inbox(userId), claimKey], [key, this.owner, this.options.deliveryClaimMs]);
      } catch {
        return delivered;
      }
      if (claim === null) continue; // delivered elsewhere
      if ('busyMs' in claim) {
        // being delivered elsewhere: if that process died holding the claim, it ends within deliveryClaimMs
        this.lookAgain(userId, claim.busyMs);
        continue;
      }
      const delivery = safeParse(claim.json)!;
      const renewal = this.keepClaim(claimKey);
      const rooms: string[] = [];
      let accepted = 0;
      for (const sink of sinks) {
        try {
          await sink(delivery);
          accepted++;
          const roomId = this.labels.get(sink)?.roomId;
          if (roomId && !rooms.includes(roomId)) rooms.push(roomId);
        } catch (err) {
          const fields = { userId, order: key, error: errorText(err) };
          // a player inside the reconnection window gets it when back: normal, not an alert
          if (err instanceof PlayerAwayError) this.logger.debug('grant delivery waits for the player to come back', fields);
          else this.logger.error("a room's grant sink threw", fields);
        }
      }
      clearInterval(renewal);
      try {
        if (accepted > 0) {
          const now = this.clock.now();
          const note = entry(now, 'delivered', { process: PROCESS_NAME, rooms: rooms.length ? rooms : undefined, sessions: accepted });
          await this.store.run(deliveredScript, [this.keys.inbox(userId), this.keys.journal(key)], [key, JSON.stringify(note), ...this.journal.bounds]);
          if (delivery.acceptedAt !== undefined) this.ops.delivery(Math.max(0, now - delivery.acceptedAt) / 1000);
          delivered++;
        } else {
          await this.store.del(claimKey);
        }
      } catch {
        // the claim expires; the grant may be shown again later, never lost
      }
    }
    return delivered;
  }

  /** Renews a claim while this process delivers, so that only a dead holder's claim runs out. */
  private keepClaim(claimKey: string): NodeJS.Timeout {
    const every = Math.max(20, Math.floor(this.options.deliveryClaimMs / 3));
    const timer = setInterval(() => {
      this.store.run(renewDeliveryClaimScript, [claimKey], [this.owner, this.options.deliveryClaimMs]).catch(() => {
        // Redis away: the claim may end and another process deliver too; the client's ack key dedupes
      });
    }, every);
    timer.unref();
    return timer;
  }

  private lookAgain(userId: string, busyMs: number): void {
    if (this.closed || this.claimWaits.has(userId)) return;
    const timer = setTimeout(() => {
      this.claimWaits.delete(userId);
      void this.flush(userId).catch(() => 0);
    }, Math.max(10, busyMs) + 20);
    timer.unref();
    this.claimWaits.set(userId, timer);
  }

  private scheduleSweep(): void {
    if (this.closed) return;
    this.sweepTimer = setTimeout(async () => {
      for (const userId of [...this.sinks.keys()]) await this.flush(userId).catch(() => 0);
      this.scheduleSweep();
    }, this.options.deliverySweepMs);
    this.sweepTimer.unref();
  }
}

function safeParse(json: string): GrantDelivery | undefined {
  try {
    return JSON.parse(json) as GrantDelivery;
  } catch {
    return undefined;
  }
}
