/**
 * Who a client is, for reports and grant delivery. Precedence: the host's resolver, then
 * `client.auth.userId` (set by a verified `onAuth`), then `client.auth.id` (what an `@colyseus/auth` JWT
 * carries), then the join option `userId`. Join options are
 * whatever the client sent, so an authenticated id wins over a claimed one; games that take real payments
 * should authenticate. A resolver that throws is logged and the defaults apply.
 */
import type { Client, Room } from '@colyseus/core';
import type { Logger } from '../../logger.js';
import { idText } from '../../roles/ids.js';
import type { ClientIdentity } from '../services.js';
import { errorText, throttledLog, type ThrottledLog } from '../../logging/throttle.js';

export type IdResolver = (client: Client, joinOptions: unknown, room: Room) => string | number | bigint | undefined | null;

export interface IdentityOptions {
  resolveUserId?: IdResolver;
  resolveRoleId?: IdResolver;
  resolveZoneId?: IdResolver;
  /** Zone of clients the zone resolver does not place (the bridge's `zoneId`). */
  defaultZoneId: string;
}

export class Identity implements ClientIdentity {
  private readonly joinOptions = new WeakMap<object, unknown>();
  private readonly log: ThrottledLog;

  constructor(
    private readonly options: IdentityOptions,
    logger: Logger,
  ) {
    this.log = throttledLog(logger);
  }

  userIdOf(client: Client, joinOptions: unknown, room: Room): string | undefined {
    const known = this.resolve('resolveUserId', client, joinOptions, room) ?? field(client.auth, 'userId') ?? field(client.auth, 'id');
    if (known !== undefined) return known;
    const claimed = field(joinOptions, 'userId');
    if (claimed !== undefined) {
      this.log('warn', `claimed:${room?.roomName ?? ''}`, 'a user id was taken from the join option `userId`, which the client chooses: authenticate players in onAuth or set rooms.resolveUserId', {
        room: room?.roomName,
      });
    }
    return claimed;
  }

  roleIdOf(client: Client, joinOptions: unknown, room: Room): string | undefined {
    return this.resolve('resolveRoleId', client, joinOptions, room) ?? field(client.auth, 'roleId') ?? field(joinOptions, 'roleId');
  }

  zoneIdOf(client: Client, joinOptions: unknown, room: Room): string {
    return this.resolve('resolveZoneId', client, joinOptions, room) ?? this.options.defaultZoneId;
  }

  remember(client: Client, joinOptions: unknown): void {
    this.joinOptions.set(client, joinOptions);
  }

  recall(client: Client): unknown {
    return this.joinOptions.get(client);
  }

  private resolve(which: 'resolveUserId' | 'resolveRoleId' | 'resolveZoneId', client: Client, joinOptions: unknown, room: Room): string | undefined {
    const fn = this.options[which];
    if (!fn) return undefined;
    try {
      return idText(fn(client, joinOptions, room));
    } catch (err) {
      this.log('error', which, `the ${which} option threw; using the default`, { room: room?.roomName, error: errorText(err) });
      return undefined;
    }
  }
}

function field(source: unknown, name: string): string | undefined {
  if (source === null || typeof source !== 'object') return undefined;
  return idText((source as Record<string, unknown>)[name]);
}
