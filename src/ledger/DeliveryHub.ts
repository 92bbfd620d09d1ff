/**
 * Gets each granted order to the player's room. A grant is written to the player's inbox (in Redis), the
 * player to the set of players with waiting grants, and a notice is published to every process, all in the
 * step that records it as granted. The process where the player is connected delivers it and removes it
 * from the inbox (and the player from the waiting set once the inbox is empty). A player who is offline
 * finds it there on their next join. Rooms sending the default message with acknowledgements take it in
 * one step instead (a hand-over, see `HandOver`), and a grant recorded where its player is connected is
 * handed over by the recording step itself, with no inbox entry or notice at all.
 *
 * Work is proportional to grants, not to connected players: a connected player with nothing waiting costs no
 * Redis command. A missed notice (the subscriber reconnecting) is covered by a sweep every
 * `deliverySweepMs` that reads, in one command, only the players whose grants arrived since the previous
 * sweep, and delivers to those connected here; plus the few players here whose last delivery failed.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Store } from '../store/Store.js';
import type { Deliveries } from './Ledger.js';
import type { LedgerKeys } from './keys.js';
import { retentionOf, type LedgerOptions } from './options.js';
import { claimDeliveryScript, deliveredScript, handOverScript, inboxScript, renewDeliveryClaimScript, waitingSinceScript } from './deliveryScripts.js';
import { grantNotice, parseGrantNotice } from './grantNotice.js';
import { PROCESS_NAME, entry, type Journal } from './journal.js';
import type { GrantDelivery, GrantSink, HandOver, LocalHandOver } from './types.js';
import { PlayerAwayError } from './away.js';
import { handOvers } from './handOvers.js';
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
  /** How long an inbox entry is kept (`ledger.recordDays`): older waiting-set entries point at nothing. */
  private readonly recordMs: number;
  /** Players with a grant another process had claimed: looked at again when that claim ends. */
  private readonly claimWaits = new Map<string, NodeJS.Timeout>();
  /** Connected players whose last delivery left a grant behind (a sink threw, the store was away): swept again. */
  private readonly unsettled = new Set<string>();
  /** Where the next sweep reads the waiting set from, on the store's clock; undefined: from the start. */
  private sweepFrom?: number;
  private closed = false;

  constructor(
    private readonly store: Store,
    private readonly keys: LedgerKeys,
    private readonly options: LedgerOptions,
    private readonly logger: Logger,
    private readonly journal: Journal,
    private readonly clock: Clock = { now: Date.now },
    private readonly ops: OpsHooks = NO_OPS,
  ) {
    this.recordMs = retentionOf(options).recordMs;
  }

  async start(): Promise<void> {
    try {
      this.unsubscribe = await this.store.subscribe(this.keys.channel, (message) => this.onMessage(message));
    } catch (err) {
      this.logger.warn('grant delivery: cannot subscribe yet; connected players are swept instead', { error: errorText(err) });
    }
    try {
      // the sweep starts from now: grants from before reach players when they attach here
      this.sweepFrom = (await this.store.run(waitingSinceScript, [this.keys.waiting], ['+inf', 0])).clock - SWEEP_MARGIN_MS;
    } catch {
      // unknown: the first sweep reads the waiting set from its start
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

  /** The notice the grant's recording step publishes (it names this hub, which delivers its own grants at once). */
  notice(delivery: GrantDelivery): string {
    return grantNotice(delivery, this.owner);
  }

  /**
   * A hand-over for the step recording a grant on this process, when every sink of the player here offers
   * one: the grant then skips the inbox, the waiting set and the notice (one Redis step less, and no
   * commands for them), and is sent when recorded. Undefined: record it for delivery as usual.
   */
  handOverHere(userId: string): LocalHandOver | undefined {
    // asked for every grant recorded here: a player not on this process costs a map lookup only
    const here = this.sinks.get(userId);
    if (!here || this.closed) return undefined;
    const sinks = [...here];
    const overs = handOvers(sinks);
    if (!overs) return undefined;
    return {
      keepKey: overs[0]!.keepKey,
      keepMs: overs[0]!.keepMs,
      entry: (at) => this.deliveredEntry(at, sinks),
      send: (delivery) => this.sendHandedOver(delivery, overs),
    };
  }

  /** A grant was recorded on this process (its notice is already published): deliver it if the player is here. */
  announce(delivery: GrantDelivery): void {
    if (this.sinks.has(delivery.userId)) void this.flushOne(delivery.userId, delivery.dedupeKey);
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
      if (s && s.size === 0) {
        this.sinks.delete(userId);
        this.unsettled.delete(userId);
      }
    };
  }

  /** One flush per player at a time; a request during a flush runs another after it. */
  flush(userId: string): Promise<number> {
    return this.flushOne(userId);
  }

  /**
   * Delivers `key` (one grant a notice named: no inbox read needed), or everything waiting when no key is
   * given or a grant of this player was left behind before (then order and completeness matter more).
   */
  private flushOne(userId: string, key?: string): Promise<number> {
    const running = this.flushing.get(userId);
    if (running) return running.then(() => this.flushOne(userId, key));
    const only = key !== undefined && !this.unsettled.has(userId) ? key : undefined;
    const p = this.deliverWaiting(userId, only).finally(() => this.flushing.delete(userId));
    this.flushing.set(userId, p);
    return p;
  }

  private onMessage(message: string): void {
    const notice = parseGrantNotice(message);
    if (!notice) {
      this.logger.warn('grant delivery: ignoring a malformed notification');
      return;
    }
    // a grant recorded here was delivered by announce() already
    if (notice.from === this.owner) return;
    if (this.sinks.has(notice.userId)) void this.flushOne(notice.userId, notice.key);
  }

  /** The grants to deliver, oldest first: the one named, or the player's whole inbox. */
  private async waitingKeys(userId: string, only: string | undefined): Promise<string[] | undefined> {
    if (only !== undefined) return [only];
    try {
      const waiting = await this.store.run(inboxScript, [this.keys.inbox(userId), this.keys.waiting], [userId]);
      return Object.entries(waiting)
        .map(([key, json]) => ({ key, delivery: safeParse(json) }))
        .filter((e): e is { key: string; delivery: GrantDelivery } => e.delivery !== undefined)
        .sort((a, b) => a.delivery.grantedAt - b.delivery.grantedAt)
        .map((e) => e.key);
    } catch (err) {
      this.logger.warn('grant delivery: cannot read inbox', { userId, error: errorText(err) });
      return undefined;
    }
  }

  private async deliverWaiting(userId: string, only?: string): Promise<number> {
    if (this.closed || !this.sinks.has(userId)) return 0;
    const keys = await this.waitingKeys(userId, only);
    if (!keys) {
      this.unsettled.add(userId);
      return 0;
    }
    // a full read that ends with nothing left behind settles the player
    let leftBehind = false;
    let delivered = 0;
    for (const key of keys) {
      const sinks = [...(this.sinks.get(userId) ?? [])];
      if (!sinks.length) break;
      const claimKey = this.keys.deliveryClaim(key);
      const overs = handOvers(sinks);
      if (overs) {
        const handed = await this.handOver(userId, key, claimKey, sinks, overs);
        if (handed === 'away') {
          this.unsettled.add(userId);
          return delivered;
        }
        if (handed) delivered++;
        continue;
      }
      let claim: { json: string } | { busyMs: number } | null;
      try {
        claim = await this.store.run(claimDeliveryScript, [this.keys.inbox(userId), claimKey], [key, this.owner, this.options.deliveryClaimMs]);
      } catch {
        this.unsettled.add(userId);
        return delivered;
      }
      if (claim === null) continue; // delivered elsewhere
      if ('busyMs' in claim) {
        // being delivered elsewhere: if that process died holding the claim, it ends within deliveryClaimMs
        this.lookAgain(userId, claim.busyMs);
        continue;
      }
      const delivery = safeParse(claim.json);
      if (!delivery) continue;
      const renewal = this.keepClaim(claimKey);
      const rooms: string[] = [];
      let accepted = 0;
      let failed = false;
      for (const sink of sinks) {
        try {
          await sink(delivery);
          accepted++;
          const roomId = this.labels.get(sink)?.roomId;
          if (roomId && !rooms.includes(roomId)) rooms.push(roomId);
        } catch (err) {
          const fields = { userId, order: key, error: errorText(err) };
          // a player inside the reconnection window gets it when back (resume): normal, not an alert
          if (err instanceof PlayerAwayError) this.logger.debug('grant delivery waits for the player to come back', fields);
          else {
            failed = true;
            this.logger.error("a room's grant sink threw", fields);
          }
        }
      }
      clearInterval(renewal);
      try {
        if (accepted > 0) {
          const now = this.clock.now();
          const note = entry(now, 'delivered', { process: PROCESS_NAME, rooms: rooms.length ? rooms : undefined, sessions: accepted });
          await this.store.run(deliveredScript, [this.keys.inbox(userId), this.keys.order(key), this.keys.waiting], [key, JSON.stringify(note), this.journal.options.maxEntries, userId]);
          if (delivery.acceptedAt !== undefined) this.ops.delivery(Math.max(0, now - delivery.acceptedAt) / 1000);
          delivered++;
        } else {
          if (failed) leftBehind = true;
          await this.store.del(claimKey);
        }
      } catch {
        // the claim expires; the grant may be shown again later, never lost
        leftBehind = true;
      }
    }
    if (leftBehind) this.unsettled.add(userId);
    else if (only === undefined) this.unsettled.delete(userId);
    return delivered;
  }

  /**
   * Delivers to sinks that all offer a hand-over: one step takes the grant from the inbox into the kept
   * (unacknowledged) hash and journals it, then each sink sends it. Returns whether it was handed over, or
   * 'away' when the store is.
   */
  private async handOver(userId: string, key: string, claimKey: string, sinks: GrantSink[], overs: HandOver[]): Promise<boolean | 'away'> {
    let taken: { json: string } | { busyMs: number } | null;
    try {
      taken = await this.store.run(
        handOverScript,
        [this.keys.inbox(userId), claimKey, this.keys.order(key), this.keys.waiting, overs[0]!.keepKey],
        [key, userId, this.deliveredEntry(this.clock.now(), sinks), this.journal.options.maxEntries, overs[0]!.keepMs],
      );
    } catch {
      return 'away';
    }
    if (taken === null) return false; // delivered elsewhere
    if ('busyMs' in taken) {
      // another process claimed it for a sink of its own: it delivers, or its claim ends
      this.lookAgain(userId, taken.busyMs);
      return false;
    }
    const delivery = safeParse(taken.json);
    if (!delivery) return false;
    this.sendHandedOver(delivery, overs);
    return true;
  }

  private sendHandedOver(delivery: GrantDelivery, overs: HandOver[]): void {
    let sent = 0;
    for (const over of overs) {
      try {
        if (over.send(delivery)) sent++;
      } catch (err) {
        this.logger.error("a room's grant sink threw", { userId: delivery.userId, order: delivery.dedupeKey, error: errorText(err) });
      }
    }
    // kept until acknowledged, so a send that did not happen is made at the player's next join or reconnect
    if (!sent) this.logger.debug('a grant handed over was not sent: the player left meanwhile; it is sent at their next join', { userId: delivery.userId, order: delivery.dedupeKey });
    if (delivery.acceptedAt !== undefined) this.ops.delivery(Math.max(0, this.clock.now() - delivery.acceptedAt) / 1000);
  }

  /** The `delivered` journal entry (JSON) of a hand-over to these sinks, each one session. */
  private deliveredEntry(at: number, sinks: GrantSink[]): string {
    const rooms: string[] = [];
    for (const sink of sinks) {
      const roomId = this.labels.get(sink)?.roomId;
      if (roomId && !rooms.includes(roomId)) rooms.push(roomId);
    }
    return JSON.stringify(entry(at, 'delivered', { process: PROCESS_NAME, rooms: rooms.length ? rooms : undefined, sessions: sinks.length }));
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
    const timer = setTimeout(
      () => {
        this.claimWaits.delete(userId);
        void this.flush(userId).catch(() => 0);
      },
      Math.max(10, busyMs) + 20,
    );
    timer.unref();
    this.claimWaits.set(userId, timer);
  }

  private scheduleSweep(): void {
    if (this.closed) return;
    this.sweepTimer = setTimeout(() => {
      void this.sweep()
        .catch(() => undefined)
        .then(() => this.scheduleSweep());
    }, this.options.deliverySweepMs);
    this.sweepTimer.unref();
  }

  /**
   * One read of the waiting set (the players whose grants arrived since the last sweep), then a delivery
   * for each of them connected here and for each player here left unsettled. Nothing else: a connected
   * player with nothing waiting costs nothing.
   */
  private async sweep(): Promise<void> {
    const due = new Set<string>();
    try {
      const since = this.sweepFrom === undefined ? '-inf' : this.sweepFrom;
      // players who never came back leave the set once their inboxes expired with their records (in the same
      // read: a trim that removes nothing writes nothing, so Redis replicates nothing for it)
      const read = await this.store.run(waitingSinceScript, [this.keys.waiting], [since, SWEEP_READ_LIMIT, this.recordMs]);
      for (const { userId } of read.users) if (this.sinks.has(userId)) due.add(userId);
      // a full page: more arrived than one read takes; the next sweep goes on from the last one read
      const last = read.users.at(-1);
      this.sweepFrom = read.users.length >= SWEEP_READ_LIMIT && last ? Math.max(last.at, (this.sweepFrom ?? -Infinity) + 1) : read.clock - SWEEP_MARGIN_MS;
    } catch {
      // the store is away: the cursor stays, so the next sweep reads what this one missed
    }
    for (const userId of this.unsettled) {
      if (this.sinks.has(userId)) due.add(userId);
      else this.unsettled.delete(userId);
    }
    for (const userId of due) {
      if (this.closed) return;
      await this.flush(userId).catch(() => 0);
    }
  }
}

/** Players read from the waiting set per sweep, at most (bounds one sweep's work after a burst). */
const SWEEP_READ_LIMIT = 5000;
/**
 * How far back each sweep reads again (ms on the store's clock): a failover to a replica whose clock is a
 * little behind must not hide grants. Delivered players have left the set, so re-reading costs little.
 */
const SWEEP_MARGIN_MS = 2000;

function safeParse(json: string): GrantDelivery | undefined {
  try {
    return JSON.parse(json) as GrantDelivery;
  } catch {
    return undefined;
  }
}
