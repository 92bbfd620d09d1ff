/**
 * SUD settlement and event handlers under `sud.worker.handlerTimeoutMs`: past it the handler's signal is
 * aborted, the attempt counts as failed (retried with backoff) and a log line says so.
 */
import assert from 'node:assert/strict';
import { installSud, parseSudOptions, type HandlerContext, type SudOptionsInput, type SudService } from '../../src/platforms/sud/index.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitUntil } from '../helpers/processes.js';
import { bootHarness, type Harness } from './harness.js';
import { APP_ID, APP_SECRET, SUCCESS_TEXT, post, signed, specExample } from './support.js';

describe('SUD handler deadlines', function () {
  this.timeout(30_000);
  const redis = useRedisServer();
  const open: Array<Harness<SudService>> = [];
  after(async () => {
    for (const h of open) await h.close();
  });
  let prefixes = 0;
  async function boot(sud: Partial<SudOptionsInput>) {
    const h = await bootHarness({ redis: redis.url, keyPrefix: `sdl${++prefixes}:` }, (ctx) =>
      installSud(ctx, parseSudOptions({ appId: APP_ID, appSecret: APP_SECRET, worker: { pollIntervalMs: 20, backoffBaseMs: 20, backoffMaxMs: 50, handlerTimeoutMs: 200 }, ...sud })),
    );
    open.push(h);
    return { h, url: `${h.baseUrl}/platform/sud/notify` };
  }

  it('a settlement handler past its deadline is aborted, counted failed, logged, and retried until it settles', async () => {
    const calls: HandlerContext[] = [];
    const { h, url } = await boot({
      onSettlement: async (_s, ctx) => {
        calls.push(ctx);
        if (calls.length === 1) {
          await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
          throw ctx.signal.reason;
        }
      },
    });
    assert.equal((await post(url, signed(JSON.stringify(specExample('dl-n1', 'm-deadline'))))).text, SUCCESS_TEXT);
    const job = await waitUntil(
      'settled',
      () => h.installed.settlements.get('m-deadline'),
      (j) => j?.state === 'done',
    );
    assert.equal(calls.length, 2);
    assert.equal(calls[0]!.signal.aborted, true);
    assert.equal(calls[1]!.signal.aborted, false);
    assert.equal(job!.attempts, 2, 'the timed-out attempt counted as failed');
    const line = h.logger.find('sud: handler timed out', 'warn');
    assert.equal(line.length, 1);
    assert.equal(line[0]!.fields!.kind, 'settle');
  });
});
