// Studio and edge together, each as its own real process (tsx main.ts): a plugin created through the studio REST API
// reaches the edge by its periodic sync and runs on the edge's traffic; deleting it removes it from the edge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchPluginSet } from './plugin-sync.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const TOKEN = 'edge-sync-token-0123456789abcdef';
let work: string;
let upstream: http.Server;
const children: ChildProcess[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edge-studio-'));
  upstream = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ headers: req.headers })));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  upstream.closeAllConnections();
  upstream.close();
  rmSync(work, { recursive: true, force: true });
});

/** Starts `apps/<app>/src/main.ts` and resolves with the first `http://…` URL it prints. */
function startApp(app: string, env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', `apps/${app}/src/main.ts`], {
    cwd: REPO, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString('utf8');
      const m = app === 'studio' ? /studio on (http:\/\/127\.0\.0\.1:\d+)/.exec(out) : /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*edge gateway listening/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${app} exited ${code}: ${out}`)));
  });
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, tries = 200): Promise<T> {
  let v = await fn();
  for (let i = 0; i < tries && !ok(v); i++) { await new Promise((r) => setTimeout(r, 100)); v = await fn(); }
  return v;
}

describe('studio → edge plugin sync (two real processes)', { timeout: 120_000 }, () => {
  it('runs a plugin created in the studio on edge traffic, and drops it when it is deleted', async () => {
    const allow = { PLUGIN_COMMAND_ALLOWLIST: `${REPO}/examples/**`, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info' };
    const studio = await startApp('studio', { ...allow, STUDIO_API_TOKEN: TOKEN, STUDIO_DATA_DIR: join(work, 'studio'), STUDIO_DEMO_PLUGIN: 'false' });
    const admin = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const cred = await fetch(`${studio}/api/v1/edge-credentials`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'edge-1' }) });
    const credential = ((await cred.json()) as { token: string }).token;
    const edge = await startApp('edge-gateway', {
      ...allow, EDGE_STUDIO_URL: studio, EDGE_STUDIO_CREDENTIAL: credential, EDGE_STUDIO_SYNC_INTERVAL_MS: '1000', EDGE_SECRET_TEAM_KEY: 'key-from-edge-env',
      EDGE_UPSTREAM_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, OCI_PLUGINS_CACHE_DIR: join(work, 'cache'), EDGE_DATA_DIR: join(work, 'edge'),
    });
    const created = await fetch(`${studio}/api/v1/plugins`, {
      method: 'POST', headers: admin,
      body: JSON.stringify({ name: 'Team header', slug: 'team-header', command: `file://${REPO}/examples/header-injector/plugin`, hook_type: 'pre_auth', config: { 'x-team': 'from-studio', 'x-api-token': 's3cret', 'x-team-key': '${env:EDGE_SECRET_TEAM_KEY}' } }),
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as { data: { id: number } }).data.id;

    // Every answer while the plugin is added or removed is a proxied 200: never an error in between.
    const errors: unknown[] = [];
    let seen: Record<string, string> = {};
    const header = async () => {
      const j = (await (await fetch(`${edge}/r`)).json()) as { headers?: Record<string, string> };
      if (!j.headers) errors.push(j);
      seen = j.headers ?? {};
      return j.headers?.['x-team'];
    };
    expect(await until(header, (v) => v === 'from-studio')).toBe('from-studio');
    // the edge credential gets the real secret; the env reference is resolved from the edge's own environment
    expect(seen).toMatchObject({ 'x-api-token': 's3cret', 'x-team-key': 'key-from-edge-env' });
    // with the admin token the sync delivers no secret: it fails instead of running the plugin with a placeholder
    await expect(fetchPluginSet({ url: studio, token: TOKEN })).rejects.toMatchObject({ code: 'EDGE_SYNC_FAILED', details: { redacted: id } });
    const real = await fetchPluginSet({ url: studio, token: credential }, { env: {} }).catch((e: unknown) => e);
    expect(real).toMatchObject({ code: 'EDGE_SYNC_FAILED', details: { missing: ['EDGE_SECRET_TEAM_KEY'] } });
    const health = (await (await fetch(`${edge}/health`)).json()) as { plugins: Array<{ id: string; state: string }> };
    expect(health.plugins).toEqual([expect.objectContaining({ id: `studio-${id}`, state: 'running' })]);

    expect((await fetch(`${studio}/api/v1/plugins/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBeLessThan(300);
    expect(await until(header, (v) => v === undefined)).toBeUndefined();
    expect(errors).toEqual([]);
  });
});
