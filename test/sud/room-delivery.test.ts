/**
 * Through the real register call: a signed SUD match.settle naming a live Colyseus room (by its room id)
 * reaches that room's PlatformPlugin `onSettlement` handler, the game's settlement handler runs once, and
 * a retried notification changes nothing.
 */
import assert from 'node:assert/strict';
import { Room, definePlugins } from '@colyseus/core';
import { PlatformPlugin, type RoomSettlement } from '../../src/index.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor } from '../helpers/processes.js';
import { APP_ID, APP_SECRET, SUCCESS_TEXT, post, signed, specExample } from './support.js';

const seen: Array<{ roomId: string; settlement: RoomSettlement }> = [];

class TableRoom extends Room {
  override plugins = definePlugins([new PlatformPlugin()]);
  override onCreate() {
    this.plugins.platform.onSettlement((s) => void seen.push({ roomId: this.roomId, settlement: s }));
  }
}

describe('SUD settlement delivered to a live room', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  let app: BootedBridge;
  const handled: string[] = [];

  before(async () => {
    app = await bootBridge({
      rooms: { table: TableRoom },
      bridge: {
        redis: redis.url,
        http: { healthDetail: true },
        sud: { appId: APP_ID, appSecret: APP_SECRET, onSettlement: async (s) => void handled.push(s.matchId) },
      },
    });
  });
  after(async () => app.shutdown());

  it('reaches the room named by room_id, once, and the settlement handler runs once', async () => {
    const room = await app.colyseus.createRoom('table', {});
    const body = specExample(`n-${Date.now()}`, `m-${Date.now()}`) as { data: Record<string, unknown>; notify_id: string };
    body.data.room_id = room.roomId;
    const text = JSON.stringify(body);
    assert.equal((await post(`${app.baseUrl}/platform/sud/notify`, signed(text))).text, SUCCESS_TEXT);
    await waitFor('room delivery', () => (seen.length ? true : undefined));
    assert.equal(seen[0]!.roomId, room.roomId);
    assert.equal(seen[0]!.settlement.matchId, body.data.match_id);
    assert.equal(seen[0]!.settlement.results.length, 2);
    assert.deepEqual(handled, [body.data.match_id]);

    // SUD retrying the same notification: SUCCESS again, nothing runs again
    assert.equal((await post(`${app.baseUrl}/platform/sud/notify`, signed(text))).text, SUCCESS_TEXT);
    const health = (await (await fetch(`${app.baseUrl}/platform/health`)).json()) as { platforms: Record<string, { enabled: boolean }> };
    assert.equal(health.platforms.sud!.enabled, true);
    assert.equal(seen.length, 1);
    assert.equal(handled.length, 1);
  });
});
