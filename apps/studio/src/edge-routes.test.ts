// GET /api/v1/plugin-set (ETag, 304, long-poll) and GET /api/v1/edges on a real studio (SQLite).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLUGIN, startHarness, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness({ PLUGIN_COMMAND_ALLOWLIST: DEMO_PLUGIN }); });
afterAll(async () => { await h?.stop(); });

const plugin = (slug: string) => ({ name: slug, slug, command: `file://${DEMO_PLUGIN}`, hook_type: 'pre_auth', is_active: false });

describe('GET /api/v1/plugin-set', () => {
  it('answers the whole set with its version as ETag, and 304 while it is unchanged', async () => {
    await h.api('/api/v1/plugins', { method: 'POST', body: plugin('set-a') });
    const r = await h.api('/api/v1/plugin-set');
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe(`"v${r.body.version}"`);
    expect(r.body.data.map((p: { slug: string }) => p.slug)).toContain('set-a');
    const again = await h.api('/api/v1/plugin-set', { headers: { 'if-none-match': `"v${r.body.version}"` } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect((await h.api('/api/v1/plugin-set', { token: null })).status).toBe(401);
  });

  it('holds a long-poll until the set changes, or answers 304 at the end of the wait', async () => {
    const { version } = (await h.api('/api/v1/plugin-set')).body;
    const t0 = Date.now();
    const quiet = await h.api('/api/v1/plugin-set?wait=1', { headers: { 'if-none-match': `"v${version}"` } });
    expect(quiet.status).toBe(304);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    const waiting = h.api('/api/v1/plugin-set?wait=30', { headers: { 'if-none-match': `"v${version}"` } });
    await new Promise((r) => setTimeout(r, 100));
    const t1 = Date.now();
    await h.api('/api/v1/plugins', { method: 'POST', body: plugin('set-b') });
    const changed = await waiting;
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBeGreaterThan(version);
    expect(Date.now() - t1).toBeLessThan(10_000);
  });

  it('records the edges that ask, with the set version each applied', async () => {
    const { version } = (await h.api('/api/v1/plugin-set')).body;
    await h.api('/api/v1/plugin-set', { headers: { 'x-plugway-edge-id': 'edge-1', 'x-plugway-edge-applied': String(version), 'x-plugway-edge-status': 'ok' } });
    await h.api('/api/v1/plugin-set', { headers: { 'x-plugway-edge-id': 'edge-2', 'x-plugway-edge-status': 'degraded' } });
    const edges = (await h.api('/api/v1/edges')).body.data;
    expect(edges).toEqual([
      { id: 'edge-1', applied_version: version, status: 'ok', last_seen: expect.any(String) },
      { id: 'edge-2', applied_version: 0, status: 'degraded', last_seen: expect.any(String) },
    ]);
  });

  it.each([
    ['an edge id with a slash', { 'x-plugway-edge-id': 'a/b' }, ''],
    ['a negative applied version', { 'x-plugway-edge-id': 'e', 'x-plugway-edge-applied': '-1' }, ''],
    ['an unknown status', { 'x-plugway-edge-id': 'e', 'x-plugway-edge-status': 'great' }, ''],
    ['a wait above 60 s', {}, '?wait=61'],
    ['an unknown query parameter', {}, '?page=2'],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_name, headers, query) => {
    const r = await h.api(`/api/v1/plugin-set${query}`, { headers });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
  });
});
