/**
 * VNGates /rolelist on a real Colyseus server: the document's answer shape from a RoleLookup, and
 * refusals (bad or missing sign, missing user_id, address outside the allow-list, no lookup installed).
 */
import assert from 'node:assert/strict';
import { installVngates, parseVngatesOptions, type RoleLookup, type VngatesOptionsInput, type VngatesService } from '../../src/platforms/vngates/index.js';
import type { RoleRegistry } from '../../src/rooms/services.js';
import { bootHarness, type Harness } from '../sud/harness.js';
import { APP_ID, get, md5 } from './support.js';

describe('VNGates /rolelist', function () {
  this.timeout(30_000);
  const open: Array<Harness<VngatesService>> = [];
  after(async () => {
    // one at a time: Colyseus's matchmaker is one per process
    for (const h of open) await h.close();
  });

  const lookups: string[] = [];
  const roles: RoleLookup = {
    async rolesOf(userId) {
      lookups.push(userId);
      if (userId === 'broken') throw new Error('role store exploded');
      return userId === '229' ? [{ roleId: '105', roleName: 'Boombu', serverId: '100', serverName: 'TestBom', loginTime: 1667812169000 }] : [];
    },
  };

  // served to this machine: without an allow-list (or rolelistPublic) the route is not mounted
  async function boot(vngates: Partial<VngatesOptionsInput>, withRoles = true) {
    const options = { appId: APP_ID, ipAllowList: ['127.0.0.0/8', '::1'], ...vngates } as VngatesOptionsInput;
    const h = await bootHarness({}, (ctx, { ledger }) => installVngates(ctx, parseVngatesOptions(options), { ledger, ...(withRoles ? { roles } : {}) }));
    open.push(h);
    return h;
  }
  const url = (h: Harness<unknown>, userId: string | null, sign: string | null) => {
    const q = new URLSearchParams();
    if (userId !== null) q.set('user_id', userId);
    if (sign !== null) q.set('sign', sign);
    return `${h.baseUrl}/rolelist?${q}`;
  };

  it('the role registry of the rooms layer fits RoleLookup', () => {
    const fits = (r: RoleRegistry): RoleLookup => r;
    assert.equal(typeof fits, 'function');
  });

  it("lists the roles in the document's shape", async () => {
    const h = await boot({});
    const res = await get(url(h, '229', md5('229')));
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"msg":"success","data":[{"role_name":"Boombu","server_name":"TestBom","role_id":"105","login_time":1667812169000,"server_id":"100"}],"status":1}');
    assert.equal((await get(url(h, '7', md5('7').toUpperCase()))).text, '{"msg":"success","data":[],"status":1}');
  });

  it('refuses a bad or missing sign and a missing user_id with status 0, logged, without a lookup', async () => {
    const h = await boot({});
    lookups.length = 0;
    for (const [u, s, msg] of [
      ['229', md5('230'), 'invalid sign'],
      ['229', null, 'missing sign'],
      [null, md5(''), 'missing user_id'],
    ] as const) {
      assert.deepEqual(await get(url(h, u, s)), { status: 200, text: `{"msg":"${msg}","data":[],"status":0}` });
      assert.equal(h.logger.find(`vngates rolelist refused: ${msg}`, 'warn').length, 1);
    }
    assert.deepEqual(lookups, []);
  });

  it('is not served without an allow-list (404), and says so once at start', async () => {
    const h = await boot({ ipAllowList: undefined });
    lookups.length = 0;
    for (let i = 0; i < 3; i++) assert.equal((await get(url(h, '229', md5('229')))).status, 404);
    assert.deepEqual(lookups, [], 'no role was looked up');
    const said = h.logger.find('/rolelist is not served', 'warn');
    assert.equal(said.length, 1);
    assert.match(said[0]!.message, /vngates\.ipAllowList.*vngates\.rolelistPublic/);
    assert.equal((h.platforms.get('vngates')?.details as { rolelistPath: unknown }).rolelistPath, null);
  });

  it('is served to everyone when the operator marks it public, with a warning', async () => {
    const h = await boot({ ipAllowList: undefined, rolelistPublic: true });
    assert.equal((await get(url(h, '229', md5('229')))).status, 200);
    assert.equal(h.logger.find('rolelistPublic: /rolelist answers anyone', 'warn').length, 1);
  });

  it('an address outside the allow-list gets 403', async () => {
    const h = await boot({ ipAllowList: ['192.0.2.0/24'] });
    assert.deepEqual(await get(url(h, '229', md5('229'))), { status: 403, text: '{"msg":"caller address not allowed","data":[],"status":0}' });
    assert.equal(h.logger.find('vngates rolelist refused: caller address not allowed').length, 1);
  });

  it('without a role lookup, or when it fails: status 0 with a retryable HTTP status, logged', async () => {
    const bare = await boot({}, false);
    assert.deepEqual(await get(url(bare, '229', md5('229'))), { status: 503, text: '{"msg":"role list unavailable","data":[],"status":0}' });
    assert.equal(bare.logger.find('no role lookup is installed', 'error').length, 1);
    const h = await boot({});
    assert.deepEqual(await get(url(h, 'broken', md5('broken'))), { status: 500, text: '{"msg":"internal error","data":[],"status":0}' });
    assert.equal(h.logger.find('roles could not be read', 'error').length, 1);
  });
});
