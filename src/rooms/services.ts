/**
 * What rooms report through, as interfaces: the {@link PlatformPlugin} and the lifecycle listeners
 * depend on these, not on Redis. One {@link BridgeServices} object exists per registered bridge (in
 * practice one per process); the plugin finds it through the process slot in `plugin/current.ts` or is handed
 * it explicitly.
 *
 * Nothing here may block or throw into room code: rank reports land in memory, everything else goes
 * into a bounded in-memory queue that a background loop sends to Redis, keeping it while Redis is away.
 */
import type { GrantAcks } from './deliveries/grantAcks.js';
import type { GrantSessions } from './deliveries/grantSink.js';
import type { Client, Room } from '@colyseus/core';
import type { Clock } from '../context.js';
import type { Deliveries } from '../ledger/Ledger.js';
import type { Logger } from '../logger.js';

export const RANK_KINDS = ['level', 'score', 'checkpoint'] as const;
/** GameCenter `sync.rank_data` types: level = 0, score = 1, checkpoint = 2. */
export type RankKind = (typeof RANK_KINDS)[number];

/** Latest value per user, per rank kind. */
export type RankSnapshot = Record<RankKind, Map<string, number>>;

/** The process-level rank book: room code writes, the rank submitter drains. */
export interface RankCollector {
  /** Records a user's latest value. O(1), allocation-free for a known user, never throws. */
  report(userId: string, kind: RankKind, value: number): void;
  /** Hands over everything recorded since the last drain and starts an empty book. */
  drain(): RankSnapshot;
  /** Puts back values a failed submission did not send, unless a newer value arrived meanwhile. */
  restore(snapshot: RankSnapshot): void;
  /** Users recorded and not yet drained, over all kinds. */
  readonly size: number;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One role, as a room reports its creation. */
export interface RoleCreatedInput {
  userId: string | number;
  /** Default: the zone of the user's session in this room, else the bridge's `zoneId`. */
  zoneId?: string | number;
  roleId: string | number | bigint;
  name: string;
  class: number | string;
  level: number | string;
  /** Values of the configured extra role-info fields (`rooms.roleInfo.extraFields`); other keys are ignored. */
  extra?: Record<string, JsonValue>;
}

/** A change to a role; absent fields keep their value. */
export interface RoleChangedInput {
  userId: string | number;
  zoneId?: string | number;
  roleId: string | number | bigint;
  name?: string;
  level?: number | string;
  class?: number | string;
  extra?: Record<string, JsonValue>;
}

/** A validated role report, ids in canonical text (see `roles/ids.ts`). */
export interface RoleUpdate {
  mode: 'create' | 'change';
  userId: string;
  zoneId: string;
  roleId: string;
  name?: string;
  class?: number | string;
  level?: number | string;
  extra: Record<string, JsonValue>;
  at: number;
}

export interface SettlementResult {
  userId: string | number;
  score: number;
  [key: string]: unknown;
}

/** What a room passes to `settle()`: match id, per-player results, and any extra fields of the game's. */
export interface SettlementInput {
  matchId: string | number;
  results: SettlementResult[];
  [key: string]: unknown;
}

/** A settlement as the sink receives it: validated, copied, and stamped with where it came from. */
export interface Settlement {
  matchId: string;
  results: Array<{ userId: string; score: number; [key: string]: JsonValue }>;
  /** The input's fields other than `matchId` and `results`. */
  extra: Record<string, JsonValue>;
  zoneId: string;
  roomId: string;
  roomName: string;
  reportedAt: number;
}

/**
 * Where settlements go. It must be idempotent on `matchId`: the queue retries a report whose sink
 * failed, and a room may settle one match twice.
 */
export interface SettlementSink {
  report(settlement: Settlement): Promise<void>;
}

/** A role as the VNGates `/rolelist` route lists it. */
export interface RoleListing {
  roleId: string;
  roleName: string;
  serverId: string;
  serverName: string;
  /** Epoch ms of the last join seen for the role (or the user in that zone); 0 when never seen. */
  loginTime: number;
  class?: unknown;
  level?: unknown;
}

export interface RoleCreatedEvent {
  userId: string;
  zoneId: string;
  roleId: string;
  name: string;
  /** When the room reported it (epoch ms): the GameCenter type-1 `roleCreateTime`. */
  createdAt: number;
}

export interface RoleApplied {
  /** True for exactly one report per role across all processes: the first creation. */
  created: boolean;
  /** False when the stored value already said the same. */
  changed: boolean;
}

/** The role-info hash (`idip_server_roleinfo`) and per-role login times. */
export interface RoleRegistry {
  /** Creates or updates one role, atomically against concurrent writers on other processes. */
  apply(update: RoleUpdate): Promise<RoleApplied>;
  rolesOf(userId: string): Promise<RoleListing[]>;
  /** Remembers a login; without a role id it stands for every role of the user in that zone. */
  noteLogin(userId: string, zoneId: string, roleId: string | undefined, at: number): Promise<void>;
  /**
   * Called once per role, on the process that recorded its creation (e.g. to submit GameCenter type-1
   * zone data). Not awaited; a failure is logged. Returns the remover.
   */
  onCreated(listener: (event: RoleCreatedEvent) => unknown): () => void;
}

/** What the report queue carries. */
export type RoomReport =
  | { kind: 'role'; update: RoleUpdate }
  | { kind: 'settlement'; settlement: Settlement }
  /** A player joined a room: unique accounts, daily activity and login time. */
  | { kind: 'joined'; userId: string; zoneId: string; roleId?: string; at: number };

export interface ReportQueue {
  /** Queues a report for the background loop; never blocks or throws. Returns false when it was refused (closed). */
  enqueue(report: RoomReport): boolean;
  readonly size: number;
  /** Resolves once everything queued so far has been sent (or `timeoutMs` passed). */
  settled(timeoutMs?: number): Promise<boolean>;
}

export interface ClientIdentity {
  /** The player's user id: the `resolveUserId` option, else `client.auth.userId`, else the join option `userId`. */
  userIdOf(client: Client, joinOptions: unknown, room: Room): string | undefined;
  roleIdOf(client: Client, joinOptions: unknown, room: Room): string | undefined;
  zoneIdOf(client: Client, joinOptions: unknown, room: Room): string;
  /** Keeps a client's join options for the lifecycle listeners, which Colyseus does not give them. */
  remember(client: Client, joinOptions: unknown): void;
  recall(client: Client): unknown;
}

/** What the room plugin needs from the bridge. */
export interface BridgeServices {
  /** The bridge's zone id (canonical text). */
  readonly zoneId: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly identity: ClientIdentity;
  readonly ranks: RankCollector;
  readonly reports: ReportQueue;
  readonly roles: RoleRegistry;
  readonly deliveries: Deliveries;
  /** Default `grant` messages kept until the client acknowledges them. */
  readonly grantAcks: GrantAcks;
  /** This process's sessions with grant delivery (resumed on reconnect). */
  readonly grantSessions: GrantSessions;
  readonly settlements: SettlementSink;
  /** Names of the configured extra role-info fields. */
  readonly roleExtraFields: readonly string[];
  /** False once the bridge is closing: the plugin then drops reports with a log line. */
  readonly open: boolean;
}
