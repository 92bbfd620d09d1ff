/**
 * The rooms part's in-memory pieces on their own: the session book's counting (reconnections, dispose
 * before leave), the rank book and its pump, the report queue's overflow and retry rules, identity
 * precedence, time formatting and id rendering.
 */
import assert from 'node:assert/strict';
import type { Client, Room } from '@colyseus/core';
import { SessionBook } from '../../src/rooms/plugin/SessionBook.js';
import { RankBook } from '../../src/rooms/reports/RankBook.js';
import { RankPump } from '../../src/rooms/reports/RankPump.js';
import { ReportQueue } from '../../src/rooms/reports/ReportQueue.js';
import { Identity } from '../../src/rooms/plugin/identity.js';
import type { RoomReport } from '../../src/rooms/services.js';
import { StoreUnavailableError } from '../../src/store/Store.js';
import { wallClock } from '../../src/serverstate/wallClock.js';
import { idJson, idText, idValue } from '../../src/roles/ids.js';
import { roomsOptionsSchema } from '../../src/rooms/options.js';
import { CapturingLogger } from '../helpers/logs.js';
import { waitFor } from '../helpers/processes.js';

const joined = (userId: string): RoomReport => ({ kind: 'joined', userId, zoneId: '1', at: 0 });
const role = (userId: string): RoomReport => ({ kind: 'role', update: { mode: 'create', userId, zoneId: '1', roleId: '1', name: 'n', class: 1, level: 1, extra: {}, at: 0 } });

describe('rooms parts', () => {
  describe('SessionBook', () => {
    it('counts a user once per zone, anonymous sessions each, and keys sessions by room and session id', () => {
      const b = new SessionBook();
      b.join('r1', 's1', { userId: 'u', zoneId: '1' });
      b.join('r2', 's2', { userId: 'u', zoneId: '1' });
      b.join('r2', 's3', { zoneId: '1' });
      b.join('r2', 's4', { userId: 'v', zoneId: '2' });
      assert.deepEqual([b.online('1'), b.online('2')], [2, 1]);
      // a reconnected player leaves with a new Client object but the same session id
      assert.equal(b.leave('r1', 's1')?.userId, 'u');
      assert.equal(b.leave('r1', 's1'), undefined, 'a second leave is ignored');
      assert.equal(b.online('1'), 2);
      b.leave('r2', 's2');
      assert.equal(b.online('1'), 1);
      assert.deepEqual(b.zoneIds().sort(), ['1', '2']);
    });

    it('a dispose before the last leave: the leave still counts; a leave that never comes is swept after the grace period', () => {
      const b = new SessionBook();
      const detached: string[] = [];
      b.join('r', 'a', { userId: 'a', zoneId: '1', detach: () => detached.push('a') });
      b.join('r', 'b', { userId: 'b', zoneId: '1' });
      b.roomDisposed('r', 1000);
      assert.equal(b.leave('r', 'a')?.userId, 'a');
      assert.deepEqual(b.sweep(1500, 1000), [], 'within the grace period nothing is swept');
      const swept = b.sweep(2000, 1000);
      assert.deepEqual(
        swept.map((s) => s.userId),
        ['b'],
      );
      assert.equal(b.online('1'), 0);
    });
  });

  describe('RankBook and RankPump', () => {
    it('keeps the latest value per user and kind, bounded, and hands everything over on drain', () => {
      const logger = new CapturingLogger();
      const book = new RankBook({ maxUsersPerKind: 2 }, logger);
      book.report('a', 'score', 1);
      book.report('a', 'score', 5);
      book.report('b', 'score', 2);
      book.report('c', 'score', 3);
      book.report('a', 'score', 6);
      book.report('', 'level', 1);
      book.report('d', 'level', Number.NaN);
      assert.equal(book.size, 2);
      assert.equal(logger.find('rank book is full', 'warn').length, 1);
      assert.equal(logger.find('reportRank ignored', 'warn').length, 1, 'throttled: one line for two bad calls');
      const snap = book.drain();
      assert.deepEqual(
        [...snap.score],
        [
          ['a', 6],
          ['b', 2],
        ],
      );
      assert.equal(book.size, 0);
      book.report('a', 'score', 7);
      book.restore(snap);
      assert.deepEqual(
        [...book.drain().score],
        [
          ['a', 7],
          ['b', 2],
        ],
        'restore never overwrites a newer value',
      );
    });

    it('the pump hands the book to the sink with GameCenter types and keeps it when the sink fails', async () => {
      const logger = new CapturingLogger();
      const book = new RankBook({ maxUsersPerKind: 10 }, logger);
      let fail = true;
      const got: unknown[] = [];
      const pump = new RankPump(book, { record: async (e) => (fail ? Promise.reject(new Error('redis away')) : void got.push(...e)) }, 60_000, logger);
      book.report('u', 'checkpoint', 4);
      book.report('u', 'level', 9);
      await pump.pump();
      assert.equal(book.size, 2, 'kept after a failure');
      fail = false;
      await pump.pump();
      assert.deepEqual(got, [
        { userId: 'u', type: 0, value: 9 },
        { userId: 'u', type: 2, value: 4 },
      ]);
      assert.equal(book.size, 0);
    });
  });

  describe('ReportQueue', () => {
    const opts = { maxQueued: 3, retryMinMs: 5, retryMaxMs: 20, maxAttempts: 2 };

    it('sends in order, keeps reports while the store is away, and drops the oldest join first when full', async () => {
      const logger = new CapturingLogger();
      const sent: string[] = [];
      let away = true;
      const q = new ReportQueue(
        opts,
        async (r) => {
          if (away) throw new StoreUnavailableError('redis unavailable: connect ECONNREFUSED');
          sent.push(r.kind === 'role' ? `role:${r.update.userId}` : `${r.kind}:${r.kind === 'joined' ? r.userId : ''}`);
        },
        logger,
      );
      q.enqueue(joined('j1'));
      q.enqueue(role('r1'));
      q.enqueue(joined('j2'));
      q.enqueue(role('r2'));
      await waitFor('outage logged', () => (logger.find('kept in memory', 'warn').length ? true : undefined));
      assert.equal(q.size, 3);
      assert.equal(logger.find('queue is full', 'error').length, 1);
      away = false;
      assert.equal(await q.settled(), true);
      assert.deepEqual(sent, ['role:r1', 'joined:j2', 'role:r2']);
      assert.equal(logger.find('redis is back', 'info').length, 1);
    });

    it('drops a report that keeps failing for another reason after maxAttempts, and moves on', async () => {
      const logger = new CapturingLogger();
      const sent: string[] = [];
      const q = new ReportQueue(
        opts,
        async (r) => {
          if (r.kind === 'joined' && r.userId === 'poison') throw new Error('bad data');
          sent.push(r.kind);
        },
        logger,
      );
      q.enqueue(joined('poison'));
      q.enqueue(role('ok'));
      assert.equal(await q.settled(), true);
      assert.deepEqual(sent, ['role']);
      assert.equal(logger.find('kept failing and is dropped', 'error').length, 1);
    });

    it('at close sends what it can and refuses later reports', async () => {
      const logger = new CapturingLogger();
      const q = new ReportQueue(opts, async () => Promise.reject(new StoreUnavailableError('away')), logger);
      q.enqueue(role('a'));
      await q.close(30);
      assert.equal(q.size, 0);
      assert.equal(logger.find('not sent before shutdown', 'error').length, 1);
      assert.equal(q.enqueue(role('b')), false);
    });
  });

  describe('Identity', () => {
    const room = { roomName: 'r' } as Room;
    const client = (auth?: unknown) => ({ sessionId: 's', auth }) as unknown as Client;

    it('resolver first, then client.auth.userId, then the join option; a throwing resolver falls back', () => {
      const logger = new CapturingLogger();
      const plain = new Identity({ defaultZoneId: '1' }, logger);
      assert.equal(plain.userIdOf(client({ userId: 'authed' }), { userId: 'claimed' }, room), 'authed');
      // @colyseus/auth tokens carry the id as `id`; `userId` still wins when both are there
      assert.equal(plain.userIdOf(client({ id: 'jwt-user' }), { userId: 'claimed' }, room), 'jwt-user');
      assert.equal(plain.userIdOf(client({ userId: 'authed', id: 'other' }), {}, room), 'authed');
      assert.equal(plain.userIdOf(client(), { userId: 42 }, room), '42');
      assert.equal(plain.userIdOf(client(), { userId: 'x'.repeat(129) }, room), undefined, 'an absurdly long id is refused');
      assert.equal(plain.zoneIdOf(client(), {}, room), '1');
      const custom = new Identity(
        {
          defaultZoneId: '1',
          resolveUserId: (_c, o) => {
            if ((o as { boom?: boolean }).boom) throw new Error('boom');
            return 'resolved';
          },
          resolveZoneId: () => 7,
        },
        logger,
      );
      assert.equal(custom.userIdOf(client(), {}, room), 'resolved');
      assert.equal(custom.userIdOf(client(), { boom: true, userId: 'fallback' }, room), 'fallback');
      assert.equal(custom.zoneIdOf(client(), {}, room), '7');
      assert.equal(logger.find('resolveUserId option threw', 'error').length, 1);
    });
  });

  describe('formats', () => {
    it('writes wall-clock times in the configured IANA zone', () => {
      // the recharge spec's own pair: lTime 1677082481 is "2023-2-23 00:14:41" on the platform
      assert.equal(wallClock('Asia/Shanghai').format(1677082481_000), '2023-02-23 00:14:41');
      assert.equal(wallClock('UTC').format(1677082481_000), '2023-02-22 16:14:41');
      assert.equal(wallClock('America/New_York').format(Date.UTC(2024, 6, 1, 4, 0, 5)), '2024-07-01 00:00:05');
      assert.equal(wallClock('Asia/Shanghai').day(Date.UTC(2024, 0, 1, 16, 0, 0)), '2024-01-02');
    });

    it('writes ids as JSON numbers only when exact as doubles', () => {
      assert.deepEqual([idValue('1081181825'), idValue('9007199254740991'), idValue('9007199254740992'), idValue('007'), idValue('-5')], [1081181825, 9007199254740991, '9007199254740992', '007', -5]);
      assert.equal(idJson('12345678901234567890'), '"12345678901234567890"');
      assert.deepEqual([idText(12), idText(2 ** 60), idText(12345678901234567890n), idText(''), idText(1.5)], ['12', undefined, '12345678901234567890', undefined, undefined]);
    });

    it('options: defaults, and bad values named', () => {
      const o = roomsOptionsSchema.parse({});
      assert.deepEqual([o.timeZone, o.serverState.hashName, o.serverState.intervalMs, o.roleInfo.hashName, o.serverState.roleCap], ['Asia/Shanghai', 'serverstate', 5000, 'idip_server_roleinfo', 0]);
      for (const [bad, message] of [
        [{ timeZone: 'Mars/Olympus' }, /IANA time zone/],
        [{ roleInfo: { extraFields: ['Item2'] } }, /Item1–Item4/],
        [{ roleInfo: { extraFields: ['5'] } }, /not a plain integer/],
        [{ serverState: { hashName: 'a{b}' } }, /without whitespace/],
        [{ serverState: { serverBeginTime: '2018/10/11' } }, /YYYY-MM-DD HH:mm:ss/],
      ] as const) {
        assert.throws(() => roomsOptionsSchema.parse(bad), message);
      }
    });
  });
});
