/**
 * The panel's browser code, plain JavaScript in a string (no build step, no third-party code): polls the
 * state JSON every `refreshMs`, renders it with DOM calls only (every value goes through textContent, so
 * nothing an order or a caller sent can become markup), searches orders, shows a timeline, retries.
 */
export const PANEL_JS = String.raw`
(function(){
"use strict";
var cfg=JSON.parse(document.getElementById('cfg').textContent);
var $=function(id){return document.getElementById(id)};
function h(tag,attrs){var e=document.createElement(tag);if(attrs)for(var k in attrs){var v=attrs[k];if(v==null)continue;
 if(k==='text')e.textContent=String(v);else if(k==='cls')e.className=v;else if(k.slice(0,2)==='on')e.addEventListener(k.slice(2),v);else e.setAttribute(k,v)}
 var add=function(c){if(c==null)return;if(Array.isArray(c))c.forEach(add);else e.append(c instanceof Node?c:document.createTextNode(String(c)))};
 for(var i=2;i<arguments.length;i++)add(arguments[i]);return e}
function ago(ms){if(!ms)return '-';var s=Math.round((Date.now()-ms)/1000);if(s<0)s=0;if(s<60)return s+' s ago';if(s<3600)return Math.floor(s/60)+' min ago';if(s<86400)return Math.floor(s/3600)+' h ago';return Math.floor(s/86400)+' d ago'}
function time(ms){return ms?new Date(ms).toISOString().replace('T',' ').slice(0,19):'-'}
function table(head,rows,empty){if(!rows.length)return h('div',{cls:'empty',text:empty||'nothing'});
 return h('table',null,h('thead',null,h('tr',null,head.map(function(x){return h('th',{text:x})}))),h('tbody',null,rows))}
function tr(cells,attrs){return h('tr',attrs||null,cells.map(function(c){return c instanceof Node?h('td',null,c):h('td',{text:c==null?'':c})}))}
function pill(text,kind){return h('span',{cls:'pill '+(kind||''),text:text})}
function stateCell(s){return h('span',{cls:'state '+s,text:s})}
function fill(id,node){var e=$(id);e.replaceChildren(node)}
function api(path,opts){opts=opts||{};opts.headers=Object.assign({'x-csrf-token':cfg.csrf},opts.headers||{});opts.credentials='same-origin';
 return fetch(cfg.base+path,opts).then(function(r){if(r.status===401){location.reload();throw new Error('signed out')}
  return r.json().then(function(b){if(!r.ok&&!b.outcome)throw new Error(b.error||('HTTP '+r.status));return b})})}
function note(id,text,err){var e=$(id);e.textContent=text||'';e.className='note'+(err?' err':'')}

function orderRows(list,withRetry){return list.map(function(o){
 var cells=[h('span',{cls:'mono',text:o.orderId||o.key}),o.userId,o.amount+(o.currency?' '+o.currency:''),stateCell(o.state),String(o.attempts),ago(o.updatedAt),
  h('span',null,h('button',{cls:'small timeline',onclick:function(){showTimeline(o.key)}},'timeline'),withRetry&&o.state==='given_up'?h('button',{cls:'small danger retry',onclick:function(){askRetry(o)}},'retry'):null)];
 return tr(cells,{'data-key':o.key,'data-state':o.state})})}
var ORDER_HEAD=['order','user','amount','state','attempts','updated',''];

function renderHealth(s){var hl=s.health;var st=$('status');st.replaceChildren(pill(hl.status,hl.status==='ok'?'ok':hl.status==='stopping'?'warn':'bad'));
 $('where').textContent='zone '+s.zoneId+' \u00b7 store '+hl.store.kind+(hl.store.reachable?' ('+hl.store.latencyMs+' ms)':' unreachable');
 var rows=Object.keys(hl.platforms).map(function(name){var p=hl.platforms[name];var cb=s.activity.callbacks[name];var det=[];
  if(p.socketState)det.push('socket '+p.socketState+(p.socketPort?' :'+p.socketPort:''));
  if(p.workers){Object.keys(p.workers).forEach(function(w){var x=p.workers[w];if(!x.ok)det.push(w+' failing')})}
  if(p.baseUrl)det.push(p.baseUrl);
  return tr([h('b',{text:name}),p.enabled?pill('on','ok'):pill('off'),det.join(' \u00b7 ')||'-',cb?ago(cb.at)+' \u00b7 '+cb.path+' \u2192 '+cb.code+' ('+cb.count+')':'-',p.problem?h('span',{cls:'state given_up',text:p.problem}):'' ],{'data-platform':name})});
 rows.unshift(tr([h('b',{text:'store'}),hl.store.reachable?pill('up','ok'):pill('down','bad'),hl.store.kind+(hl.store.error?' \u00b7 '+hl.store.error:''),hl.store.latencyMs!=null?hl.store.latencyMs+' ms ping':'-','']));
 var gc=s.activity.gamecenterCalls.map(function(c){return tr([h('span',{cls:'mono',text:c.api}),c.code==='0'?pill('0','ok'):pill(c.code,'bad'),c.ms+' ms',ago(c.at)])});
 fill('platforms',h('div',null,table(['platform','','details','last callback (this process)','problem'],rows),
  h('h2',{cls:'sub'},'Last GameCenter call per API'),table(['api','code','took','when'],gc,'no GameCenter call yet on this process')))}

function renderOrders(s){var c=s.counts;var t=function(n,label,kind){return h('div',{cls:'tile '+(n>0?kind:'')},h('b',{text:n==null?'?':n}),h('span',{text:label}))};
 if(c.error){fill('tiles',h('div',{cls:'note err',text:'counts unavailable: '+c.error}))}
 else fill('tiles',h('div',{cls:'tiles'},t(c.pending,'pending',''),t(c.granting,'granting'+(c.exact?'':' (at least)'),'warn'),t(Array.isArray(s.stuck)?s.stuck.length:0,'stuck > '+Math.round(s.stuckGrantingMs/60000)+' min','bad'),t(c.given_up,'given up','bad')));
 var b=[];if(c.given_up>0)b.push(c.given_up+' order'+(c.given_up>1?'s':'')+' given up: the grant handler failed every attempt; fix the cause, then retry below.');
 if(Array.isArray(s.stuck)&&s.stuck.length)b.push(s.stuck.length+' order'+(s.stuck.length>1?'s':'')+' stuck granting for more than '+Math.round(s.stuckGrantingMs/60000)+' min.');
 $('banner').textContent=b.join(' ');
 var gu=Array.isArray(s.givenUp)?s.givenUp:[];var st=Array.isArray(s.stuck)?s.stuck:[];
 fill('givenup',table(ORDER_HEAD,orderRows(gu,true),'no order given up'));
 fill('stuck',table(ORDER_HEAD,orderRows(st,false),'no order stuck granting'))}

function renderRefusals(s){var rows=s.activity.refusals.map(function(g){return tr([g.source,g.reason,h('span',{cls:'mono',text:g.peer}),h('b',{text:g.count}),ago(g.first),ago(g.last)])});
 fill('refusals',table(['where','reason','caller','count','first','last'],rows,'no refusal in the last hour'))}

function renderZones(s){if(s.zones.error){fill('zones',h('div',{cls:'note err',text:s.zones.error}));return}
 fill('zones',h('div',null,s.zones.map(function(z){var e=z.entry&&typeof z.entry==='object'?z.entry:{};
  var kv=h('div',{cls:'kv'},Object.keys(e).map(function(k){return h('span',null,h('span',{cls:'dim',text:k+' '}),h('b',{text:typeof e[k]==='object'?JSON.stringify(e[k]):e[k]}))}));
  var procs=z.processes.map(function(p){return tr([h('span',{cls:'mono',text:p.token}),p.live?pill('live','ok'):pill('expired','warn'),p.online,p.queue,p.cpuPercent!=null?p.cpuPercent+' %':'-',p.rssMb!=null?p.rssMb+' MB':'-',ago(p.at)])});
  return h('div',{cls:'zone','data-zone':z.zoneId},h('div',null,h('b',{text:'zone '+z.zoneId}),' ',z.entry===undefined?pill('no entry','warn'):''),kv,
   table(['process','','online','queue','cpu','rss','reported'],procs,'no process reports this zone'))})))}

function renderGameCenter(s){var g=s.gamecenter;if(!g){fill('gc',h('div',{cls:'empty',text:'GameCenter is off'}));return}
 if(g.error){fill('gc',h('div',{cls:'note err',text:g.error}));return}
 var cap=function(n,c){return c?n+'+':String(n)};
 fill('gc',h('div',null,table(['rank flush queue','users waiting','due now'],g.ranks.map(function(r){return tr([r.type,String(r.waiting),cap(r.dueNow,r.dueNowCapped)])})),
  h('div',{cls:'gap'}),table(['order polling','orders polled','due now'],[tr(['orders',String(g.orders.polling),cap(g.orders.dueNow,g.orders.dueNowCapped)])])))}

function renderSud(s){var d=s.sud;var recent=s.activity.settlements.map(function(x){return tr([time(x.at),h('span',{cls:'mono',text:x.matchId}),x.ok?pill('handled','ok'):pill('failed','bad'),x.error||''])});
 if(!d){fill('sud',h('div',{cls:'empty',text:'SUD is off'}));return}
 if(d.error){fill('sud',h('div',{cls:'note err',text:d.error}));return}
 fill('sud',h('div',null,h('div',{cls:'kv'},h('span',null,h('span',{cls:'dim',text:'queued '}),h('b',{text:d.queued})),h('span',null,h('span',{cls:'dim',text:'given up '}),h('b',{text:d.givenUp}))),
  table(['job','state','attempts','last error','due'],d.head.map(function(j){return tr([h('span',{cls:'mono',text:j.id}),j.state,String(j.attempts),j.lastError||'',time(j.dueAt)])}),'queue empty'),
  h('h2',{cls:'sub'},'Recent settlements handled on this process'),table(['at','match','result','error'],recent,'none yet')))}

var lastQuery=null,openKey=null;
function refresh(){if(lastQuery)search(lastQuery);if(openKey)showTimeline(openKey,true);return api('/api/state').then(function(s){renderHealth(s);renderOrders(s);renderRefusals(s);renderZones(s);renderGameCenter(s);renderSud(s);
 $('updated').textContent='updated '+new Date().toLocaleTimeString();$('updated').className='dim'}).catch(function(e){$('updated').textContent='refresh failed: '+e.message;$('updated').className='state given_up'})}

function search(q){lastQuery=q;return api('/api/search?q='+encodeURIComponent(q)).then(function(r){
 fill('results',h('div',null,h('div',{cls:'dim',text:r.orders.length+' order'+(r.orders.length===1?'':'s')+' for \u201c'+r.q+'\u201d'+(r.more?' (newest 100)':'')}),table(ORDER_HEAD,orderRows(r.orders,true),'no order known by that id or user')))}).catch(function(e){note('ordernote',e.message,true)})}
function showTimeline(key,quiet){openKey=key;return api('/api/timeline?id='+encodeURIComponent(key)).then(function(t){var o=t.order;
 var rows=t.entries.map(function(e){var rest=Object.keys(e).filter(function(k){return k!=='at'&&k!=='event'}).map(function(k){return k+'='+(typeof e[k]==='string'?e[k]:JSON.stringify(e[k]))}).join(' ');return tr([time(e.at),h('b',{text:e.event}),h('span',{cls:'mono',text:rest})])});
 fill('timeline',h('div',{'data-key':o.key},h('div',{cls:'kv'},h('span',null,h('span',{cls:'dim',text:'order '}),h('b',{cls:'mono',text:o.key})),h('span',null,h('span',{cls:'dim',text:'user '}),h('b',{text:o.userId})),h('span',null,h('span',{cls:'dim',text:'state '}),stateCell(o.state)),o.lastError?h('span',null,h('span',{cls:'dim',text:'last error '}),h('b',{text:o.lastError})):null),
  table(['at','event','details'],rows,'no journal entries (older than journal.ttlDays)')));if(!quiet)$('timeline').scrollIntoView({block:'nearest'})}).catch(function(e){note('ordernote',e.message,true)})}
var pending=null;
function askRetry(o){pending=o;$('confirmtext').textContent='Retry order '+(o.orderId||o.key)+' of user '+o.userId+' ('+o.amount+(o.currency?' '+o.currency:'')+')? The grant handler runs again; it must be idempotent on the order\u2019s key.'+(o.lastError?' Last error: '+o.lastError:'');$('confirm').showModal()}
$('confirmok').addEventListener('click',function(){var o=pending;$('confirm').close();if(!o)return;
 api('/api/retry',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({id:o.key})}).then(function(r){
  note('ordernote',r.outcome==='retried'?'Order '+(o.orderId||o.key)+' is pending again.':'Not retried: '+r.outcome,r.outcome!=='retried');refresh()}).catch(function(e){note('ordernote',e.message,true)})});
$('confirmno').addEventListener('click',function(){pending=null;$('confirm').close()});
$('search').addEventListener('submit',function(ev){ev.preventDefault();var q=$('q').value.trim();if(q)search(q)});
$('logout').addEventListener('click',function(){api('/logout',{method:'POST'}).then(function(){location.reload()})});
refresh();setInterval(refresh,cfg.refreshMs);
})();
`;
