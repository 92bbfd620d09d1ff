/**
 * The monitor panel in a real headless chromium against a real server and Redis: sign in with the admin
 * token; the order this test sent over the signed recharge route shows; found by user id; its timeline;
 * a given-up order retried through the confirmation and seen granted; a wrong token refused; a POST
 * without the CSRF token refused (plain fetch with a valid session cookie).
 */
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import { rechargeOrder } from '../../src/testing/requests.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';
import { chromiumAvailable, launchChromium } from '../helpers/browser.js';
import { useRedisServer } from '../helpers/redisServer.js';
import { waitFor } from '../helpers/processes.js';

const TOKEN = 'panel-admin-token-0123456789';
const KEY = 'panel-test-recharge-key';

describe('monitor panel (chromium)', function () {
  this.timeout(60_000);
  const redis = useRedisServer();
  let app: BootedBridge;
  let chromium: { context: BrowserContext; close(): Promise<void> } | undefined;
  const brokenUsers = new Set<string>(['u-broken']);

  before(async function () {
    if (!chromiumAvailable()) {
      if (process.env.CI === 'true') throw new Error('/usr/bin/chromium is missing: .ci/run installs it with apt (the panel tests must run in CI)');
      console.warn('    skipping the panel browser tests: /usr/bin/chromium is not installed (apt-get install chromium)');
      this.skip();
    }
    app = await bootBridge({
      bridge: {
        redis: redis.url,
        keyPrefix: `panel${Date.now()}:`,
        zoneId: 7,
        admin: { token: TOKEN, ipAllowList: ['127.0.0.1'] },
        panel: { enabled: true, refreshMs: 1000 },
        recharge: { key: KEY, zones: [7], socket: { port: 0, host: '127.0.0.1' } },
        ledger: { pollIntervalMs: 20, backoffBaseMs: 5, backoffMaxMs: 5, maxAttempts: 1 },
        grant: async (order) => {
          if (brokenUsers.has(order.userId)) throw new Error('wallet down');
          return {};
        },
      },
    });
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await app?.bridge.close();
    await app?.shutdown();
  });

  const panelUrl = () => `${app.baseUrl}/platform/panel`;
  const send = async (userId: string, orderNo: string, badSign = false) => {
    const res = await fetch(`${app.baseUrl}/platform/recharge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rechargeOrder({ key: KEY, userId, amount: 600, zoneId: '7', orderNo, badSign }, 'http')),
    });
    const body = (await res.json()) as { msg: string };
    return { code: (JSON.parse(body.msg) as { ret: number }).ret };
  };
  const signIn = async (page: Page, token = TOKEN) => {
    await page.goto(panelUrl());
    await page.fill('#token', token);
    await page.click('#signin');
  };

  it('refuses a wrong token at sign-in and sets no session', async () => {
    const page = await chromium!.context.newPage();
    await signIn(page, 'not-the-token-at-all');
    await page.waitForSelector('#loginerror');
    assert.match((await page.textContent('#loginerror')) ?? '', /not the admin token/);
    assert.deepEqual(
      (await chromium!.context.cookies()).filter((c) => c.name === 'platform_bridge_panel'),
      [],
    );
    const api = await fetch(`${panelUrl()}/api/state`);
    assert.equal(api.status, 401);
    assert.equal(app.logger.find('panel refused: wrong admin token at sign-in', 'warn').length, 1);
    await page.close();
  });

  it('signs in; shows the sent order, finds it by user id, opens its timeline; retries a given-up order to granted', async () => {
    assert.equal((await send('u-alice', 'PANEL-A1')).code, 1);
    assert.equal((await send('u-broken', 'PANEL-B1')).code, 1);
    assert.equal((await send('u-mallory', 'PANEL-X1', true)).code, -4, 'a bad sign is refused (and counted by the panel)');
    await waitFor('B1 given up', async () => ((await app.bridge.desk.get('PANEL-B1'))?.state === 'given_up' ? true : undefined));

    const page = await chromium!.context.newPage();
    await signIn(page);
    await page.waitForSelector('#platforms [data-platform="recharge"]');
    const cookie = (await chromium!.context.cookies()).find((c) => c.name === 'platform_bridge_panel');
    assert.ok(cookie, 'a session cookie');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.ok(cookie.expires > Date.now() / 1000, 'it expires');

    // the banner and the given-up list show the failed order
    await page.waitForSelector('#banner:has-text("given up")');
    await page.waitForSelector('#givenup tr[data-key="recharge:PANEL-B1"]');
    // refusals grouped by reason and caller
    await page.waitForSelector('#refusals td:has-text("bad sign")');
    assert.match((await page.textContent('#refusals')) ?? '', /127\.0\.0\.1/);
    // zone 7's serverstate entry
    await page.waitForSelector('#zones [data-zone="7"]');

    // find by user id, open the timeline
    await page.fill('#q', 'u-alice');
    await page.click('#search button[type=submit]');
    const row = page.locator('#results tr[data-key="recharge:PANEL-A1"]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-state'), 'granted');
    await row.locator('button.timeline').click();
    await page.waitForSelector('#timeline [data-key="recharge:PANEL-A1"]');
    const timeline = (await page.textContent('#timeline')) ?? '';
    assert.match(timeline, /accepted/);
    assert.match(timeline, /granted/);

    // retry the given-up order after the confirmation; it is granted
    brokenUsers.delete('u-broken');
    await page.click('#givenup tr[data-key="recharge:PANEL-B1"] button.retry');
    await page.waitForSelector('#confirm[open]');
    assert.match((await page.textContent('#confirmtext')) ?? '', /PANEL-B1/);
    await page.click('#confirmok');
    await page.waitForSelector('#ordernote:has-text("pending again")');
    await page.fill('#q', 'u-broken');
    await page.click('#search button[type=submit]');
    await page.waitForSelector('#results tr[data-key="recharge:PANEL-B1"][data-state="granted"]');
    const entries = (await app.bridge.desk.timeline('PANEL-B1'))!.entries;
    const retried = entries.find((e) => e.event === 'retried');
    assert.deepEqual([retried?.by, retried?.address], ['panel', '127.0.0.1']);
    await page.close();
  });

  it('refuses a POST without the CSRF token of its session, or with a forged one', async () => {
    const login = await fetch(`${panelUrl()}/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }), redirect: 'manual' });
    assert.equal(login.status, 303);
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    const retry = (headers: Record<string, string>) =>
      fetch(`${panelUrl()}/api/retry`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ id: 'PANEL-B1' }) });
    assert.equal((await retry({})).status, 403);
    assert.equal((await retry({ 'x-csrf-token': 'forged' })).status, 403);
    assert.equal(app.logger.find('panel refused: missing or wrong CSRF token', 'warn').length, 2);
    // the page carries the session's token; with it the same POST goes through (409: B1 is granted now)
    const page = await (await fetch(panelUrl(), { headers: { cookie } })).text();
    const csrf = /"csrf":"([^"]+)"/.exec(page)![1]!;
    assert.equal((await retry({ 'x-csrf-token': csrf })).status, 409);
  });
});
