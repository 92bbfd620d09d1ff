/**
 * The rooms layer's `settle()` reports and SUD's `match.settle` share one dedupe when the rooms layer is
 * given `sudSettlementSink(sud.settlements)` as its settlement sink: this checks the adapter fits the
 * rooms layer's SettlementSink type and that a room report followed by SUD's notification settles once.
 */
import assert from 'node:assert/strict';
import type { SettlementSink, Settlement as RoomSettlement } from '../../src/rooms/services.js';
import { MemoryStore } from '../../src/store/MemoryStore.js';
import { installSud, parseSudOptions, sudSettlementSink, type Settlement } from '../../src/platforms/sud/index.js';
import type { BridgeContext } from '../../src/context.js';
import { parseOptions } from '../../src/config.js';
import { PeerStamp } from '../../src/http/peer.js';
import { waitFor } from '../helpers/processes.js';
import { CapturingLogger } from '../helpers/logs.js';
import { APP_ID, APP_SECRET } from './support.js';

describe('SUD settlements from the rooms layer', () => {
  it('a rooms-layer settlement goes through settlements.report, once per match', async () => {
    const store = new MemoryStore();
    const stops: Array<() => unknown> = [];
    const seen: Settlement[] = [];
    const ctx = {
      options: parseOptions({}),
      store,
      logger: new CapturingLogger(),
      server: undefined as never,
      peer: new PeerStamp({ trustProxyHops: 0 }),
      clock: { now: Date.now },
      addEndpoint: () => undefined,
      setPlatformStatus: () => undefined,
      onStopIntake: (fn: () => unknown) => void stops.push(fn),
      onClose: () => undefined,
      stopping: false,
    } as unknown as BridgeContext;
    const sud = installSud(ctx, parseSudOptions({ appId: APP_ID, appSecret: APP_SECRET, worker: { pollIntervalMs: 10 }, onSettlement: (s) => void seen.push(s) }));
    const sink: SettlementSink = sudSettlementSink(sud.settlements);
    const fromRoom: RoomSettlement = {
      matchId: 'room-m-1',
      results: [{ userId: 'fa1c53c4', score: 30, seat: 2 }],
      extra: { mode: 'ranked' },
      zoneId: '1',
      roomId: 'abc123',
      roomName: 'battle',
      reportedAt: 1,
    };
    await sink.report(fromRoom);
    await sink.report(fromRoom);
    await waitFor('settled', async () => ((await sud.settlements.get('room-m-1'))?.state === 'done' ? true : undefined));
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.source, 'room');
    assert.equal(seen[0]!.roomId, 'abc123');
    assert.deepEqual(seen[0]!.results, [{ uid: 'fa1c53c4', isAi: false, score: 30, seat: 2 }]);
    assert.equal((seen[0] as unknown as Record<string, unknown>).mode, 'ranked');
    for (const stop of stops) await stop();
    await store.close();
  });
});
