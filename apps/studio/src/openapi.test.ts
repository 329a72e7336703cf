// Issue #10: the served OpenAPI document passes `redocly lint` (recommended rules) with 0 errors and 0 warnings, and
// real answers of every operation validate against it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Validator, type Schema } from '@cfworker/json-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLUGIN, startHarness, type Harness } from './testing/harness.js';

const REDOCLY = fileURLToPath(new URL('../../../node_modules/.bin/redocly', import.meta.url));
let h: Harness;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is JSON of many shapes
let doc: any;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  doc = (await h.api('/api/v1/openapi.json')).body;
  dir = mkdtempSync(join(tmpdir(), 'studio-openapi-'));
});
afterAll(async () => { await h?.stop(); rmSync(dir, { recursive: true, force: true }); });

const pointer = (...parts: string[]): string => `#/${parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;

/** Checks one real answer against the document's schema for that path, method and status. */
function conforms(path: string, method: string, r: { status: number; body: unknown; text: string; headers: Headers }): void {
  const op = doc.paths[path]?.[method];
  expect(op, `${method} ${path} is documented`).toBeDefined();
  const res = op.responses[String(r.status)] ?? op.responses[`${String(r.status)[0]}XX`];
  expect(res, `${method} ${path} documents ${r.status}`).toBeDefined();
  if (!res.content) { expect(r.body).toBeUndefined(); return; }
  const type = r.headers.get('content-type')!.split(';')[0]!;
  expect(Object.keys(res.content)).toContain(type);
  const v = new Validator({ ...doc, $ref: pointer('paths', path, method, 'responses', r.status in op.responses ? String(r.status) : `${String(r.status)[0]}XX`, 'content', type, 'schema') } as Schema, '2020-12', false);
  const out = v.validate(type === 'application/json' ? r.body : r.text);
  expect(out.errors.map((e) => `${e.instanceLocation}: ${e.error}`), `${method} ${path} ${r.status}`).toEqual([]);
}

describe('OpenAPI document', () => {
  it('passes redocly lint (recommended) with 0 errors and 0 warnings', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const out = await new Promise<{ code: number; text: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [REDOCLY, 'lint', file, '--extends', 'recommended', '--format', 'json'], {
        env: { PATH: process.env['PATH'] ?? '', HOME: dir, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' }, timeout: 120_000,
      }, (e, stdout, stderr) => resolve({ code: e ? Number(e.code ?? 1) : 0, text: stdout, stderr }));
    });
    expect(out.code, out.text + out.stderr).toBe(0);
    const report = JSON.parse(out.text) as { totals: { errors: number; warnings: number }; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 120_000);

  it('has an operationId and servers on every operation', () => {
    expect(doc.servers.length).toBeGreaterThan(0);
    const ids = Object.values(doc.paths).flatMap((p) => Object.entries(p as Record<string, { operationId?: string }>).filter(([m]) => m !== 'parameters').map(([, o]) => o.operationId));
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('describes the real answers of every operation', async () => {
    const c = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Documented', command: `file://${DEMO_PLUGIN}`, config: { password: 'x' } } });
    conforms('/api/v1/plugins', 'post', c);
    expect(c.body.data.status).toMatchObject({ state: 'running', scheme: 'file', failMode: expect.any(String), order: 0, target: expect.any(String) });
    const id = c.body.data.id as number;
    const lazy = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Lazy', command: `file://${DEMO_PLUGIN}`, load_immediately: false } });
    conforms('/api/v1/plugins', 'post', lazy);
    conforms('/api/v1/plugins', 'get', await h.api('/api/v1/plugins?limit=1'));
    conforms('/api/v1/plugins', 'get', await h.api('/api/v1/plugins?limit=x'));
    conforms('/api/v1/plugins', 'post', await h.api('/api/v1/plugins', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }));
    conforms('/api/v1/plugins/{id}', 'get', await h.api(`/api/v1/plugins/${id}`));
    conforms('/api/v1/plugins/{id}', 'get', await h.api('/api/v1/plugins/999'));
    conforms('/api/v1/plugins/{id}', 'patch', await h.api(`/api/v1/plugins/${id}`, { method: 'PATCH', body: { is_active: false } }));
    conforms('/api/v1/plugins/{id}/reload', 'post', await h.api(`/api/v1/plugins/${id}/reload`, { method: 'POST' }));
    conforms('/api/v1/plugins/{id}/health', 'get', await h.api(`/api/v1/plugins/${id}/health`));
    const logs = await h.api(`/api/v1/plugins/${id}/logs`);
    conforms('/api/v1/plugins/{id}/logs', 'get', logs);
    expect(logs.body.data.map((l: { msg: string }) => l.msg)).toEqual(expect.arrayContaining(['plugin started', 'plugin reloaded']));
    const cred = await h.api('/api/v1/edge-credentials', { method: 'POST', body: { name: 'doc' } });
    conforms('/api/v1/edge-credentials', 'post', cred);
    conforms('/api/v1/edge-credentials', 'get', await h.api('/api/v1/edge-credentials'));
    conforms('/api/v1/plugins', 'get', await h.api('/api/v1/plugins', { token: cred.body.token }));
    const set = await h.api('/api/v1/plugin-set', { token: cred.body.token, headers: { 'x-plugway-edge-id': 'edge-doc' } });
    conforms('/api/v1/plugin-set', 'get', set);
    conforms('/api/v1/plugin-set', 'get', await h.api('/api/v1/plugin-set', { headers: { 'if-none-match': set.headers.get('etag')! } }));
    conforms('/api/v1/edges', 'get', await h.api('/api/v1/edges'));
    conforms('/api/v1/edge-credentials', 'get', await h.api('/api/v1/edge-credentials', { token: cred.body.token }));
    conforms('/api/v1/edge-credentials/{id}', 'delete', await h.api(`/api/v1/edge-credentials/${cred.body.data.id}`, { method: 'DELETE' }));
    conforms('/api/v1/plugins/{id}', 'delete', await h.api(`/api/v1/plugins/${id}`, { method: 'DELETE' }));
    conforms('/api/v1/plugins', 'get', await h.api('/api/v1/plugins', { token: null }));
    conforms('/healthz', 'get', await h.api('/healthz', { token: null }));
    conforms('/metrics', 'get', await h.api('/metrics', { token: null }));
  }, 60_000);
});
