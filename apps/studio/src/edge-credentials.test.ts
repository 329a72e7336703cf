// Issue #10: edges get their own credential; only it reads real config values, the admin API keeps redacting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLUGIN, startHarness, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

describe('edge credentials', () => {
  it('are created once-shown, read real config values on the sync endpoint only, and can be revoked', async () => {
    const secret = 'S3cret-upstream-key-42';
    const p = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Keyed', command: `file://${DEMO_PLUGIN}`, is_active: false, config: { 'x-api-token': secret, deep: { dsn: `postgres://app:${secret}@db/x` } } } });
    expect(p.status, p.text).toBe(201);
    const c = await h.api('/api/v1/edge-credentials', { method: 'POST', body: { name: 'edge-eu-1' } });
    expect(c.status).toBe(201);
    const token = c.body.token as string;
    expect(token).toMatch(/^pwe_[A-Za-z0-9_-]{43}$/);
    expect(c.body.data).toMatchObject({ name: 'edge-eu-1', revoked_at: null });

    const listed = await h.api('/api/v1/edge-credentials');
    expect(listed.text).not.toContain(token);
    expect(listed.body.data).toEqual([expect.objectContaining({ id: c.body.data.id, name: 'edge-eu-1' })]);

    const asEdge = await h.api('/api/v1/plugins', { token });
    expect(asEdge.status).toBe(200);
    expect(asEdge.body.data[0].config).toEqual({ 'x-api-token': secret, deep: { dsn: `postgres://app:${secret}@db/x` } });
    expect((await h.api(`/api/v1/plugins/${p.body.data.id}`, { token })).body.data.config['x-api-token']).toBe(secret);
    const asAdmin = await h.api('/api/v1/plugins');
    expect(asAdmin.text).not.toContain(secret);

    for (const [method, path] of [['POST', '/api/v1/plugins'], ['DELETE', `/api/v1/plugins/${p.body.data.id}`], ['POST', `/api/v1/plugins/${p.body.data.id}/reload`], ['GET', '/api/v1/edge-credentials'], ['GET', `/api/v1/plugins/${p.body.data.id}/health`]] as const) {
      const r = await h.api(path, { method, token, ...(method === 'POST' ? { body: {} } : {}) });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.error.code).toBe('AUTH_FORBIDDEN');
    }

    expect((await h.api(`/api/v1/edge-credentials/${c.body.data.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.api('/api/v1/plugins', { token })).body.error.code).toBe('AUTH_INVALID');
    expect((await h.api(`/api/v1/edge-credentials/${c.body.data.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await h.api('/api/v1/edge-credentials')).body.data[0].revoked_at).toEqual(expect.any(String));
    const logs = h.logs.join('');
    expect(logs).toContain('edge credential created');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(secret);
  });
});
