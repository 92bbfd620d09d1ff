/**
 * What this process saw lately, for the panel: the last callback each platform answered, the last call of
 * each GameCenter API and its code, refusals grouped by reason and caller address (a burst of bad signs
 * from one address stands out), and the SUD settlements its worker handled. All in memory and bounded:
 * nothing here costs a Redis command, and a flood of refusals from many addresses only evicts old groups.
 */
import type { Clock } from '../../context.js';
import type { LogFields, Logger } from '../../logger.js';
import type { OpsHooks } from '../hooks.js';

export interface CallbackSeen {
  at: number;
  path: string;
  code: string;
  count: number;
}

export interface GameCenterCallSeen {
  api: string;
  at: number;
  code: string;
  ms: number;
}

export interface RefusalGroup {
  source: string;
  reason: string;
  peer: string;
  count: number;
  first: number;
  last: number;
}

export interface SettlementSeen {
  at: number;
  matchId: string;
  ok: boolean;
  error?: string;
}

const MAX_GROUPS = 500;
const MAX_SETTLEMENTS = 50;
/** Refusal groups quieter than this are dropped from the view. */
const REFUSAL_WINDOW_MS = 3_600_000;
/** `<source> refused: <reason>`: how every inbound path logs a refusal (recharge, gift, vngates, sud, admin, panel). */
const REFUSAL_LINE = /^(.{1,80}?) refused: (.+)$/s;

export class PanelActivity implements OpsHooks {
  private readonly callbacks = new Map<string, CallbackSeen>();
  private readonly gcCalls = new Map<string, GameCenterCallSeen>();
  private readonly refusals = new Map<string, RefusalGroup>();
  private readonly settlements: SettlementSeen[] = [];

  /** The metrics' hooks, when on: the panel listens beside them. */
  private next?: OpsHooks;

  constructor(private readonly clock: Clock) {}

  /** Passes every hook on to `next` as well (the metrics); returns this. */
  chain(next: OpsHooks | undefined): this {
    this.next = next;
    return this;
  }

  callback(platform: string, path: string, code: string | number): void {
    const was = this.callbacks.get(platform);
    this.callbacks.set(platform, { at: this.clock.now(), path, code: String(code), count: (was?.count ?? 0) + 1 });
    this.next?.callback(platform, path, code);
  }

  order(source: string, state: string): void {
    this.next?.order(source, state);
  }

  grantDuration(seconds: number): void {
    this.next?.grantDuration(seconds);
  }

  delivery(seconds: number): void {
    this.next?.delivery(seconds);
  }

  gamecenter(api: string, code: string | number, seconds: number): void {
    this.gcCalls.set(api, { api, at: this.clock.now(), code: String(code), ms: Math.round(seconds * 1000) });
    this.next?.gamecenter(api, code, seconds);
  }

  /** Counts one refusal under its reason and the caller's address. */
  refusal(source: string, reason: string, peer: string | undefined): void {
    const now = this.clock.now();
    const p = peer ?? 'unknown';
    const key = `${source}\u0000${reason}\u0000${p}`;
    const g = this.refusals.get(key);
    if (g) {
      g.count++;
      g.last = now;
      // most recent last: a Map iterates in insertion order, so eviction drops the quietest group
      this.refusals.delete(key);
      this.refusals.set(key, g);
      return;
    }
    if (this.refusals.size >= MAX_GROUPS) this.refusals.delete(this.refusals.keys().next().value!);
    this.refusals.set(key, { source, reason, peer: p, count: 1, first: now, last: now });
  }

  settlement(matchId: string, ok: boolean, error?: string): void {
    this.settlements.unshift({ at: this.clock.now(), matchId, ok, ...(error ? { error } : {}) });
    if (this.settlements.length > MAX_SETTLEMENTS) this.settlements.length = MAX_SETTLEMENTS;
  }

  /** A logger that also counts every refusal line it passes on. */
  tap(inner: Logger): Logger {
    const warn = (message: string, fields?: LogFields) => {
      const m = REFUSAL_LINE.exec(message);
      if (m) this.refusal(m[1]!, reasonOf(m[2]!), typeof fields?.peer === 'string' ? fields.peer : undefined);
      inner.warn(message, fields);
    };
    return { debug: (m, f) => inner.debug(m, f), info: (m, f) => inner.info(m, f), warn, error: (m, f) => inner.error(m, f) };
  }

  snapshot() {
    const since = this.clock.now() - REFUSAL_WINDOW_MS;
    return {
      callbacks: Object.fromEntries(this.callbacks),
      gamecenterCalls: [...this.gcCalls.values()].sort((a, b) => b.at - a.at),
      refusals: [...this.refusals.values()]
        .filter((g) => g.last >= since)
        .sort((a, b) => b.count - a.count || b.last - a.last)
        .slice(0, 100),
      settlements: this.settlements.slice(),
    };
  }
}

/** Reasons carry values (a field's content, a zone id); grouping by the full text keeps them apart, so cap the length only. */
function reasonOf(text: string): string {
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}
