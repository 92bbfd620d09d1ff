/**
 * The Redis store's pub/sub: one subscriber connection (subscriber mode blocks other commands) that keeps
 * every channel the bridge wants subscribed. Left to ioredis, a SUBSCRIBE that fails (Redis away when the
 * bridge starts, a reply error) is never sent again, and re-subscription after a reconnect is implicit.
 * Here every wanted channel is subscribed again on each `ready`, and a failed SUBSCRIBE is retried with
 * backoff and logged, until the channel is no longer wanted or the store closes.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import type { MessageHandler } from './Store.js';
import { errorText } from '../errorText.js';
import { backoffDelay } from '../backoff.js';

type Client = Redis | Cluster;

const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5000;

interface Wanted {
  handlers: Set<MessageHandler>;
  /** Failed SUBSCRIBEs in a row, for the backoff. */
  failures: number;
  retry?: NodeJS.Timeout;
  /** A SUBSCRIBE in flight, so a `ready` during it does not send a second one. */
  sending?: Promise<void>;
}

export class RedisSubscriptions {
  private sub?: Client;
  private readonly wanted = new Map<string, Wanted>();
  private closed = false;

  constructor(
    /** Opens the subscriber connection (a duplicate of the store's client). */
    private readonly open: () => Client,
    private readonly logger: Logger,
  ) {}

  /** Registers `handler`; the channel stays subscribed (retried, re-subscribed) until every handler of it is removed. */
  async subscribe(channel: string, handler: MessageHandler): Promise<() => Promise<void>> {
    const sub = this.connection();
    let w = this.wanted.get(channel);
    if (!w) {
      this.wanted.set(channel, (w = { handlers: new Set(), failures: 0 }));
      w.handlers.add(handler);
      // the first attempt is awaited, so a healthy start is subscribed when this resolves; a failure is
      // logged and retried in the background (the caller's handler is registered either way)
      await this.send(channel, w, sub);
    } else w.handlers.add(handler);
    return async () => {
      const cur = this.wanted.get(channel);
      if (!cur) return;
      cur.handlers.delete(handler);
      if (cur.handlers.size > 0) return;
      clearTimeout(cur.retry);
      this.wanted.delete(channel);
      if (!this.closed) await this.sub?.unsubscribe(channel).catch(() => undefined);
    };
  }

  /** Channels wanted right now (for tests and health). */
  channels(): string[] {
    return [...this.wanted.keys()];
  }

  async close(quit: (c: Client) => Promise<void>): Promise<void> {
    this.closed = true;
    for (const w of this.wanted.values()) clearTimeout(w.retry);
    this.wanted.clear();
    if (this.sub) await quit(this.sub);
  }

  private connection(): Client {
    if (this.sub) return this.sub;
    const sub = this.open();
    sub.on('message', (ch: string, message: string) => {
      for (const h of [...(this.wanted.get(ch)?.handlers ?? [])]) {
        try {
          h(message);
        } catch (err) {
          this.logger.error('pub/sub handler threw', { channel: ch, error: err });
        }
      }
    });
    // every (re)connection: subscribe every wanted channel again, whatever ioredis itself remembered
    sub.on('ready', () => {
      for (const [channel, w] of this.wanted) {
        clearTimeout(w.retry);
        w.retry = undefined;
        void this.send(channel, w, sub);
      }
    });
    this.sub = sub;
    return sub;
  }

  private send(channel: string, w: Wanted, sub: Client): Promise<void> {
    if (w.sending) return w.sending;
    w.sending = (async () => {
      try {
        await sub.subscribe(channel);
        if (w.failures > 0) this.logger.info('pub/sub: subscribed again', { channel, failedAttempts: w.failures });
        w.failures = 0;
      } catch (err) {
        if (this.closed || this.wanted.get(channel) !== w) return;
        w.failures++;
        const delayMs = backoffDelay(w.failures, { baseMs: RETRY_FIRST_MS, maxMs: RETRY_MAX_MS, maxDoublings: 16 });
        // one line per outage, then one per ten failures: a long outage must not flood the log
        if (w.failures === 1 || w.failures % 10 === 0) {
          this.logger.warn('pub/sub: subscribe failed; retrying with backoff (messages on this channel are missed meanwhile)', {
            channel,
            attempt: w.failures,
            retryInMs: delayMs,
            error: errorText(err),
          });
        }
        clearTimeout(w.retry);
        w.retry = setTimeout(() => {
          w.retry = undefined;
          if (!this.closed && this.wanted.get(channel) === w) void this.send(channel, w, sub);
        }, delayMs);
        w.retry.unref();
      } finally {
        w.sending = undefined;
      }
    })();
    return w.sending;
  }
}
