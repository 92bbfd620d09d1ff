/**
 * The panel's two HTML documents: the sign-in form and the page. One self-contained response each (styles
 * and script inline under a per-response CSP nonce, system fonts, no external request), about 17 KB.
 */
import { PANEL_JS } from './script.js';
import { PANEL_CSS } from './style.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside a <script> element: `<` escaped so no value can close the element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

const head = (title: string, nonce: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${esc(title)}</title><style nonce="${esc(nonce)}">${PANEL_CSS}</style></head>`;

export function loginPage(o: { action: string; nonce: string; error?: string }): string {
  return `${head('Platform bridge · sign in', o.nonce)}<body><div class="login"><h1>Platform bridge panel</h1><div class="dim">Sign in with the admin token (<span class="mono">admin.token</span>).</div>
<form method="post" action="${esc(o.action)}" autocomplete="off"><input type="password" name="token" id="token" placeholder="admin token" autofocus required>
${o.error ? `<div class="note err" id="loginerror">${esc(o.error)}</div>` : ''}<button class="primary" type="submit" id="signin">Sign in</button></form></div></body></html>`;
}

export function panelPage(o: { base: string; csrf: string; nonce: string; refreshMs: number }): string {
  const cfg = scriptJson({ base: o.base === '/' ? '' : o.base, csrf: o.csrf, refreshMs: o.refreshMs });
  return `${head('Platform bridge', o.nonce)}<body>
<header><h1>Platform bridge</h1><span id="status"></span><span class="dim" id="where"></span><span class="sp"></span><span class="dim" id="updated">loading…</span><button id="logout" class="small">sign out</button></header>
<div class="banner" id="banner" role="alert"></div>
<main>
<section class="wide"><h2>Platforms</h2><div id="platforms"></div></section>
<section class="wide"><h2>Orders</h2><div id="tiles"></div>
<form class="search" id="search"><input type="text" id="q" name="q" placeholder="order id, ledger key or user id" autocomplete="off"><button class="primary" type="submit">Find</button></form>
<div class="note" id="ordernote"></div><div id="results"></div><div id="timeline"></div></section>
<section><h2>Given up</h2><div id="givenup"></div></section>
<section><h2>Stuck granting</h2><div id="stuck"></div></section>
<section class="wide"><h2>Refusals, last hour (this process)</h2><div id="refusals"></div></section>
<section><h2>Zones · serverstate</h2><div id="zones"></div></section>
<section><h2>GameCenter queues</h2><div id="gc"></div></section>
<section class="wide"><h2>SUD settlements</h2><div id="sud"></div></section>
</main>
<dialog id="confirm"><div id="confirmtext"></div><menu><button id="confirmno" type="button">Cancel</button><button id="confirmok" class="danger" type="button">Retry</button></menu></dialog>
<script type="application/json" id="cfg">${cfg}</script>
<script nonce="${esc(o.nonce)}">${PANEL_JS}</script></body></html>`;
}
