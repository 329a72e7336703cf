// A small renderer for the Go-template subset deploy/helm/plugway uses (helm cannot be installed here). It is NOT
// helm: see README.md for exactly what it supports; anything else throws, so a chart change that needs more fails loudly.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

// ---------- lexing: text and {{ actions }} with -trim markers ----------

function lex(src, file) {
  const out = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open === -1) { out.push({ t: 'text', v: src.slice(i) }); break; }
    let text = src.slice(i, open);
    let j = open + 2;
    if (src[j] === '-' && /\s/.test(src[j + 1] ?? '')) { text = text.replace(/\s+$/, ''); j++; }
    out.push({ t: 'text', v: text });
    const close = findClose(src, j, file);
    let body = src.slice(j, close);
    i = close + 2;
    if (/\s-$/.test(body)) { body = body.slice(0, -1); const m = /^\s*/.exec(src.slice(i)); i += m[0].length; }
    body = body.trim();
    if (!body.startsWith('/*')) out.push({ t: 'action', v: body });
  }
  return out;
}

function findClose(src, j, file) {
  let quote = '';
  for (let k = j; k < src.length - 1; k++) {
    const c = src[k];
    if (quote) { if (c === '\\' && quote === '"') k++; else if (c === quote) quote = ''; continue; }
    if (c === '"' || c === '`') quote = c;
    else if (c === '}' && src[k + 1] === '}') return k;
  }
  throw new Error(`${file}: unclosed {{`);
}

// ---------- parsing actions into a tree ----------

function tokenize(s) {
  const toks = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(\(|\)|\|)|(:=|=)|(-?\d+(?:\.\d+)?)(?![\w.])|(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|(\.[A-Za-z0-9_.]*)|([A-Za-z_][A-Za-z0-9_]*)|(,))/y;
  let m;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    m = re.exec(s);
    if (!m || m[0] === '') { if (/^\s*$/.test(s.slice(pos))) break; throw new Error(`unsupported template syntax near "${s.slice(pos)}"`); }
    pos = re.lastIndex;
    if (m[1]) toks.push({ k: 'str', v: JSON.parse(m[1]) });
    else if (m[2]) toks.push({ k: 'str', v: m[2].slice(1, -1) });
    else if (m[3]) toks.push({ k: m[3] });
    else if (m[4]) toks.push({ k: m[4] });
    else if (m[5]) toks.push({ k: 'num', v: Number(m[5]) });
    else if (m[6]) toks.push({ k: 'var', v: m[6] });
    else if (m[7]) toks.push({ k: 'field', v: m[7] });
    else if (m[8]) toks.push(['true', 'false', 'nil'].includes(m[8]) ? { k: 'lit', v: m[8] === 'nil' ? undefined : m[8] === 'true' } : { k: 'ident', v: m[8] });
    else toks.push({ k: ',' });
  }
  return toks;
}

// pipeline := command ('|' command)*; command := term+; term := literal | .field | $var | ident | '(' pipeline ')'
function parsePipeline(toks, at = { i: 0 }, stopAtParen = false) {
  const cmds = [];
  let cmd = [];
  while (at.i < toks.length) {
    const tk = toks[at.i];
    if (tk.k === ')') { if (!stopAtParen) throw new Error('unbalanced )'); break; }
    at.i++;
    if (tk.k === '|') { cmds.push(cmd); cmd = []; continue; }
    if (tk.k === '(') { cmd.push({ k: 'sub', p: parsePipeline(toks, at, true) }); if (toks[at.i]?.k !== ')') throw new Error('missing )'); at.i++; continue; }
    cmd.push(tk);
  }
  cmds.push(cmd);
  if (cmds.some((c) => c.length === 0)) throw new Error('empty command in pipeline');
  return cmds;
}

function parseAction(src) {
  const toks = tokenize(src);
  const head = toks[0];
  if (head?.k === 'ident' && ['if', 'with', 'range', 'define', 'else', 'end', 'template', 'block'].includes(head.v)) {
    if (head.v === 'end') return { k: 'end' };
    if (head.v === 'else') return toks[1]?.v === 'if' ? { k: 'elseif', p: parsePipeline(toks.slice(2)) } : { k: 'else' };
    if (head.v === 'define') return { k: 'define', name: toks[1].v };
    if (head.v === 'template' || head.v === 'block') throw new Error(`"${head.v}" is not supported; use include`);
    let rest = toks.slice(1);
    let decl;
    if (head.v === 'range' && rest[0]?.k === 'var' && (rest[1]?.k === ':=' || (rest[1]?.k === ',' && rest[3]?.k === ':='))) {
      decl = rest[1].k === ',' ? [rest[0].v, rest[2].v] : [rest[0].v];
      rest = rest.slice(decl.length === 2 ? 4 : 2);
    }
    return { k: head.v, p: parsePipeline(rest), decl };
  }
  if (head?.k === 'var' && (toks[1]?.k === ':=' || toks[1]?.k === '=')) return { k: 'assign', name: head.v, p: parsePipeline(toks.slice(2)) };
  return { k: 'out', p: parsePipeline(toks) };
}

function build(tokens, file) {
  const root = { body: [] };
  const stack = [{ node: root, list: root.body }];
  const defines = {};
  for (const tk of tokens) {
    const top = stack[stack.length - 1];
    if (tk.t === 'text') { if (tk.v) top.list.push({ k: 'text', v: tk.v }); continue; }
    let a;
    try { a = parseAction(tk.v); } catch (e) { throw new Error(`${file}: {{ ${tk.v} }}: ${e.message}`); }
    if (['if', 'with', 'range', 'define'].includes(a.k)) {
      const node = { ...a, body: [], alt: [] };
      if (a.k === 'define') defines[a.name] = node; else top.list.push(node);
      stack.push({ node, list: node.body });
    } else if (a.k === 'else') {
      top.list = top.node.alt;
    } else if (a.k === 'elseif') {
      // `else if X` = else { if X … } sharing the same end
      const node = { k: 'if', p: a.p, body: [], alt: [], chained: true };
      top.node.alt.push(node);
      stack.push({ node, list: node.body });
    } else if (a.k === 'end') {
      while (stack.length > 1 && stack[stack.length - 1].node.chained) stack.pop();
      if (stack.length === 1) throw new Error(`${file}: {{ end }} without a block`);
      stack.pop();
    } else top.list.push(a);
  }
  if (stack.length !== 1) throw new Error(`${file}: unclosed {{ ${stack[stack.length - 1].node.k} }}`);
  return { body: root.body, defines };
}

// ---------- evaluation ----------

const truthy = (v) => !(v === undefined || v === null || v === false || v === 0 || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0));
const str = (v) => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const sortKeys = (v) => (Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v);
const indent = (n, s) => str(s).split('\n').map((l) => ' '.repeat(n) + l).join('\n');

function printf(fmt, ...args) {
  let i = 0;
  return fmt.replace(/%[sdvq%]/g, (m) => (m === '%%' ? '%' : m === '%q' ? JSON.stringify(str(args[i++])) : str(args[i++])));
}

function funcs(ctx) {
  return {
    include: (name, data) => { const d = ctx.defines[name]; if (!d) throw new Error(`include: no template "${name}"`); return ctx.exec(d.body, data, { $: ctx.root }); },
    printf, trunc: (n, s) => str(s).slice(0, n), trimSuffix: (suf, s) => (str(s).endsWith(suf) ? str(s).slice(0, -suf.length) : str(s)),
    quote: (...a) => a.map((x) => JSON.stringify(str(x))).join(' '), toJson: (v) => JSON.stringify(sortKeys(v ?? null)),
    toYaml: (v) => (v === undefined || v === null ? 'null' : stringify(v, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '')),
    nindent: (n, s) => `\n${indent(n, s)}`, indent, sha256sum: (s) => createHash('sha256').update(str(s)).digest('hex'),
    b64enc: (s) => Buffer.from(str(s)).toString('base64'),
    required: (msg, v) => { if (v === undefined || v === null || v === '') throw new Error(`required: ${msg}`); return v; },
    dict: (...kv) => Object.fromEntries(Array.from({ length: kv.length / 2 }, (_, i) => [kv[2 * i], kv[2 * i + 1]])),
    list: (...a) => a, default: (d, v) => (truthy(v) ? v : d), empty: (v) => !truthy(v),
    and: (...a) => a.find((x) => !truthy(x)) ?? a[a.length - 1], or: (...a) => a.find(truthy) ?? a[a.length - 1], not: (v) => !truthy(v),
    eq: (a, ...b) => b.some((x) => x === a), ne: (a, b) => a !== b, join: (sep, l) => (l ?? []).map(str).join(sep),
    compact: (l) => (l ?? []).filter(truthy), toString: str, int: (v) => Math.trunc(Number(v)),
  };
}

function lookup(path, base) {
  return path.split('.').filter(Boolean).reduce((o, k) => (o !== null && typeof o === 'object' ? o[k] : undefined), base);
}

function evalPipeline(ctx, p, dot, vars) {
  let piped;
  let first = true;
  for (const cmd of p) {
    const args = [];
    const [head, ...rest] = cmd;
    const val = (t) => {
      if (t.k === 'str' || t.k === 'num' || t.k === 'lit') return t.v;
      if (t.k === 'field') return t.v === '.' ? dot : lookup(t.v, dot);
      if (t.k === 'var') { const [name, ...path] = t.v.split('.'); if (!(name in vars)) throw new Error(`undefined variable ${name}`); return lookup(path.join('.'), vars[name]); }
      if (t.k === 'sub') return evalPipeline(ctx, t.p, dot, vars);
      if (t.k === 'ident') return callFn(ctx, t.v, []);
      throw new Error(`unexpected "${t.k}"`);
    };
    let result;
    if (head.k === 'ident') {
      for (const t of rest) args.push(val(t));
      if (!first) args.push(piped);
      result = callFn(ctx, head.v, args);
    } else {
      if (rest.length || !first) throw new Error('only a function can take arguments');
      result = val(head);
    }
    piped = result;
    first = false;
  }
  return piped;
}

function callFn(ctx, name, args) {
  const f = ctx.fns[name];
  if (!f) throw new Error(`function "${name}" is not supported by tools/helm-render`);
  return f(...args);
}

function exec(ctx, nodes, dot, vars) {
  let out = '';
  const scope = { ...vars };
  for (const n of nodes) {
    if (n.k === 'text') out += n.v;
    else if (n.k === 'out') out += str(evalPipeline(ctx, n.p, dot, scope));
    else if (n.k === 'assign') scope[n.name] = evalPipeline(ctx, n.p, dot, scope);
    else if (n.k === 'if') out += truthy(evalPipeline(ctx, n.p, dot, scope)) ? exec(ctx, n.body, dot, scope) : exec(ctx, n.alt, dot, scope);
    else if (n.k === 'with') { const v = evalPipeline(ctx, n.p, dot, scope); out += truthy(v) ? exec(ctx, n.body, v, scope) : exec(ctx, n.alt, dot, scope); }
    else if (n.k === 'range') {
      const v = evalPipeline(ctx, n.p, dot, scope);
      const entries = Array.isArray(v) ? v.map((x, i) => [i, x]) : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => [k, v[k]]) : [];
      if (!entries.length) out += exec(ctx, n.alt, dot, scope);
      for (const [k, x] of entries) {
        const inner = { ...scope };
        if (n.decl?.length === 1) inner[n.decl[0]] = x;
        if (n.decl?.length === 2) { inner[n.decl[0]] = k; inner[n.decl[1]] = x; }
        out += exec(ctx, n.body, x, inner);
      }
    } else throw new Error(`unexpected node ${n.k}`);
  }
  return out;
}

function merge(base, over) {
  if (!over || typeof over !== 'object' || Array.isArray(over)) return over === undefined ? base : over;
  const out = { ...(base && typeof base === 'object' && !Array.isArray(base) ? base : {}) };
  for (const [k, v] of Object.entries(over)) out[k] = v === null ? undefined : merge(out[k], v);
  return out;
}

/**
 * Renders every template of `chartDir` (helpers `_*.tpl` defines are shared, NOTES.txt is skipped) with values.yaml
 * deep-merged with `overrides` (like `helm template -f`); returns the manifests by template file and every object.
 */
export function renderChart(chartDir, overrides = {}, release = { name: 'plugway', namespace: 'default' }) {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8'));
  const values = merge(parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')), overrides);
  const root = {
    Values: values, Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
    Release: { Name: release.name, Namespace: release.namespace, Service: 'Helm', IsInstall: true },
  };
  const files = readdirSync(join(chartDir, 'templates')).sort();
  const parsed = files.map((f) => ({ f, ...build(lex(readFileSync(join(chartDir, 'templates', f), 'utf8'), f), f) }));
  const ctx = { root, defines: Object.assign({}, ...parsed.map((p) => p.defines)) };
  ctx.fns = funcs(ctx);
  ctx.exec = (nodes, dot, vars) => exec(ctx, nodes, dot, vars);
  const manifests = {};
  const objects = [];
  for (const p of parsed) {
    if (p.f.startsWith('_') || p.f === 'NOTES.txt') continue;
    const text = exec(ctx, p.body, root, { $: root });
    manifests[p.f] = text;
    // Kubernetes reads manifests as YAML 1.1 (sigs.k8s.io/yaml): 0555 is octal there.
    for (const doc of parseAllDocuments(text, { version: '1.1' })) {
      if (doc.errors.length) throw new Error(`${p.f}: rendered YAML is invalid: ${doc.errors[0].message}\n${text}`);
      const obj = doc.toJS();
      if (obj !== null && obj !== undefined) objects.push({ file: p.f, obj });
    }
  }
  return { manifests, objects };
}
