import assert from 'node:assert/strict';
import { freePort } from '../helpers/ports.js';
import { spawnTs, within } from '../helpers/processes.js';
import { useRedisServer } from '../helpers/redisServer.js';

describe('shutdown', function () {
  this.timeout(30_000);
  const redis = useRedisServer();

  it('closes everything the bridge opened: the process exits by itself', async () => {
    const proc = spawnTs('test/fixtures/shutdown-exits.ts', { REDIS_URL: redis.url, PORT: String(await freePort()) });
    try {
      const { code } = await within(20_000, 'the process exiting on its own', proc.exited());
      assert.equal(code, 0, proc.output());
      assert.match(proc.output(), /health 200/);
      assert.match(proc.output(), /host onShutdown ran: true/);
    } finally {
      proc.kill();
    }
  });
});
