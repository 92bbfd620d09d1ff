/**
 * Who is connected to this process, by room and session, and so the online count per zone. A player
 * with two sessions in one zone (a lobby and a match) counts once; sessions without a user id count
 * one each.
 *
 * Sessions are keyed by room id and session id, not by the Client object: a successful reconnection
 * replaces the Client but keeps the session id, and its eventual `leave` names the new object.
 * Colyseus may emit a room's `dispose` before its last `leave`, so `dispose` only marks the room; the
 * leaves that follow remove their sessions, and {@link sweep} removes any a disposed room never reported.
 */
export interface Session {
  userId?: string;
  roleId?: string;
  zoneId: string;
  /** Detaches the session's grant sink, when the lifecycle attached one. */
  detach?: () => void;
}

interface RoomEntry {
  sessions: Map<string, Session>;
  disposedAt?: number;
}

interface ZoneEntry {
  users: Map<string, number>;
  anonymous: number;
}

export class SessionBook {
  private readonly rooms = new Map<string, RoomEntry>();
  private readonly zones = new Map<string, ZoneEntry>();

  /** Records a session; a repeated join of the same session replaces (and returns) the earlier record. */
  join(roomId: string, sessionId: string, session: Session): Session | undefined {
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = { sessions: new Map() }));
    const previous = room.sessions.get(sessionId);
    if (previous) this.uncount(previous);
    room.sessions.set(sessionId, session);
    this.count(session);
    return previous;
  }

  get(roomId: string, sessionId: string): Session | undefined {
    return this.rooms.get(roomId)?.sessions.get(sessionId);
  }

  leave(roomId: string, sessionId: string): Session | undefined {
    const room = this.rooms.get(roomId);
    const session = room?.sessions.get(sessionId);
    if (!room || !session) return undefined;
    room.sessions.delete(sessionId);
    this.uncount(session);
    if (room.sessions.size === 0) this.rooms.delete(roomId);
    return session;
  }

  roomDisposed(roomId: string, at: number): void {
    const room = this.rooms.get(roomId);
    if (room) room.disposedAt ??= at;
  }

  /** Removes the sessions of rooms disposed more than `graceMs` ago whose `leave` never came. */
  sweep(now: number, graceMs: number): Session[] {
    const out: Session[] = [];
    for (const [roomId, room] of this.rooms) {
      if (room.disposedAt === undefined || now - room.disposedAt < graceMs) continue;
      for (const sessionId of [...room.sessions.keys()]) {
        const s = this.leave(roomId, sessionId);
        if (s) out.push(s);
      }
      this.rooms.delete(roomId);
    }
    return out;
  }

  /** Removes everything (bridge closing). */
  clear(): Session[] {
    const out: Session[] = [];
    for (const room of this.rooms.values()) out.push(...room.sessions.values());
    this.rooms.clear();
    this.zones.clear();
    return out;
  }

  online(zoneId: string): number {
    const z = this.zones.get(zoneId);
    return z ? z.users.size + z.anonymous : 0;
  }

  zoneIds(): string[] {
    return [...this.zones.keys()];
  }

  private count(s: Session): void {
    let z = this.zones.get(s.zoneId);
    if (!z) this.zones.set(s.zoneId, (z = { users: new Map(), anonymous: 0 }));
    if (s.userId === undefined) z.anonymous++;
    else z.users.set(s.userId, (z.users.get(s.userId) ?? 0) + 1);
  }

  private uncount(s: Session): void {
    const z = this.zones.get(s.zoneId);
    if (!z) return;
    if (s.userId === undefined) z.anonymous = Math.max(0, z.anonymous - 1);
    else {
      const n = (z.users.get(s.userId) ?? 0) - 1;
      if (n > 0) z.users.set(s.userId, n);
      else z.users.delete(s.userId);
    }
  }
}
