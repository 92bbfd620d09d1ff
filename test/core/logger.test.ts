/**
 * What the logger masks: credentials (secrets, passwords, tokens, keys) are never printed, signatures are
 * shortened; identifiers an operator searches for (an order's or a match's idempotency key, a ledger key)
 * are printed in clear.
 */
import assert from 'node:assert/strict';
import { redact } from '../../src/logger.js';

describe('log field masking', () => {
  it('prints idempotency and ledger keys in clear, masks credentials, shortens signatures', () => {
    const out = redact({
      idempotencyKey: 'ce56b6lzi1a7-cf75pcvbs7j1-cxjfg7fzupz0',
      dedupeKey: 'recharge:0612023021401023533000',
      ledgerKey: 'gamecenter:42',
      appSecret: 'do-not-print',
      giftKey: 'do-not-print',
      key: 'do-not-print',
      token: 'do-not-print',
      Sign: '0123456789ABCDEF',
      matchId: 'm-1',
    });
    assert.deepEqual(out, {
      idempotencyKey: 'ce56b6lzi1a7-cf75pcvbs7j1-cxjfg7fzupz0',
      dedupeKey: 'recharge:0612023021401023533000',
      ledgerKey: 'gamecenter:42',
      appSecret: '***',
      giftKey: '***',
      key: '***',
      token: '***',
      Sign: '01234567…',
      matchId: 'm-1',
    });
  });
});
