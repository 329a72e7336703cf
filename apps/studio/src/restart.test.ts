import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_PLUGIN, startHarness } from './testing/harness.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('restart on the same SQLite file', () => {
  it('keeps plugins, re-registers them, and seeds the demo only into an empty database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-restart-'));
    dirs.push(dir);
    const seed = async () => ({ name: 'Demo', slug: 'demo', description: '', command: `file://${DEMO_PLUGIN}`, hook_type: 'pre_auth' as const, plugin_type: 'gateway' as const, is_active: false, config: {} });
    const a = await startHarness({}, { dir, seed });
    const list1 = await a.api('/api/v1/plugins');
    expect(list1.body.data.map((p: { slug: string }) => p.slug)).toEqual(['demo']);
    await a.api('/api/v1/plugins', { method: 'POST', body: { name: 'Two', slug: 'two', command: `file://${DEMO_PLUGIN}`, hook_type: 'auth', is_active: false } });
    await a.stop();
    const b = await startHarness({}, { dir, seed });
    const list2 = await b.api('/api/v1/plugins');
    expect(list2.body.data.map((p: { slug: string }) => p.slug)).toEqual(['demo', 'two']);
    expect(list2.body.data[1].status.state).toBe('inactive');
    await b.stop();
  });

  it('a stored plugin the policy now refuses stays listed as unregistered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-restart-'));
    dirs.push(dir);
    const a = await startHarness({ ALLOW_INTERNAL_NETWORK_ACCESS: 'true' }, { dir });
    const c = await a.api('/api/v1/plugins', { method: 'POST', body: { name: 'Remote', slug: 'remote', command: 'grpc://10.9.9.9:4000', hook_type: 'auth', is_active: false } });
    expect(c.status).toBe(201);
    await a.stop();
    const b = await startHarness({}, { dir });
    const g = await b.api(`/api/v1/plugins/${c.body.data.id}`);
    expect(g.body.data.status).toMatchObject({ state: 'unregistered', error: { code: 'RUNTIME_POLICY_DENIED' } });
    expect((await b.api(`/api/v1/plugins/${c.body.data.id}/health`)).body.data).toMatchObject({ state: 'unregistered', health: 'NOT_SERVING' });
    expect((await b.api(`/api/v1/plugins/${c.body.data.id}/reload`, { method: 'POST' })).body.error.code).toBe('POLICY_DENIED');
    expect((await b.api(`/api/v1/plugins/${c.body.data.id}`, { method: 'DELETE' })).status).toBe(204);
    await b.stop();
  });

  it('generates a 0600 token file when STUDIO_API_TOKEN is unset, and never logs the token', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'studio-token-'));
    dirs.push(dir);
    const h = await startHarness({ STUDIO_API_TOKEN: '' }, { dir });
    const file = join(dir, 'api-token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(file, 'utf8').trim();
    expect(token).toBe(h.token);
    expect((await h.api('/api/v1/plugins', { token })).status).toBe(200);
    const logs = h.logs.join('');
    expect(logs).toContain(file);
    expect(logs).not.toContain(token);
    await h.stop();
    const again = await startHarness({ STUDIO_API_TOKEN: '' }, { dir });
    expect(again.token).toBe(token);
    await again.stop();
  });
});
