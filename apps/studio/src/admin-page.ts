// The admin page served at `/`: static HTML, with its script (/admin.js) and style sheet (/admin.css) served as files,
// because the page's CSP allows nothing inline. The script calls the API with the token typed in; the token lives only
// in the browser tab's sessionStorage and the page never embeds it. Every value from the API is written with
// textContent, never as markup.
export const ADMIN_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>plugway studio</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/admin.css"></head>
<body>
<h1>plugway studio</h1>
<form id="auth"><label>API token <input id="token" type="password" autocomplete="off" size="48"></label>
<button type="submit" id="load">Load plugins</button></form>
<div id="msg" role="status"></div>
<div id="toolbar" hidden><button type="button" id="new">New plugin</button> <button type="button" id="refresh">Refresh</button></div>
<table id="plugins" hidden><thead><tr><th>ID</th><th>Name</th><th>Slug</th><th>Hook</th><th>Command</th><th>State</th><th>Health</th><th>Actions</th></tr></thead><tbody></tbody></table>
<section id="edges-section" hidden>
<h2>Edges</h2><p id="edges-version" class="muted"></p>
<table id="edges"><thead><tr><th>Edge ID</th><th>Applied version</th><th>Sync</th><th>Status</th><th>Last seen</th></tr></thead><tbody></tbody></table>
</section>
<section id="editor" hidden>
<h2 id="editor-title">New plugin</h2>
<form id="plugin-form">
<label>Name <input id="f-name" required maxlength="200"></label>
<label>Slug <input id="f-slug" placeholder="derived from the name" maxlength="64"></label>
<label>Command <input id="f-command" required size="60" placeholder="file:///… grpc://host:port oci://registry/repo:tag"></label>
<label>Hook <select id="f-hook"><option>pre_auth</option><option>auth</option><option>post_auth</option><option>on_response</option><option>data_collection</option></select></label>
<label>Description <input id="f-description" maxlength="2000"></label>
<label class="check"><input id="f-active" type="checkbox" checked> Active</label>
<label>Config (JSON; a "[REDACTED]" value keeps the stored secret) <textarea id="f-config" rows="6" spellcheck="false">{}</textarea></label>
<div><button type="submit" id="f-save">Save</button> <button type="button" id="f-cancel">Cancel</button></div>
</form>
</section>
<section id="details" hidden>
<h2 id="d-title"></h2>
<h3>Warnings and errors</h3><ul id="d-warnings"></ul>
<h3>Health history</h3>
<table id="d-health"><thead><tr><th>Time</th><th>State</th><th>Health</th><th>PID</th><th>Restarts</th></tr></thead><tbody></tbody></table>
<h3>Config schema</h3><pre id="d-schema"></pre>
<h3>Recent logs</h3><pre id="d-logs"></pre>
<div><button type="button" id="d-refresh">Check health again</button> <button type="button" id="d-close">Close</button></div>
</section>
<script src="/admin.js"></script>
</body></html>`;

export const ADMIN_CSS = `body{font:14px system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%;margin-top:1rem}
th,td{border-bottom:1px solid #ddd;padding:.4rem .6rem;text-align:left;vertical-align:top} th{background:#f4f4f4}
td.command{font-family:monospace;font-size:12px;word-break:break-all}
.SERVING,.running{color:#0a0} .NOT_SERVING,.error,.failed{color:#c00} .inactive,.unregistered{color:#777}
#msg{margin-top:.5rem;min-height:1.2em} #msg.bad{color:#c00} #msg.good{color:#555}
#toolbar{margin-top:1rem} td button{margin-right:.25rem}
section{border:1px solid #ccc;border-radius:6px;padding:1rem;margin-top:1.5rem;max-width:60rem}
#plugin-form label{display:block;margin:.5rem 0} #plugin-form input:not([type=checkbox]),#plugin-form select{display:block;width:100%;max-width:40rem}
#plugin-form textarea{display:block;width:100%;max-width:40rem;font-family:monospace}
pre{background:#f7f7f7;padding:.5rem;max-height:20rem;overflow:auto;font-size:12px;white-space:pre-wrap}
li.warning{color:#a60} li.error{color:#c00} .muted{color:#777}
td.current,td.ok{color:#0a0} td.behind,td.degraded{color:#c00;font-weight:bold}
`;

export const ADMIN_JS = `'use strict';
const $ = (s) => document.querySelector(s);
const tokenInput = $('#token');
tokenInput.value = sessionStorage.getItem('plugway-token') || '';
let plugins = [];
let editing = null;
let shown = null;

function say(text, good) { const m = $('#msg'); m.textContent = text; m.className = good ? 'good' : 'bad'; }
function codes(list) { return (list || []).map((w) => w.code).join(', '); }

async function api(path, init) {
  const opts = Object.assign({}, init || {});
  const headers = { authorization: 'Bearer ' + tokenInput.value };
  if (opts.body !== undefined) { headers['content-type'] = 'application/json'; opts.body = JSON.stringify(opts.body); }
  opts.headers = headers;
  const res = await fetch(path, opts);
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) {
    const e = body && body.error;
    const issues = e && e.details && e.details.issues ? ' (' + e.details.issues.map((i) => i.path + ': ' + i.message).join('; ') + ')' : '';
    throw new Error(e ? e.code + ': ' + e.message + issues : 'HTTP ' + res.status);
  }
  return body;
}

function el(tag, text, cls) { const n = document.createElement(tag); if (text !== undefined && text !== null) n.textContent = String(text); if (cls) n.className = cls; return n; }
function button(label, cls, fn) {
  const b = el('button', label, cls); b.type = 'button';
  b.addEventListener('click', async () => { try { await fn(); } catch (e) { say(e.message, false); } });
  return b;
}

async function load() {
  sessionStorage.setItem('plugway-token', tokenInput.value);
  try {
    const list = await api('/api/v1/plugins?page_size=100');
    plugins = list.data;
    const tbody = $('#plugins tbody'); tbody.textContent = '';
    for (const p of plugins) {
      const tr = el('tr'); tr.dataset.id = p.id;
      for (const [v, c] of [[p.id], [p.name, 'name'], [p.slug], [p.hook_type], [p.command, 'command'], [p.status.state, 'state ' + p.status.state]]) tr.appendChild(el('td', v, c));
      const h = el('td', '…', 'health'); tr.appendChild(h);
      const act = el('td', null, 'actions');
      act.appendChild(button('Edit', 'act-edit', async () => openEditor(p)));
      act.appendChild(button(p.is_active ? 'Deactivate' : 'Activate', 'act-toggle', () => toggle(p)));
      act.appendChild(button('Reload', 'act-reload', () => reload(p)));
      act.appendChild(button('Details', 'act-details', () => showDetails(p.id)));
      act.appendChild(button('Delete', 'act-delete', () => remove(p)));
      tr.appendChild(act); tbody.appendChild(tr);
      api('/api/v1/plugins/' + p.id + '/health').then((r) => { h.textContent = r.data.health; h.className = 'health ' + r.data.health; }, () => { h.textContent = '?'; });
    }
    $('#plugins').hidden = false; $('#toolbar').hidden = false;
    await loadEdges();
    return list.meta.total;
  } catch (e) { $('#plugins').hidden = true; $('#toolbar').hidden = true; $('#edges-section').hidden = true; say(e.message, false); return -1; }
}

// The edges that fetched the plugin set (GET /api/v1/edges), each compared with this studio's set version.
async function loadEdges() {
  const [set, edges] = await Promise.all([api('/api/v1/plugin-set'), api('/api/v1/edges')]);
  $('#edges-version').textContent = 'Studio plugin-set version: ' + set.version;
  const tbody = $('#edges tbody'); tbody.textContent = '';
  for (const e of edges.data) {
    const behind = e.applied_version < set.version;
    const tr = el('tr', null, behind ? 'edge behind' : 'edge'); tr.dataset.id = e.id;
    for (const [v, c] of [[e.id, 'id'], [e.applied_version, 'applied'], [behind ? 'behind (' + (set.version - e.applied_version) + ' version(s))' : 'current', behind ? 'sync behind' : 'sync current'], [e.status, 'status ' + e.status], [e.last_seen, 'last-seen']]) tr.appendChild(el('td', v, c));
    tbody.appendChild(tr);
  }
  if (!edges.data.length) { const tr = el('tr'); const td = el('td', 'No edge has synced yet', 'muted'); td.colSpan = 5; tr.appendChild(td); tbody.appendChild(tr); }
  $('#edges-section').hidden = false;
}

function openEditor(p) {
  editing = p || null;
  $('#editor-title').textContent = p ? 'Edit plugin ' + p.id : 'New plugin';
  $('#f-name').value = p ? p.name : '';
  $('#f-slug').value = p ? p.slug : '';
  $('#f-command').value = p ? p.command : '';
  $('#f-hook').value = p ? p.hook_type : 'pre_auth';
  $('#f-description').value = p ? p.description : '';
  $('#f-active').checked = p ? p.is_active : true;
  $('#f-config').value = JSON.stringify(p ? p.config : {}, null, 2);
  $('#editor').hidden = false;
  $('#f-name').focus();
}

function formBody() {
  let config;
  try { config = JSON.parse($('#f-config').value || '{}'); } catch (e) { throw new Error('Config is not valid JSON: ' + e.message); }
  const b = { name: $('#f-name').value, command: $('#f-command').value, hook_type: $('#f-hook').value, is_active: $('#f-active').checked, description: $('#f-description').value, config };
  if ($('#f-slug').value) b.slug = $('#f-slug').value;
  if (!editing) return b;
  // A PATCH sends only what changed.
  const out = {};
  for (const k of Object.keys(b)) if (JSON.stringify(b[k]) !== JSON.stringify(editing[k])) out[k] = b[k];
  return out;
}

async function save(ev) {
  ev.preventDefault();
  try {
    const body = formBody();
    if (editing && Object.keys(body).length === 0) { say('Nothing changed', true); $('#editor').hidden = true; return; }
    const r = editing ? await api('/api/v1/plugins/' + editing.id, { method: 'PATCH', body }) : await api('/api/v1/plugins', { method: 'POST', body });
    $('#editor').hidden = true;
    say((editing ? 'Saved ' : 'Created ') + r.data.name + ' (' + r.data.status.state + ')' + (r.warnings && r.warnings.length ? '; warnings: ' + codes(r.warnings) : ''), true);
    editing = null;
    await load();
    if (shown === r.data.id) await showDetails(r.data.id);
  } catch (e) { say(e.message, false); }
}

async function toggle(p) {
  const r = await api('/api/v1/plugins/' + p.id, { method: 'PATCH', body: { is_active: !p.is_active } });
  say((r.data.is_active ? 'Activated ' : 'Deactivated ') + r.data.name + ' (' + r.data.status.state + ')', true);
  await load();
}

async function reload(p) {
  const r = await api('/api/v1/plugins/' + p.id + '/reload', { method: 'POST' });
  say('Reloaded ' + r.data.name + ' (' + r.data.status.state + (r.data.status.pid ? ', pid ' + r.data.status.pid : '') + ')', true);
  await load();
}

async function remove(p) {
  if (!window.confirm('Delete plugin ' + p.name + '?')) return;
  await api('/api/v1/plugins/' + p.id, { method: 'DELETE' });
  say('Deleted ' + p.name, true);
  if (shown === p.id) { $('#details').hidden = true; shown = null; }
  await load();
}

async function showDetails(id) {
  const [one, health, logs] = await Promise.all([api('/api/v1/plugins/' + id), api('/api/v1/plugins/' + id + '/health'), api('/api/v1/plugins/' + id + '/logs')]);
  const p = one.data; shown = id;
  $('#d-title').textContent = p.name + ' (' + p.slug + ')';
  const ul = $('#d-warnings'); ul.textContent = '';
  for (const w of p.status.warnings || []) ul.appendChild(el('li', w.code + ': ' + w.message, 'warning'));
  if (p.status.error) ul.appendChild(el('li', p.status.error.code + (p.status.error.causeCode ? ' (' + p.status.error.causeCode + ')' : '') + ': ' + p.status.error.message, 'error'));
  if (!ul.children.length) ul.appendChild(el('li', 'none', 'muted'));
  const tb = $('#d-health tbody'); tb.textContent = '';
  for (const c of health.history.slice().reverse()) {
    const tr = el('tr');
    for (const [v, cls] of [[c.time], [c.state, c.state], [c.health, c.health], [c.pid === undefined ? '' : c.pid], [c.restarts]]) tr.appendChild(el('td', v, cls));
    tb.appendChild(tr);
  }
  const schema = $('#d-schema');
  try {
    const s = await api('/api/v1/plugins/' + id + '/config-schema');
    schema.textContent = JSON.stringify(s && s.data !== undefined ? s.data : s, null, 2); schema.className = '';
  } catch (e) { schema.textContent = 'No config schema: ' + e.message; schema.className = 'muted'; }
  $('#d-logs').textContent = logs.data.map((l) => l.time + ' ' + l.level.toUpperCase() + ' ' + l.msg + (Object.keys(l.fields).length ? ' ' + JSON.stringify(l.fields) : '')).join('\\n') || '(no log lines yet)';
  $('#details').hidden = false;
}

$('#auth').addEventListener('submit', async (e) => { e.preventDefault(); const n = await load(); if (n >= 0) say(n + ' plugin(s)', true); });
$('#new').addEventListener('click', () => openEditor(null));
$('#refresh').addEventListener('click', () => load());
$('#plugin-form').addEventListener('submit', save);
$('#f-cancel').addEventListener('click', () => { $('#editor').hidden = true; editing = null; });
$('#d-close').addEventListener('click', () => { $('#details').hidden = true; shown = null; });
$('#d-refresh').addEventListener('click', async () => { try { if (shown !== null) await showDetails(shown); } catch (e) { say(e.message, false); } });
if (tokenInput.value) load();
`;
