/**
 * `npm run panel:screenshot [out.png]`: boots the example server (in-process store, or REDIS_URL if set) with
 * the panel on, sends it a little traffic (signed recharge orders, a few with a bad sign, SUD settlements),
 * signs in with Debian's chromium and writes a PNG of the panel (default docs/panel.png) for the README.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { buildExampleServer } from '../example-server/app.js';
import { readEnv } from '../example-server/env.js';
import { GameCenterDouble } from '../src/testing/gameCenter/GameCenterDouble.js';
import { rechargeOrder, sudNotification } from '../src/testing/requests.js';
import { TRIAL_SECRETS } from '../src/testing/trialDefaults.js';

const out = resolve(process.argv[2] ?? 'docs/panel.png');
const TOKEN = 'screenshot-admin-token-0123456789';

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

const port = await freePort();
// GameCenter played by the testing kit's double on loopback, so its calls and queues show too
const gc = new GameCenterDouble({ host: '127.0.0.1', port: 0, appId: TRIAL_SECRETS.GAMECENTER_APP_ID, secret: TRIAL_SECRETS.GAMECENTER_SECRET, unknownOrdersPaid: true, acceptAnyToken: true });
const { url: gameCenterUrl } = await gc.start();
const env = readEnv({ ...process.env, PORT: String(port), HOST: '127.0.0.1', ADMIN_TOKEN: TOKEN, RECHARGE_SOCKET_PORT: String(await freePort()), GAMECENTER_URL: gameCenterUrl });
const { server, bridge } = buildExampleServer(env, { gracefullyShutdown: false });
await server.listen(env.port, env.host);
const base = `http://127.0.0.1:${port}`;

const recharge = async (userId: string, amount: number, badSign = false) => {
  await fetch(`${base}/platform/recharge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rechargeOrder({ key: TRIAL_SECRETS.RECHARGE_KEY, userId, amount, zoneId: String(env.zoneId), badSign }, 'http')),
  });
};
for (const [user, amount] of [
  ['10001', 600],
  ['10002', 3000],
  ['10001', 1200],
  ['10077', 600],
  ['10154', 9800],
] as const)
  await recharge(user, amount);
for (let i = 0; i < 6; i++) await recharge('10999', 600, true);
for (const uids of [
  ['10001', '10002'],
  ['10077', '10154'],
]) {
  const n = sudNotification({ appId: TRIAL_SECRETS.SUD_APP_ID, secret: TRIAL_SECRETS.SUD_APP_SECRET, roomId: 'battle-1', uids });
  await fetch(`${base}${bridge.options.sud!.path}`, { method: 'POST', headers: n.headers, body: n.body });
}
const gcs = bridge.gamecenter!;
await gcs.registerOrder({ orderId: 'GC-88120391', userId: '10002', zone: env.zoneId, amount: 499 });
await gcs.registerOrder({ orderId: 'unpaid-GC-88120407', userId: '10077', zone: env.zoneId, amount: 999 });
await gcs.ranks.record([
  { userId: '10001', type: 1, value: 4200 },
  { userId: '10002', type: 1, value: 3900 },
  { userId: '10077', type: 0, value: 31 },
]);
await gcs.flushRanks();
await gcs.ranks.record([{ userId: '10154', type: 1, value: 5100 }]);
// let the grants and the settlements run, and serverstate write its first entry
await bridge.rooms.serverState.tick();
const until = Date.now() + 10_000;
while (Date.now() < until && (await bridge.desk.counts()).pending > 0) await new Promise((r) => setTimeout(r, 50));

const profile = mkdtempSync(join(tmpdir(), 'bridge-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
  deviceScaleFactor: 1,
});
try {
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && console.error(`page: ${m.text()}`));
  page.on('response', (r) => r.status() >= 400 && console.error(`page: ${r.status()} ${r.url()}`));
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  const started = performance.now();
  await page.goto(`${base}${bridge.options.panel.path}`);
  await page.fill('#token', TOKEN);
  await page.click('#signin');
  await page.waitForSelector('#platforms table');
  const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime);
  const bytes = (await (await fetch(page.url(), { headers: { cookie: (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } })).text()).length;
  console.log(
    `panel: first contentful paint ${paint === undefined ? '?' : Math.round(paint)} ms after the signed-in page was requested, page ${bytes} bytes, data on screen ${Math.round(performance.now() - started)} ms after navigation started (sign-in included)`,
  );
  await page.fill('#q', '10001');
  await page.click('#search button[type=submit]');
  const first = page.locator('#results tr[data-key] button.timeline').first();
  await first.waitFor();
  await first.click();
  await page.waitForSelector('#timeline table');
  await page.waitForSelector('#refusals table');
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  await bridge.close();
  await server.gracefullyShutdown(false);
  await gc.stop();
  process.exit(0);
}
