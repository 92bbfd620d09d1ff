/**
 * The role-info hash the platform reads (`idip_server_roleinfo` by default, not prefixed): field = user
 * id, value = that user's roles grouped by zone (see roleInfoJson.ts). An update reads the value, merges
 * in JavaScript and writes with a compare-and-set script; a concurrent change by another process makes
 * the write fail, and the merge is redone on the value that process wrote, so no update is lost.
 *
 * Login times (for the VNGates `/rolelist` route) live beside it in a prefixed hash per user.
 */
import type { Logger } from '../logger.js';
import type { KeySpace } from '../store/KeySpace.js';
import type { Store } from '../store/Store.js';
import type { RoleApplied, RoleCreatedEvent, RoleListing, RoleRegistry, RoleUpdate } from '../rooms/services.js';
import { errorText } from '../errorText.js';
import { plainValue } from '../json/exactNumbers.js';
import { mergeRole, parseRoleInfo, renderRoleInfo, rolesIn, type ExtraField } from './roleInfoJson.js';
import { casFieldScript } from './scripts.js';

export interface RoleRegistryOptions {
  hashName: string;
  extraFields: readonly ExtraField[];
  /** Display names of zones for `/rolelist`; a zone without one is listed by its id. */
  zoneNames: Readonly<Record<string, string>>;
}

/** Enough for any realistic contention on one user; beyond it the report is retried by the queue. */
const MAX_CAS_ATTEMPTS = 50;

export class StoreRoleRegistry implements RoleRegistry {
  private readonly listeners = new Set<(event: RoleCreatedEvent) => unknown>();
  /** Updates of one user run one after another on this process, so only other processes can conflict. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly keys: KeySpace,
    private readonly options: RoleRegistryOptions,
    private readonly logger: Logger,
  ) {}

  get hashName(): string {
    return this.options.hashName;
  }

  apply(update: RoleUpdate): Promise<RoleApplied> {
    const previous = this.queues.get(update.userId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.applyNow(update));
    const tail = next.catch(() => undefined);
    this.queues.set(update.userId, tail);
    void tail.then(() => {
      if (this.queues.get(update.userId) === tail) this.queues.delete(update.userId);
    });
    return next;
  }

  private async applyNow(update: RoleUpdate): Promise<RoleApplied> {
    const hash = this.options.hashName;
    let current = await this.store.hget(hash, update.userId);
    for (let attempt = 1; attempt <= MAX_CAS_ATTEMPTS; attempt++) {
      const { doc, created } = mergeRole(this.parse(current, update.userId), update, this.options.extraFields);
      const next = renderRoleInfo(doc);
      if (next === current) return { created: false, changed: false };
      const r = await this.store.run(casFieldScript, [hash], [update.userId, current === null ? '0' : '1', current ?? '', next]);
      if (r.ok) {
        if (created) this.emitCreated(update);
        return { created, changed: true };
      }
      current = r.current;
    }
    throw new Error(`role info of user ${update.userId} kept changing under ${MAX_CAS_ATTEMPTS} concurrent writes; will retry`);
  }

  async rolesOf(userId: string): Promise<RoleListing[]> {
    const [text, logins] = await Promise.all([this.store.hget(this.options.hashName, userId), this.store.hgetall(this.loginKey(userId))]);
    const out: RoleListing[] = [];
    for (const { zoneId, roleId, item } of rolesIn(this.parse(text, userId))) {
      const login = Number(logins[loginField(zoneId, roleId)] ?? logins[loginField(zoneId, undefined)] ?? 0);
      out.push({
        roleId,
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a name stored as a number is listed as its digits
        roleName: typeof item.Item2 === 'string' ? item.Item2 : String(item.Item2 ?? ''),
        serverId: zoneId,
        serverName: this.options.zoneNames[zoneId] ?? zoneId,
        loginTime: Number.isFinite(login) ? login : 0,
        class: plainValue(item.Item3),
        level: plainValue(item.Item4),
      });
    }
    return out;
  }

  async noteLogin(userId: string, zoneId: string, roleId: string | undefined, at: number): Promise<void> {
    await this.store.hset(this.loginKey(userId), { [loginField(zoneId, roleId)]: at });
  }

  onCreated(listener: (event: RoleCreatedEvent) => unknown): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private loginKey(userId: string): string {
    return this.keys.key('roles', 'login', userId);
  }

  /** A value that is not a role list (someone else's data) is replaced, and the log says so. */
  private parse(text: string | null, userId: string) {
    try {
      return parseRoleInfo(text);
    } catch (err) {
      this.logger.warn('role info value is not a JSON role list; replacing it', { hash: this.options.hashName, userId, error: errorText(err) });
      return [];
    }
  }

  private emitCreated(update: RoleUpdate): void {
    const event: RoleCreatedEvent = { userId: update.userId, zoneId: update.zoneId, roleId: update.roleId, name: update.name ?? '', createdAt: update.at };
    const failed = (err: unknown) => this.logger.error('a role-created listener failed', { userId: update.userId, roleId: update.roleId, error: errorText(err) });
    for (const l of [...this.listeners]) {
      try {
        void Promise.resolve(l(event)).catch(failed);
      } catch (err) {
        failed(err);
      }
    }
  }
}

function loginField(zoneId: string, roleId: string | undefined): string {
  return `${zoneId}|${roleId ?? '*'}`;
}
