/**
 * Delivers a platform's match settlement to the live Colyseus room it names, on whichever process hosts
 * it. The room's PlatformPlugin installs a method on the room at create time; Colyseus's
 * `remoteRoomCall` reaches it locally or over presence IPC, so this needs nothing of its own across
 * processes. A room that is gone (the match ended and it was disposed) gets nothing: the settlement was
 * already handled by the game's settlement handler.
 */
import { callRoomMethod, localRoomHasMethod, roomListed } from '../../colyseus/adapter.js';
import type { Logger } from '../../logger.js';
import type { RoomSettlementDelivery, Settlement as PlatformSettlement } from '../../platforms/sud/types.js';

/** The room method the plugin installs; not part of any room's own API. */
export const SETTLEMENT_ROOM_METHOD = '__platformBridgeSettlement';

export type RoomSettlement = PlatformSettlement;
export type RoomSettlementHandler = (settlement: RoomSettlement) => void | Promise<void>;

/** Resolves false when no live room with a settlement handler could take it. */
export function roomSettlementDelivery(logger: Logger, timeoutMs = 5000): RoomSettlementDelivery & { deliver(roomId: string, settlement: RoomSettlement): Promise<boolean> } {
  return {
    async deliver(roomId, settlement) {
      const local = localRoomHasMethod(roomId, SETTLEMENT_ROOM_METHOD);
      if (local === undefined && !(await roomListed(roomId))) return false;
      if (local === false) {
        logger.warn('a settlement names a live room without the PlatformPlugin: not delivered to it', { roomId, matchId: settlement.matchId });
        return false;
      }
      // a remote room without the plugin, or one on a process that died but is still listed, answers with an
      // error or a timeout: the caller logs it and records the settlement done, not shown in a room
      const accepted = await callRoomMethod(roomId, SETTLEMENT_ROOM_METHOD, [settlement], timeoutMs);
      return accepted !== false;
    },
  };
}
