/**
 * The panel's gates without a browser: it needs the admin token to start; an address off the admin
 * allow-list is refused (403) before anything else; a session cookie expires, cannot be altered, dies with
 * a changed admin token, and every JSON route needs one.
 */
import assert from 'node:assert/strict';
import { PanelSessions, COOKIE_NAME } from '../../src/ops/panel/session.js';
import { bootBridge, type BootedBridge } from '../helpers/colyseus.js';

const TOKEN = 'panel-admin-token-0123456789';

describe('monitor panel gates', function () {
  let app: BootedBridge | undefined;
  afterEach(async () => {
    await app?.bridge.close();
    await app?.shutdown();
    app = undefined;
  });

  it('needs admin.token to start', async () => {
    await assert.rejects(() => bootBridge({ bridge: { panel: { enabled: true } } }), /admin.token: panel.enabled needs admin.token/);
  });

  it('refuses an address outside admin.ipAllowList with 403 on every route, and logs it', async () => {
    app = await bootBridge({ bridge: { admin: { token: TOKEN, ipAllowList: ['10.20.30.0/24'] }, panel: { enabled: true } } });
    const page = await fetch(`${app.baseUrl}/platform/panel`);
    assert.equal(page.status, 403);
    const login = await fetch(`${app.baseUrl}/platform/panel/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN }), redirect: 'manual' });
    assert.equal(login.status, 403);
    assert.equal(login.headers.get('set-cookie'), null);
    const lines = app.logger.find('panel refused: caller address not allowed', 'warn');
    assert.equal(lines.length, 2);
    assert.equal(lines[0]!.fields?.peer, '127.0.0.1');
  });

  it('serves the sign-in form without a session and no data; the JSON routes answer 401', async () => {
    app = await bootBridge({ bridge: { admin: { token: TOKEN }, panel: { enabled: true, path: '/ops/panel' } } });
    const page = await fetch(`${app.baseUrl}/ops/panel`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /name="token"/);
    assert.doesNotMatch(html, /csrf/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'none'/);
    for (const path of ['/api/state', '/api/search?q=x', '/api/timeline?id=x']) assert.equal((await fetch(`${app.baseUrl}/ops/panel${path}`)).status, 401, path);
    assert.equal((await fetch(`${app.baseUrl}/ops/panel/api/retry`, { method: 'POST', body: '{"id":"x"}' })).status, 401);
    assert.ok(!JSON.stringify(app.logger.lines).includes(TOKEN), 'the token is never logged');
  });

  it('a session cookie expires, cannot be altered and dies with a changed token', () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    const sessions = new PanelSessions(TOKEN, 60_000, clock);
    const { cookieValue, session } = sessions.create();
    const header = `${COOKIE_NAME}=${cookieValue}`;
    assert.equal(sessions.read(header)?.id, session.id);
    assert.equal(sessions.read(`other=1; ${header}`)?.csrf, session.csrf);
    const [id, exp, mac] = cookieValue.split('.');
    assert.equal(sessions.read(`${COOKIE_NAME}=${id}.${Number(exp) + 3_600_000}.${mac}`), undefined, 'a longer expiry is not signed');
    assert.equal(new PanelSessions('another-admin-token-987654', 60_000, clock).read(header), undefined);
    assert.ok(sessions.csrfOk(session, session.csrf));
    assert.ok(!sessions.csrfOk(session, null));
    assert.ok(!sessions.csrfOk(session, sessions.create().session.csrf), "another session's CSRF token");
    now += 60_000;
    assert.equal(sessions.read(header), undefined, 'expired');
    const fresh = sessions.create();
    sessions.revoke(fresh.session);
    assert.equal(sessions.read(`${COOKIE_NAME}=${fresh.cookieValue}`), undefined, 'signed out');
  });
});
