// The admin page served at `/`: static HTML, with its script (/admin.js) and style sheet (/admin.css) served as files,
// because the page's CSP allows nothing inline. The script calls the API with the token typed in; the token lives only
// in the browser tab's sessionStorage and the page never embeds it.
export const ADMIN_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>plugway studio</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/admin.css"></head>
<body>
<h1>plugway studio</h1>
<form id="auth"><label>API token <input id="token" type="password" autocomplete="off" size="48"></label>
<button type="submit" id="load">Load plugins</button></form>
<div id="msg" role="status"></div>
<table id="plugins" hidden><thead><tr><th>ID</th><th>Name</th><th>Slug</th><th>Hook</th><th>Command</th><th>State</th><th>Health</th><th></th></tr></thead><tbody></tbody></table>
<script src="/admin.js"></script>
</body></html>`;

export const ADMIN_CSS = ` body{font:14px system-ui,sans-serif;margin:2rem;color:#222} table{border-collapse:collapse;width:100%;margin-top:1rem}
 th,td{border-bottom:1px solid #ddd;padding:.4rem .6rem;text-align:left} th{background:#f4f4f4}
 .SERVING{color:#0a0} .NOT_SERVING,.error,.failed{color:#c00} #msg{margin-top:.5rem;color:#c00} code{font-size:12px}
`;

export const ADMIN_JS = `const $ = (s) => document.querySelector(s);
const tokenInput = $('#token');
tokenInput.value = sessionStorage.getItem('plugway-token') || '';
async function api(path, init) {
  const res = await fetch(path, { ...init, headers: { authorization: 'Bearer ' + tokenInput.value, ...(init && init.headers) } });
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(body && body.error ? body.error.code + ': ' + body.error.message : 'HTTP ' + res.status);
  return body;
}
function cell(tr, text, cls) { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td; }
async function load() {
  $('#msg').textContent = '';
  sessionStorage.setItem('plugway-token', tokenInput.value);
  try {
    const list = await api('/api/v1/plugins?page_size=100');
    const tbody = $('#plugins tbody'); tbody.textContent = '';
    for (const p of list.data) {
      const tr = document.createElement('tr'); tr.dataset.id = p.id;
      cell(tr, p.id); cell(tr, p.name); cell(tr, p.slug); cell(tr, p.hook_type); cell(tr, p.command);
      cell(tr, p.status.state, p.status.state);
      const h = cell(tr, '…', 'health');
      const act = document.createElement('td'); const b = document.createElement('button'); b.textContent = 'Reload';
      b.onclick = async () => { try { await api('/api/v1/plugins/' + p.id + '/reload', { method: 'POST' }); await load(); } catch (e) { $('#msg').textContent = e.message; } };
      act.appendChild(b); tr.appendChild(act); tbody.appendChild(tr);
      api('/api/v1/plugins/' + p.id + '/health').then((r) => { h.textContent = r.data.health; h.className = 'health ' + r.data.health; }, () => { h.textContent = '?'; });
    }
    $('#plugins').hidden = false;
    $('#msg').textContent = list.meta.total + ' plugin(s)';
    $('#msg').style.color = '#555';
  } catch (e) { $('#plugins').hidden = true; $('#msg').style.color = '#c00'; $('#msg').textContent = e.message; }
}
$('#auth').addEventListener('submit', (e) => { e.preventDefault(); load(); });
if (tokenInput.value) load();
`;
