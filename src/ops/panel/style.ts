/** The panel's stylesheet: system fonts only (a game server may have no internet), dark, dense, readable. */
export const PANEL_CSS = `
:root{--bg:#0f1419;--card:#171e26;--line:#263140;--text:#d9e1ea;--dim:#8394a7;--ok:#3fb97f;--warn:#e0a63a;--bad:#ef5f5f;--accent:#5aa9ff;
font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif;color-scheme:dark}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--text)}
header{display:flex;align-items:center;gap:14px;padding:10px 20px;border-bottom:1px solid var(--line);background:#121920;position:sticky;top:0;z-index:2}
header h1{font-size:15px;margin:0;font-weight:600;letter-spacing:.2px}header .sp{flex:1}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;background:#24303d;color:var(--dim)}
.pill.ok{background:#17392a;color:var(--ok)}.pill.warn{background:#3d3017;color:var(--warn)}.pill.bad{background:#441e22;color:var(--bad)}
.dim{color:var(--dim)}.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
main{padding:16px 20px;display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;min-width:0}
section.wide{grid-column:1/-1}
section h2{font-size:13px;margin:0 0 10px;text-transform:uppercase;letter-spacing:.6px;color:var(--dim);font-weight:600}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{color:var(--dim);font-weight:500;font-size:12px}tr:last-child td{border-bottom:0}
.banner{margin:12px 20px 0;padding:10px 14px;border-radius:8px;background:#441e22;border:1px solid #7a2f35;color:#ffd6d6;font-weight:600}
.banner:empty{display:none}
.tiles{display:flex;gap:10px;margin-bottom:12px}.tile{flex:1;background:#1d2630;border:1px solid var(--line);border-radius:6px;padding:8px 10px}
.tile b{display:block;font-size:22px;font-weight:600}.tile span{color:var(--dim);font-size:12px}
.tile.bad b{color:var(--bad)}.tile.warn b{color:var(--warn)}
form.search{display:flex;gap:8px;margin:4px 0 10px}
input[type=text],input[type=password]{flex:1;background:#0f151b;border:1px solid var(--line);color:var(--text);border-radius:6px;padding:7px 9px;font:inherit}
button{background:#22303e;border:1px solid #32465a;color:var(--text);border-radius:6px;padding:5px 11px;font:inherit;cursor:pointer}
button:hover{border-color:var(--accent)}button.primary{background:#1f4f86;border-color:#2d6bb0}button.danger{background:#5a2329;border-color:#8a3640}
button.small{padding:1px 8px;font-size:12px}
.state{font-weight:600}.state.granted{color:var(--ok)}.state.given_up,.state.declined{color:var(--bad)}.state.granting,.state.pending{color:var(--warn)}.state.cancelled{color:var(--dim)}
.kv{display:flex;flex-wrap:wrap;gap:6px 14px;margin:4px 0 8px}.kv span{white-space:nowrap}.kv b{font-weight:600}
.zone{border-top:1px solid var(--line);padding-top:8px;margin-top:8px}.zone:first-child{border:0;margin:0;padding:0}
#timeline:empty,#results:empty{display:none}#timeline{margin-top:10px;border-top:1px solid var(--line);padding-top:10px}
.note{padding:6px 10px;border-radius:6px;background:#17392a;color:#c4f2d9;margin:6px 0}.note.err{background:#441e22;color:#ffd6d6}
.note:empty{display:none}
dialog{background:var(--card);color:var(--text);border:1px solid var(--line);border-radius:8px;padding:16px 18px;max-width:440px}
dialog::backdrop{background:#0009}dialog menu{display:flex;justify-content:flex-end;gap:8px;padding:0;margin:14px 0 0}
.login{max-width:360px;margin:12vh auto;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:22px}
.login h1{font-size:16px;margin:0 0 4px}.login form{display:flex;flex-direction:column;gap:10px;margin-top:14px}
.empty{color:var(--dim);font-style:italic}
h2.sub{margin-top:14px}.gap{height:10px}td b{white-space:nowrap}
`;
