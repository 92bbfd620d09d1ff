import assert from 'node:assert/strict';
import {
  GameCenterAnotherClientAuthorizedError,
  GameCenterDuplicateOperationError,
  GameCenterError,
  GameCenterInternalError,
  GameCenterInvalidAccessTokenError,
  GameCenterInvalidParameterError,
  GameCenterNeedLoginError,
  GameCenterNoPermissionError,
  GameCenterTransferRejectedError,
  GameCenterTransportError,
  GameCenterUserBlockedError,
  gameCenterErrorFor,
  isGameCenterError,
  isGameCenterTransportError,
} from '../../src/platforms/gamecenter/errors.js';
import { useDouble } from './support.js';

const USER = '293838182132212';
const TOKEN = 'tok-1';

const TABLE: Array<[number, new (...args: never[]) => GameCenterError, string]> = [
  [900, GameCenterInternalError, 'internal error'],
  [920, GameCenterNeedLoginError, 'unauthorized request, need login.'],
  [921, GameCenterUserBlockedError, '{"reason":"cheating","expired":1700000000000}'],
  [922, GameCenterInvalidAccessTokenError, 'unauthorized request, invalid access token'],
  [923, GameCenterNoPermissionError, 'no permission'],
  [924, GameCenterAnotherClientAuthorizedError, 'invalid access token, another client was authorized.'],
  [998, GameCenterDuplicateOperationError, 'duplicate operation'],
  [999, GameCenterInvalidParameterError, 'invalid parameter'],
  [370004, GameCenterTransferRejectedError, 'transfer failed, rejected by pay gateway'],
];

describe('gamecenter errors', () => {
  describe('mapping', () => {
    it('gives every documented code its own class, and unknown codes the base class', () => {
      for (const [code, Cls, msg] of TABLE) {
        const e = gameCenterErrorFor('transfer.new', code, msg);
        assert.ok(e instanceof Cls, `${code}`);
        assert.ok(e instanceof GameCenterError);
        assert.equal(e.code, code);
        assert.equal(e.msg, msg);
        assert.equal(e.endpoint, 'transfer.new');
        assert.ok(isGameCenterError(e, code));
        assert.ok(!isGameCenterError(e, code + 1));
      }
      const unknown = gameCenterErrorFor('user.friends', 12345, 'new thing');
      assert.equal(unknown.constructor, GameCenterError);
      assert.equal(unknown.code, 12345);
      assert.ok(isGameCenterError(unknown));
      assert.ok(!isGameCenterError(new Error('x')));
    });

    it('reads 921 reason and expired from msg JSON, from data, or falls back to the raw msg', () => {
      const fromMsg = gameCenterErrorFor('auth.check_status', 921, '{"reason":"cheating","expired":1700000000000}');
      assert.ok(fromMsg instanceof GameCenterUserBlockedError);
      assert.deepEqual([fromMsg.reason, fromMsg.expired], ['cheating', 1700000000000]);

      const fromData = gameCenterErrorFor('auth.check_status', 921, 'blocked', { reason: 'spam', expired: '1800000000000' });
      assert.ok(fromData instanceof GameCenterUserBlockedError);
      assert.deepEqual([fromData.reason, fromData.expired], ['spam', 1800000000000]);

      const plain = gameCenterErrorFor('auth.check_status', 921, 'user blocked');
      assert.ok(plain instanceof GameCenterUserBlockedError);
      assert.deepEqual([plain.reason, plain.expired], ['user blocked', 0]);
    });

    it('keeps transport errors apart from API errors', () => {
      const t = new GameCenterTransportError('x', 'timeout', 'slow', { reachedServer: 'unknown', transient: true });
      assert.ok(isGameCenterTransportError(t));
      assert.ok(!isGameCenterError(t));
      assert.ok(!isGameCenterTransportError(gameCenterErrorFor('x', 900, '')));
    });
  });

  describe('from the wire', () => {
    const h = useDouble();

    it('maps every scripted code to its typed error, with endpoint and msg', async () => {
      const c = h.client();
      for (const [code, Cls, msg] of [...TABLE, [4242, GameCenterError, 'something new'] as const]) {
        h.double.failNext('order.new_exchange', { code, msg });
        await assert.rejects(c.newExchange({ userId: USER, env: 0, sku: 's', orderRef: `r${code}`, amount: 1 }), (e: unknown) => {
          assert.ok(e instanceof Cls, `${code} gave ${String(e)}`);
          assert.equal(e.code, code);
          assert.equal(e.msg, msg);
          assert.equal(e.endpoint, 'order.new_exchange');
          return true;
        });
      }
    });

    it('921 from a blocked user carries reason and expired, in msg or in data', async () => {
      h.double.addUser(USER, TOKEN);
      h.double.blocked.set(USER, { reason: 'cheating', expired: 1_700_000_000_000 });
      await assert.rejects(h.client().checkAuth(USER, TOKEN), (e: unknown) => {
        assert.ok(e instanceof GameCenterUserBlockedError);
        assert.deepEqual([e.code, e.reason, e.expired], [921, 'cheating', 1_700_000_000_000]);
        return true;
      });
      h.double.blocked.set(USER, { reason: 'spam', expired: 1_800_000_000_000, via: 'data' });
      await assert.rejects(h.client().friends(TOKEN), (e: unknown) => {
        assert.ok(e instanceof GameCenterUserBlockedError);
        assert.deepEqual([e.reason, e.expired], ['spam', 1_800_000_000_000]);
        return true;
      });
    });

    it('token problems: 922 wrong token, 924 superseded token, and 923 for a denied API', async () => {
      h.double.addUser(USER, TOKEN);
      const c = h.client();
      await assert.rejects(c.checkAuth(USER, 'wrong'), GameCenterInvalidAccessTokenError);
      await assert.rejects(c.checkAuth('someone-else', TOKEN), GameCenterInvalidAccessTokenError);
      h.double.supersededTokens.add('old-token');
      await assert.rejects(c.playingFriends('old-token'), GameCenterAnotherClientAuthorizedError);
      h.double.deniedApis.add('user.playing_members');
      await assert.rejects(c.playingMembers(TOKEN, 'g1'), GameCenterNoPermissionError);
    });

    it('370004 when the gateway rejects a transfer', async () => {
      h.double.addUser(USER, TOKEN);
      h.double.failNext('transfer.new', { code: 370004, msg: 'transfer failed, rejected by pay gateway' });
      await assert.rejects(h.client().newTransfer({ userToken: TOKEN, amount: 5 }), GameCenterTransferRejectedError);
      assert.equal(h.double.requestsTo('transfer.new').length, 1);
    });

    it('logs one line per failed call with endpoint and code, never the secret or the token', async () => {
      h.double.addUser(USER, TOKEN);
      h.double.blocked.set(USER, { reason: 'r', expired: 1 });
      await assert.rejects(h.client().checkAuth(USER, TOKEN));
      assert.equal(h.logger.lines.length, 1);
      const [line] = h.logger.lines;
      assert.equal(line.level, 'warn');
      assert.equal(line.fields?.endpoint, 'auth.check_status');
      assert.equal(line.fields?.code, 921);
      const text = JSON.stringify(h.logger.lines);
      assert.ok(!text.includes(TOKEN) && !text.includes('double-secret'));
    });
  });
});
