// Issue #13: two studio processes on one real PostgreSQL (Debian's, started here) and two edges (one per studio).
// Every change made through either studio must reach both studios and both edges within 2 s (the measured times are
// printed); a killed studio or database that comes back loses no change; an edge restarted while its studio is down
// serves with its saved plugin set, and its fail-closed auth plugin still blocks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEdgeSettings } from '@plugway/config';
import { startTempPostgres, type TempPostgres } from '../../studio/src/testing/postgres.js';
import { startEdgeApp, type EdgeApp } from './index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const TOKEN = 'fleet-admin-token-0123456789abcdef';
const BOUND_MS = 2000;
const EXAMPLE = (name: string) => `file://${REPO}/examples/${name}/plugin`;

let work: string;
let pgServer: TempPostgres;
let upstream: http.Server;
const studios: Record<'A' | 'B', { url: string; port: number; child?: ChildProcess }> = { A: { url: '', port: 0 }, B: { url: '', port: 0 } };
const edges: Record<'e1' | 'e2', EdgeApp | undefined> = { e1: undefined, e2: undefined };
const timings: Array<[string, number]> = [];
/** The edges sync with an edge credential (created through studio A, valid on both: it lives in the database). */
let credential = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)); });
    s.once('error', reject);
  });
}

/** Starts (or restarts) studio `name` as its own process (tsx main.ts) on its fixed port. */
function startStudio(name: 'A' | 'B'): Promise<void> {
  const s = studios[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/studio/src/main.ts'], {
    cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', HOST: '127.0.0.1', PORT: String(s.port), LOG_LEVEL: 'warn',
      DATABASE_URL: pgServer.url, STUDIO_API_TOKEN: TOKEN, STUDIO_DATA_DIR: join(work, `studio-${name}`), STUDIO_DEMO_PLUGIN: 'false',
      PLUGIN_COMMAND_ALLOWLIST: `${REPO}/examples/**`,
    },
  });
  s.child = child;
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => { out += b.toString('utf8'); if (/studio on http/.test(out)) resolve(); };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`studio ${name} exited ${code}: ${out}`)));
  });
}

async function killStudio(name: 'A' | 'B'): Promise<void> {
  const c = studios[name].child;
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await exited;
}

async function startEdge(name: 'e1' | 'e2', studio: 'A' | 'B'): Promise<EdgeApp> {
  const settings = loadEdgeSettings({
    PATH: process.env['PATH'] ?? '', HOME: work, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent',
    EDGE_STUDIO_URL: studios[studio].url, EDGE_STUDIO_CREDENTIAL: credential, EDGE_STUDIO_SYNC_INTERVAL_MS: '1000', EDGE_ID: name,
    EDGE_DATA_DIR: join(work, name), OCI_PLUGINS_CACHE_DIR: join(work, `${name}-cache`),
    EDGE_UPSTREAM_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, PLUGIN_COMMAND_ALLOWLIST: `${REPO}/examples/**`,
  });
  const app = await startEdgeApp(settings, { hostEnv: process.env, defaultMetrics: false });
  edges[name] = app;
  return app;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of several shapes
async function api(studio: 'A' | 'B', path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${studios[studio].url}${path}`, {
    method: init.method ?? 'GET', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** What studio `name`'s runtime (not its database) does with plugin `id`: its state and pid. */
async function runtimeOf(name: 'A' | 'B', id: number): Promise<{ state: string; pid?: number }> {
  const r = await api(name, `/api/v1/plugins/${id}`);
  return r.status === 200 ? { state: r.body.data.status.state, pid: r.body.data.status.pid } : { state: 'absent' };
}

/** The edge's answer for a request with the given headers: status and the x-team header the upstream saw. */
async function through(edge: EdgeApp, headers: Record<string, string> = {}): Promise<{ status: number; team?: string }> {
  const res = await fetch(`${edge.url}/r`, { headers });
  const j = (await res.json().catch(() => ({}))) as { headers?: Record<string, string> };
  return { status: res.status, ...(j.headers?.['x-team'] ? { team: j.headers['x-team'] } : {}) };
}

/** Waits until every check holds; returns the milliseconds it took (fails after `limitMs`). */
async function converge(label: string, checks: Array<() => Promise<boolean>>, limitMs = 30_000): Promise<number> {
  const t0 = performance.now();
  const pending = new Set(checks);
  while (pending.size) {
    for (const c of [...pending]) if (await c().catch(() => false)) pending.delete(c);
    if (!pending.size) break;
    if (performance.now() - t0 > limitMs) throw new Error(`${label}: ${pending.size} of ${checks.length} replicas did not converge in ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = Math.round(performance.now() - t0);
  timings.push([label, ms]);
  console.log(`[fleet] ${label}: ${ms} ms`);
  return ms;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'fleet-'));
  upstream = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ headers: req.headers })));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  pgServer = await startTempPostgres();
  for (const n of ['A', 'B'] as const) { studios[n].port = await freePort(); studios[n].url = `http://127.0.0.1:${studios[n].port}`; }
  // One after the other: both run the migrations otherwise (serialised by an advisory lock, but slower on 2 cores).
  await startStudio('A');
  await startStudio('B');
  credential = (await api('A', '/api/v1/edge-credentials', { method: 'POST', body: { name: 'fleet' } })).body.token;
  await startEdge('e1', 'A');
  await startEdge('e2', 'B');
}, 300_000);

afterAll(async () => {
  await Promise.all(Object.values(edges).map((e) => e?.close()));
  await killStudio('A');
  await killStudio('B');
  upstream?.closeAllConnections();
  upstream?.close();
  await pgServer?.stop();
  rmSync(work, { recursive: true, force: true });
  if (timings.length) console.log(`[fleet] propagation times (bound ${BOUND_MS} ms): ${timings.map(([l, ms]) => `${l}=${ms}`).join(', ')}`);
});

describe('two studios on one PostgreSQL, two edges', { timeout: 240_000 }, () => {
  let inj = 0;
  let auth = 0;
  const e = (n: 'e1' | 'e2') => edges[n]!;

  it('every change through either studio reaches both studios and both edges', async () => {
    const created = await api('A', '/api/v1/plugins', { method: 'POST', body: { name: 'Team', slug: 'team', command: EXAMPLE('header-injector'), hook_type: 'pre_auth', config: { 'x-team': 'v1' } } });
    expect(created.status).toBe(201);
    inj = created.body.data.id;
    const ms: number[] = [];
    ms.push(await converge('create via A', [
      async () => (await runtimeOf('B', inj)).state === 'running',
      async () => (await through(e('e1'))).team === 'v1', async () => (await through(e('e2'))).team === 'v1',
    ]));

    const pidA = (await runtimeOf('A', inj)).pid;
    expect((await api('B', `/api/v1/plugins/${inj}`, { method: 'PATCH', body: { config: { 'x-team': 'v2' } } })).status).toBe(200);
    ms.push(await converge('update via B', [
      async () => { const r = await runtimeOf('A', inj); return r.state === 'running' && r.pid !== pidA; },
      async () => (await through(e('e1'))).team === 'v2', async () => (await through(e('e2'))).team === 'v2',
    ]));

    expect((await api('A', `/api/v1/plugins/${inj}`, { method: 'PATCH', body: { is_active: false } })).status).toBe(200);
    ms.push(await converge('deactivate via A', [
      async () => (await runtimeOf('B', inj)).state === 'inactive',
      async () => (await through(e('e1'))).team === undefined, async () => (await through(e('e2'))).team === undefined,
    ]));

    expect((await api('B', `/api/v1/plugins/${inj}`, { method: 'PATCH', body: { is_active: true } })).status).toBe(200);
    ms.push(await converge('activate via B', [
      async () => (await runtimeOf('A', inj)).state === 'running',
      async () => (await through(e('e1'))).team === 'v2', async () => (await through(e('e2'))).team === 'v2',
    ]));

    const pidB = (await runtimeOf('B', inj)).pid;
    expect((await api('A', `/api/v1/plugins/${inj}/reload`, { method: 'POST' })).status).toBe(200);
    ms.push(await converge('reload via A', [async () => { const r = await runtimeOf('B', inj); return r.state === 'running' && r.pid !== pidB; }]));

    const a = await api('B', '/api/v1/plugins', { method: 'POST', body: { name: 'Keys', slug: 'keys', command: EXAMPLE('api-key-auth'), hook_type: 'auth', config: { keys: [{ key: 'fleet-key-1', user_id: 'u1' }] } } });
    expect(a.status).toBe(201);
    auth = a.body.data.id;
    ms.push(await converge('create auth via B', [
      async () => (await runtimeOf('A', auth)).state === 'running',
      async () => (await through(e('e1'))).status === 401, async () => (await through(e('e2'))).status === 401,
    ]));
    expect(await through(e('e1'), { 'x-api-key': 'fleet-key-1' })).toEqual({ status: 200, team: 'v2' });

    // The studios list both edges with the set version each applied.
    const set = await api('A', '/api/v1/plugin-set');
    await converge('edges report the applied version', [async () => {
      const list = (await api('B', '/api/v1/edges')).body.data as Array<{ id: string; applied_version: number }>;
      return ['e1', 'e2'].every((id) => list.some((x) => x.id === id && x.applied_version === set.body.version));
    }], 60_000);
    timings.pop();
    // The bound, with room for a loaded CI machine: typical changes within 2 s, none beyond twice that.
    const sorted = [...ms].sort((x, y) => x - y);
    console.log(`[fleet] within ${BOUND_MS} ms: ${ms.filter((m) => m < BOUND_MS).length}/${ms.length}`);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(BOUND_MS);
    expect(sorted.at(-1)).toBeLessThan(2 * BOUND_MS);
  });

  it('a killed studio catches up with the changes it missed when it comes back', async () => {
    await killStudio('B');
    expect((await api('A', `/api/v1/plugins/${inj}`, { method: 'PATCH', body: { config: { 'x-team': 'v3' } } })).status).toBe(200);
    const key = { 'x-api-key': 'fleet-key-1' };
    await converge('update via A while B is down (A, e1)', [async () => (await through(e('e1'), key)).team === 'v3']);
    expect((await through(e('e2'), key)).team).toBe('v2');
    const back = performance.now();
    await startStudio('B');
    console.log(`[fleet] studio B restarted in ${Math.round(performance.now() - back)} ms`);
    await converge('studio B back: B and e2 caught up', [
      async () => (await runtimeOf('B', inj)).state === 'running' && (await runtimeOf('B', auth)).state === 'running',
      async () => (await through(e('e2'), key)).team === 'v3',
    ]);
  });

  it('a killed database loses no change: after it is back, changes through either studio reach everyone', async () => {
    await pgServer.kill();
    await pgServer.restart();
    // The first write may meet a connection the restart broke; it fails visibly (5xx) and is retried.
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await api('B', `/api/v1/plugins/${inj}`, { method: 'PATCH', body: { config: { 'x-team': 'v4' } } }).catch(() => ({ status: 0 }))).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    await converge('update via B after a database restart', [
      async () => (await through(e('e1'), { 'x-api-key': 'fleet-key-1' })).team === 'v4',
      async () => (await through(e('e2'), { 'x-api-key': 'fleet-key-1' })).team === 'v4',
    ]);
    expect((await api('A', `/api/v1/plugins/${inj}`, { method: 'DELETE' })).status).toBe(204);
    await converge('delete via A', [
      async () => (await runtimeOf('B', inj)).state === 'absent' && !(await (await fetch(`${studios.B.url}/metrics`)).text()).includes(`plugin="${inj}"`),
      async () => (await through(e('e1'), { 'x-api-key': 'fleet-key-1' })).team === undefined,
      async () => (await through(e('e2'), { 'x-api-key': 'fleet-key-1' })).team === undefined,
    ]);
  });

  it('an edge restarted while its studio is down serves its saved set; the fail-closed auth plugin still blocks', async () => {
    await e('e2').close();
    await killStudio('B');
    const e2 = await startEdge('e2', 'B');
    expect(await through(e2)).toEqual({ status: 401 });
    expect((await through(e2, { 'x-api-key': 'fleet-key-1' })).status).toBe(200);
    const health = (await (await fetch(`${e2.url}/health`)).json()) as { status: string; pluginSet: { source: string; ageSeconds: number; studio: string }; plugins: Array<{ id: string; state: string }> };
    expect(health).toMatchObject({ status: 'degraded', pluginSet: { source: 'saved', studio: 'unreachable' }, plugins: [{ id: `studio-${auth}`, state: 'running' }] });
    expect(health.pluginSet.ageSeconds).toBeGreaterThanOrEqual(0);
    await startStudio('B');
    await converge('edge back in sync with the studio', [async () => {
      const h = (await (await fetch(`${e2.url}/health`)).json()) as { status: string; pluginSet: { source: string } };
      return h.status === 'ok' && h.pluginSet.source === 'studio';
    }]);
  });
});
