/**
 * Keeps each zone's entry in the `serverstate` hash fresh. Every interval this process writes its
 * contribution (online players, queue, CPU, memory) with an expiry of two intervals and rewrites the
 * zone's entry as the sum of the live contributions (scripts.ts), so several processes serving one zone
 * add up, and a process that dies stops counting once its contribution expires. On shutdown it withdraws
 * its contribution, and the last process of a zone removes the zone's entry.
 *
 * Times are written in the configured IANA time zone; the zone's ServerBeginTime is the configured one,
 * else when any process first served the zone (kept in Redis, so a restart does not move it).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../context.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/Store.js';
import { errorText, throttledLog, type ThrottledLog } from '../logging/throttle.js';
import { idJson } from '../roles/ids.js';
import type { Contribution } from './aggregate.js';
import type { ZoneKeys } from './keys.js';
import type { MachineSample, MachineSampler } from './machine.js';
import { writeZoneStateScript } from './scripts.js';
import type { WallClock } from './wallClock.js';
import { RECENT_ACCOUNT_WINDOW_MS } from './ZoneAccounts.js';

/** Figures only the game knows, per zone; each is summed over the zone's processes. */
export interface GameState {
  /** QueueNum: players waiting to get in. */
  queueNum?: number;
  /** OnlineNum, when the game counts players differently from the rooms' joins. */
  onlineNum?: number;
  /** Ask for forceup = 1 (role creation full) regardless of the role cap. */
  forceUp?: boolean;
}

/** @remarks Extension point: the `rooms.serverState.gameState` option adds the game's own queue and forceup figures. */
export type GameStateProvider = (zoneId: string) => GameState | undefined | Promise<GameState | undefined>;

export interface ServerStateOptions {
  enabled: boolean;
  hashName: string;
  intervalMs: number;
  /** Fixed `YYYY-MM-DD HH:mm:ss` text, or an instant (epoch ms) written in the time zone. */
  serverBeginTime?: string | number;
  roleCap: number;
  gameState?: GameStateProvider;
}

export interface ServerStateDeps {
  store: Store;
  keys: ZoneKeys;
  clock: Clock;
  wall: WallClock;
  logger: Logger;
  machine: MachineSampler;
  defaultZoneId: string;
  /** This process's online count in a zone. */
  online(zoneId: string): number;
  /** Zones this process has had players in. */
  zones(): Iterable<string>;
  /** Runs before each write (the lifecycle's sweep of sessions a disposed room never reported leaving). */
  beforeWrite?(): void;
}

const NO_SAMPLE: MachineSample = { host: '', cpuPercent: 0, hostCpuPercent: 0, cores: 0, rssMb: 0, hostMemMb: 0 };

export class ServerStateReporter {
  /** Names this process's contribution in each zone's `procs` hash. */
  readonly processToken = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly startedAt: number;
  private readonly reported = new Set<string>();
  private readonly began = new Map<string, string>();
  private readonly last = new Map<string, string>();
  private readonly log: ThrottledLog;
  private timer?: NodeJS.Timeout;
  private inflight?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly options: ServerStateOptions,
    private readonly deps: ServerStateDeps,
  ) {
    this.startedAt = deps.clock.now();
    this.log = throttledLog(deps.logger, 60_000);
  }

  start(): void {
    if (!this.options.enabled || this.timer || this.stopped) return;
    void this.tick();
    this.timer = setInterval(() => {
      if (!this.inflight) void this.tick();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Writes every zone's entry now (after any write in progress). */
  tick(): Promise<void> {
    const run = (this.inflight ?? Promise.resolve()).then(() => (this.stopped ? undefined : this.writeAll()));
    const tracked = run.finally(() => {
      if (this.inflight === tracked) this.inflight = undefined;
    });
    this.inflight = tracked;
    return tracked;
  }

  /** The entry this process last wrote for a zone ('' after it was removed). */
  lastEntry(zoneId: string): string | undefined {
    return this.last.get(zoneId);
  }

  /** Stops the interval and withdraws this process's contribution from every zone it reported. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.inflight?.catch(() => undefined);
    const now = this.deps.clock.now();
    for (const zoneId of this.reported) {
      try {
        await this.write(zoneId, '', now);
      } catch (err) {
        this.deps.logger.warn('could not withdraw this process from the serverstate entry; it expires within two intervals', {
          zoneId,
          error: errorText(err),
        });
      }
    }
  }

  private async writeAll(): Promise<void> {
    try {
      this.deps.beforeWrite?.();
    } catch (err) {
      this.log('error', 'before', 'serverstate: the pre-write sweep threw', { error: errorText(err) });
    }
    const now = this.deps.clock.now();
    let sample = NO_SAMPLE;
    try {
      sample = this.deps.machine.sample();
    } catch (err) {
      this.log('warn', 'sample', 'serverstate: could not sample CPU/memory; writing zeros', { error: errorText(err) });
    }
    const zones = new Set([this.deps.defaultZoneId, ...this.deps.zones(), ...this.reported]);
    for (const zoneId of zones) {
      try {
        const game = await this.gameState(zoneId);
        const c: Contribution = {
          t: now,
          x: now + 2 * this.options.intervalMs,
          on: count(game?.onlineNum) ?? this.deps.online(zoneId),
          q: count(game?.queueNum) ?? 0,
          cpu: count(sample.cpuPercent * 100) ?? 0,
          mem: count(sample.rssMb) ?? 0,
          f: game?.forceUp === true ? 1 : 0,
          h: sample.host,
          hc: count(sample.hostCpuPercent * 100) ?? 0,
          n: count(sample.cores) ?? 0,
          hm: count(sample.hostMemMb) ?? 0,
        };
        this.reported.add(zoneId);
        await this.write(zoneId, JSON.stringify(c), now);
      } catch (err) {
        this.log('warn', `write:${zoneId}`, 'serverstate: could not write the zone entry; retrying next interval', { zoneId, error: errorText(err) });
      }
    }
  }

  private async write(zoneId: string, contribution: string, now: number): Promise<void> {
    const k = this.deps.keys;
    const entry = await this.deps.store.run(
      writeZoneStateScript,
      [k.hashName, k.procs(zoneId), k.roleAccounts(zoneId), k.recentAccounts(zoneId)],
      [zoneId, this.processToken, contribution, now, RECENT_ACCOUNT_WINDOW_MS, idJson(zoneId), await this.beginJson(zoneId), JSON.stringify(this.deps.wall.format(now)), this.options.roleCap],
    );
    this.last.set(zoneId, entry);
  }

  private async beginJson(zoneId: string): Promise<string> {
    const fixed = this.options.serverBeginTime;
    if (typeof fixed === 'string') return JSON.stringify(fixed);
    if (typeof fixed === 'number') return JSON.stringify(this.deps.wall.format(fixed));
    const cached = this.began.get(zoneId);
    if (cached) return cached;
    const key = this.deps.keys.began(zoneId);
    await this.deps.store.set(key, String(this.startedAt), { nx: true });
    const stored = Number(await this.deps.store.get(key));
    const json = JSON.stringify(this.deps.wall.format(Number.isFinite(stored) && stored > 0 ? stored : this.startedAt));
    this.began.set(zoneId, json);
    return json;
  }

  /** The game's figures, bounded by one interval so a hanging callback cannot stall the reporter. */
  private async gameState(zoneId: string): Promise<GameState | undefined> {
    const fn = this.options.gameState;
    if (!fn) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(() => fn(zoneId)),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => {
            this.log('warn', 'game:slow', 'serverstate: the gameState callback did not answer within one interval; using defaults', { zoneId });
            resolve(undefined);
          }, this.options.intervalMs);
        }),
      ]);
    } catch (err) {
      this.log('error', 'game:threw', 'serverstate: the gameState callback threw; using defaults', { zoneId, error: errorText(err) });
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A non-negative whole number, or undefined for anything else. */
function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? Math.max(0, Math.round(v)) : undefined;
}
