/**
 * Grants the client acknowledges. A `grant` message can be lost after the server sent it: the client may
 * register its handler too late (the SDK drops messages that arrive before), crash, or lose its connection.
 * So a grant sent with the default message is kept per player until the client answers `grant:ack` with its
 * key (the helper in `colyseus-platform-bridge/client` does), and one not acknowledged is sent again at the
 * player's next join or reconnect. Entries expire after `keepDays`, so a client that never acknowledges
 * (an old build) does not keep them forever.
 *
 * The hash lives in the ledger's `{ledger}` slot, so the ledger can move a grant from the inbox into it in
 * the same step (a hand-over: see `handOverScript`). Before that it was `{grant-acks}:<userId>`; entries
 * kept there by an older version are still read, sent again and acknowledged until they expire.
 */
import type { GrantDelivery } from '../../ledger/types.js';
import type { Logger } from '../../logger.js';
import type { KeySpace } from '../../store/KeySpace.js';
import type { Store } from '../../store/Store.js';
import { defineScript } from '../../store/defineScript.js';
import { errorText } from '../../errorText.js';

/**
 * KEYS: the player's unacknowledged grants. ARGV: order key, delivery JSON, keep ms. Keeps one grant and
 * renews the hash's expiry in one round trip (a delivery is on the path to the player's screen).
 */
export const keepUnacknowledgedScript = defineScript<number>({
  name: 'grant_acks_keep',
  numberOfKeys: 1,
  lua: `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`,
  local(db, keys, args) {
    db.hset(keys[0]!, { [args[0]!]: args[1]! });
    db.pexpire(keys[0]!, Number(args[2]));
    return 1;
  },
  decode: (r) => Number(r),
});

/** The message type a client acknowledges a grant with: `room.send('grant:ack', { key })`. */
export const GRANT_ACK_MESSAGE = 'grant:ack';

export interface GrantAckOptions {
  enabled: boolean;
  keepDays: number;
}

export class GrantAcks {
  constructor(
    private readonly store: Store,
    private readonly keys: KeySpace,
    readonly options: GrantAckOptions,
    private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return this.options.enabled;
  }

  /**
   * Grants read from the older `{grant-acks}` hash on this process, by player: only their acknowledgements
   * also delete there, so an acknowledgement costs one command. They were sent again from here (at a join),
   * so their acknowledgements come back here. Bounded by the players an older build left grants for (none
   * are added since), each refreshed at their next join.
   */
  private readonly legacy = new Map<string, Set<string>>();

  /** The hash keeping a player's grants until acknowledged. */
  keyOf(userId: string): string {
    return this.keys.tagged('ledger', 'unacked', userId);
  }

  private legacyKey(userId: string): string {
    return this.keys.tagged('grant-acks', userId);
  }

  get keepMs(): number {
    return this.options.keepDays * 86_400_000;
  }

  /** Keeps a grant until acknowledged (one step). Throws when Redis is away, so the grant stays in the inbox instead. */
  async sending(delivery: GrantDelivery): Promise<void> {
    await this.store.run(keepUnacknowledgedScript, [this.keyOf(delivery.userId)], [delivery.dedupeKey, JSON.stringify(delivery), this.keepMs]);
  }

  async acknowledged(userId: string, dedupeKey: string): Promise<boolean> {
    try {
      const old = this.legacy.get(userId);
      const fromOld = old?.delete(dedupeKey) ? await this.store.hdel(this.legacyKey(userId), dedupeKey) : 0;
      if (old?.size === 0) this.legacy.delete(userId);
      return (await this.store.hdel(this.keyOf(userId), dedupeKey)) + fromOld > 0;
    } catch (err) {
      // the grant is shown again at the next join; the client's helper acknowledges it again
      this.logger.warn('could not record a grant acknowledgement', { userId, order: dedupeKey, error: errorText(err) });
      return false;
    }
  }

  /** Grants sent to the player and not acknowledged yet, oldest first (one entry per grant, wherever kept). */
  async waiting(userId: string): Promise<GrantDelivery[]> {
    const [all, old] = await Promise.all([this.store.hgetall(this.keyOf(userId)), this.store.hgetall(this.legacyKey(userId))]);
    if (Object.keys(old).length) this.legacy.set(userId, new Set(Object.keys(old)));
    else this.legacy.delete(userId);
    const oldKeys = Object.keys(old).filter((k) => !(k in all));
    const out: GrantDelivery[] = [];
    for (const json of [...Object.values(all), ...oldKeys.map((k) => old[k]!)]) {
      try {
        out.push(JSON.parse(json) as GrantDelivery);
      } catch {
        // not ours to repair; it expires with the hash
      }
    }
    return out.sort((a, b) => a.grantedAt - b.grantedAt);
  }
}
