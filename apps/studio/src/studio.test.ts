import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startHarness, DEMO_PLUGIN, TOKEN, type Harness } from './testing/harness.js';

const plugin = (over: Record<string, unknown> = {}) => ({
  name: 'Demo', slug: `p-${Math.random().toString(36).slice(2, 10)}`, command: `file://${DEMO_PLUGIN}`, hook_type: 'pre_auth', is_active: false, ...over,
});

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h?.stop(); });

describe('auth', () => {
  it('401 AUTH_REQUIRED without a token', async () => {
    const r = await h.api('/api/v1/plugins', { token: null });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('AUTH_REQUIRED');
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
  it.each([['wrong-token-abcdefghijkl'], [`${TOKEN}x`], [TOKEN.slice(0, -1)]])('401 AUTH_INVALID for %s', async (tok) => {
    const r = await h.api('/api/v1/plugins', { token: tok });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('AUTH_INVALID');
  });
  it('401 AUTH_INVALID for a non-Bearer scheme', async () => {
    const r = await h.api('/api/v1/plugins', { token: null, headers: { authorization: `Basic ${TOKEN}` } });
    expect(r.body.error.code).toBe('AUTH_INVALID');
  });
  it('covers every /api route, including unknown ones and the OpenAPI document', async () => {
    for (const p of ['/api/v1/openapi.json', '/api/v1/plugins/1', '/api/v1/nope', '/api/v2/x']) expect((await h.api(p, { token: null })).status).toBe(401);
  });
  it('/healthz and / need no token', async () => {
    expect((await h.api('/healthz', { token: null })).body).toEqual({ status: 'ok' });
    expect((await h.api('/health', { token: null })).body).toEqual({ status: 'ok' });
    expect((await h.api('/', { token: null })).text).toContain('plugway studio');
  });
});

describe('validation', () => {
  it('400 VALIDATION_FAILED listing every coded issue', async () => {
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: { name: '', slug: 'Bad Slug', hook_type: 'sometimes', extra: 1 } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    const paths = r.body.error.details.issues.map((i: { path: string }) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'slug', 'hook_type']));
    for (const i of r.body.error.details.issues) expect(i).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  });
  it('400 BODY_INVALID_JSON', async () => {
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('BODY_INVALID_JSON');
  });
  it('reads a JSON body sent as form-urlencoded or without a Content-Type (curl -d), as AI Studio does', async () => {
    const json = JSON.stringify(plugin({ slug: 'curl-d' }));
    const form = await h.api('/api/v1/plugins', { method: 'POST', body: json, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status, form.text).toBe(201);
    const res = await fetch(`${h.url}/api/v1/plugins`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: new Blob([JSON.stringify(plugin({ slug: 'no-type' }))]) });
    expect(res.status).toBe(201);
    const notJson = await h.api('/api/v1/plugins', { method: 'POST', body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(notJson.body.error.code).toBe('BODY_INVALID_JSON');
  });
  it.each([['text/plain'], ['multipart/form-data; boundary=x'], ['application/xml']])('415 UNSUPPORTED_MEDIA_TYPE for %s', async (type) => {
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: JSON.stringify(plugin()), headers: { 'content-type': type } });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
  it.each([['abc'], ['0'], ['1.5'], ['99999999999999999999'], ['1e0'], ['0x1'], ['%201'], ['1.0'], ['01'], ['+1'], ['1%20']])('400 for id %s (canonical ids only)', async (id) => {
    const p = `/api/v1/plugins/${id}`;
    const r = await h.api(p);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
  });
  it('404 NOT_FOUND for a missing plugin', async () => {
    for (const [m, p] of [['GET', '/api/v1/plugins/4242'], ['DELETE', '/api/v1/plugins/4242'], ['POST', '/api/v1/plugins/4242/reload'], ['GET', '/api/v1/plugins/4242/health']] as const) {
      const r = await h.api(p, { method: m });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('NOT_FOUND');
    }
  });
  it.each([
    ['file://./relative/plugin'], ['/usr/local/plugins/bare'], ['ftp://example.com/x'], ['grpc://'], ['oci://'],
  ])('400 COMMAND_* for %s', async (command) => {
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ command }) });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toMatch(/^COMMAND_/);
  });
  it('400 for a PATCH that changes nothing or has unknown fields', async () => {
    const c = await h.api('/api/v1/plugins', { method: 'POST', body: plugin() });
    expect((await h.api(`/api/v1/plugins/${c.body.data.id}`, { method: 'PATCH', body: {} })).status).toBe(400);
    expect((await h.api(`/api/v1/plugins/${c.body.data.id}`, { method: 'PATCH', body: { id: 7 } })).status).toBe(400);
  });
});

describe('AI Studio request fields', () => {
  it('needs only name and command: slug from the name, hook_type pre_auth, namespace and hook_types', async () => {
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'My First Plugin!', command: `file://${DEMO_PLUGIN}`, is_active: false } });
    expect(r.status, r.text).toBe(201);
    expect(r.body.data).toMatchObject({ slug: 'my-first-plugin', hook_type: 'pre_auth', hook_types: ['pre_auth'], namespace: '', checksum: null });
    const multi = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Multi', command: `file://${DEMO_PLUGIN}`, hook_types: ['auth', 'on_response'], namespace: 'team-a', is_active: false } });
    expect(multi.body.data).toMatchObject({ slug: 'multi', hook_type: 'auth', hook_types: ['auth', 'on_response'], namespace: 'team-a' });
    const bad = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Bad', command: `file://${DEMO_PLUGIN}`, hook_type: 'pre_auth', hook_types: ['auth'] } });
    expect(bad.body.error.details.issues[0].path).toBe('hook_type');
  });
  it('stores handshake and sandbox, returns them, PATCHes and clears them, and publishes them in the plugin set', async () => {
    const handshake = { magicCookieKey: 'MY_PLUGIN_COOKIE', magicCookieValue: 'hello' };
    const sandbox = { user: 'nobody', limits: { openFiles: 64, processes: 16 } };
    const c = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ handshake, sandbox }) });
    expect(c.status, c.text).toBe(201);
    expect(c.body.data).toMatchObject({ handshake: { ...handshake, appProtocolVersion: 1 }, sandbox });
    const id = c.body.data.id;
    expect((await h.api(`/api/v1/plugins/${id}`)).body.data).toMatchObject({ handshake: { ...handshake, appProtocolVersion: 1 }, sandbox });
    const p = await h.api(`/api/v1/plugins/${id}`, { method: 'PATCH', body: { handshake: { ...handshake, appProtocolVersion: 2 }, sandbox: null } });
    expect(p.status, p.text).toBe(200);
    expect(p.body.data).toMatchObject({ handshake: { appProtocolVersion: 2 }, sandbox: null });
    const set = await h.api('/api/v1/plugin-set');
    expect(set.body.data.find((x: { id: number }) => x.id === id)).toMatchObject({ handshake: { magicCookieKey: 'MY_PLUGIN_COOKIE', appProtocolVersion: 2 }, sandbox: null });
    expect((await h.api('/api/v1/plugins', { method: 'POST', body: plugin() })).body.data).toMatchObject({ handshake: null, sandbox: null });
  });
  it('400 VALIDATION_FAILED for an invalid handshake or sandbox', async () => {
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ handshake: { magicCookieKey: '1 bad', magicCookieValue: '' }, sandbox: { limits: { openFiles: -1 }, root: true } }) });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(r.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['handshake.magicCookieKey', 'handshake.magicCookieValue', 'sandbox.limits.openFiles', 'sandbox']));
  });
  it('checks checksum against the file before it runs', async () => {
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const sum = createHash('sha256').update(readFileSync(DEMO_PLUGIN)).digest('hex');
    const ok = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ checksum: `sha256:${sum.toUpperCase()}` }) });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.data.checksum).toBe(sum);
    const bad = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ slug: 'bad-sum', checksum: '0'.repeat(64) }) });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'CHECKSUM_MISMATCH', details: { expected: '0'.repeat(64), actual: sum } });
    expect((await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ checksum: 'nope' }) })).status).toBe(400);
  });
  it('load_immediately: false stores the plugin; reload starts it', async () => {
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ slug: 'lazy', is_active: true, load_immediately: false }) });
    expect(r.body.data.status.state).toBe('unregistered');
    const l = await h.api(`/api/v1/plugins/${r.body.data.id}/reload`, { method: 'POST' });
    expect(l.body.data.status.state).toBe('running');
    await h.api(`/api/v1/plugins/${r.body.data.id}`, { method: 'DELETE' });
  });
  it('refuses an oci_reference that names another artifact than command', async () => {
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ oci_reference: 'ghcr.io/acme/other:1' }) });
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues[0].path).toBe('oci_reference');
    const c = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ command: 'oci://ghcr.io/acme/a:1', oci_reference: 'ghcr.io/acme/b:1' }) });
    expect(c.status).toBe(400);
  });
  it('filters by hook_type and is_active, pages with limit and a next link', async () => {
    for (let i = 0; i < 3; i++) await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ slug: `dc-${i}`, hook_type: 'data_collection' }) });
    const r = await h.api('/api/v1/plugins?hook_type=data_collection&is_active=false&limit=2');
    expect(r.status, r.text).toBe(200);
    expect(r.body.meta).toMatchObject({ page: 1, page_size: 2, total: 3, total_pages: 2 });
    expect(r.body.links.next).toBe('/api/v1/plugins?hook_type=data_collection&is_active=false&limit=2&page=2');
    expect(r.headers.get('link')).toBe(`<${r.body.links.next}>; rel="next"`);
    const n = await h.api(r.body.links.next);
    expect(n.body.data.map((p: { slug: string }) => p.slug)).toEqual(['dc-2']);
    expect(n.body.links.next).toBeNull();
    expect((await h.api('/api/v1/plugins?limit=2&page_size=3')).status).toBe(400);
    expect((await h.api('/api/v1/plugins?is_active=yes')).status).toBe(400);
  });
});

describe('policy', () => {
  it.each([['grpc://10.0.0.5:9000'], ['grpc://127.0.0.1:50051'], ['grpc://169.254.169.254:80'], ['grpc://[::1]:9000']])('403 POLICY_DENIED for %s with the violations', async (command) => {
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ command }) });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('POLICY_DENIED');
    expect(r.body.error.details.violations.length).toBeGreaterThan(0);
    expect(r.body.error.details.violations[0].code).toMatch(/^POLICY_/);
  });
  it('a denied plugin is not stored', async () => {
    const slug = 'denied-one';
    await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ slug, command: 'grpc://10.1.1.1:1' }) });
    const all = await h.api('/api/v1/plugins?page_size=100');
    expect(all.body.data.map((p: { slug: string }) => p.slug)).not.toContain(slug);
  });
  it('warnings come back in a successful response', async () => {
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: plugin() });
    expect(r.status).toBe(201);
    expect(r.body.warnings.map((w: { code: string }) => w.code)).toContain('POLICY_WARN_OUTSIDE_PLUGIN_DIRS');
  });
  it('422 OCI_DISABLED when no AI_STUDIO_OCI_CACHE_DIR is set', async () => {
    for (const body of [plugin({ command: 'oci://ghcr.io/acme/plugin:1.0' }), plugin({ command: undefined, oci_reference: 'ghcr.io/acme/plugin:1.0' })]) {
      const r = await h.api('/api/v1/plugins', { method: 'POST', body });
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe('OCI_DISABLED');
      expect(r.body.error.message).toMatch(/AI_STUDIO_OCI_CACHE_DIR/);
    }
  });
});

describe('CRUD and pagination', () => {
  it('create, get, patch, list, delete', async () => {
    const c = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ name: 'CRUD', slug: 'crud-one', config: { greeting: 'hi' } }) });
    expect(c.status).toBe(201);
    expect(c.headers.get('location')).toBe(`/api/v1/plugins/${c.body.data.id}`);
    expect(c.body.data).toMatchObject({ name: 'CRUD', slug: 'crud-one', hook_type: 'pre_auth', plugin_type: 'gateway', is_active: false, config: { greeting: 'hi' }, status: { state: 'inactive' } });
    const id = c.body.data.id;
    expect((await h.api(`/api/v1/plugins/${id}`)).body.data.slug).toBe('crud-one');
    const p = await h.api(`/api/v1/plugins/${id}`, { method: 'PATCH', body: { name: 'CRUD 2', hook_type: 'post_auth' } });
    expect(p.status).toBe(200);
    expect(p.body.data).toMatchObject({ name: 'CRUD 2', hook_type: 'post_auth' });
    expect((await h.api(`/api/v1/plugins/${id}`)).body.data.name).toBe('CRUD 2');
    const denied = await h.api(`/api/v1/plugins/${id}`, { method: 'PATCH', body: { command: 'grpc://10.0.0.1:1' } });
    expect(denied.status).toBe(403);
    expect((await h.api(`/api/v1/plugins/${id}`)).body.data.command).toBe(`file://${DEMO_PLUGIN}`);
    expect((await h.api(`/api/v1/plugins/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await h.api(`/api/v1/plugins/${id}`)).status).toBe(404);
  });
  it('409 SLUG_TAKEN', async () => {
    await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ slug: 'same-slug' }) });
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ slug: 'same-slug' }) });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('SLUG_TAKEN');
  });
  it('pages through the list', async () => {
    for (let i = 0; i < 5; i++) await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ slug: `page-${i}` }) });
    const total = (await h.api('/api/v1/plugins')).body.meta.total as number;
    const r = await h.api('/api/v1/plugins?page=2&page_size=2');
    expect(r.body.meta).toEqual({ page: 2, page_size: 2, total, total_pages: Math.ceil(total / 2) });
    expect(r.body.data).toHaveLength(2);
    const last = await h.api(`/api/v1/plugins?page=${Math.ceil(total / 2)}&page_size=2`);
    expect(last.body.data).toHaveLength(total % 2 === 0 ? 2 : 1);
    for (const q of ['page=0', 'page_size=1000', 'page=x', 'sort=name']) {
      const bad = await h.api(`/api/v1/plugins?${q}`);
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('plugin lifecycle (a real plugin process)', () => {
  it('starts, reports health, reloads with a new process, and stops on delete', async () => {
    const c = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ slug: 'live-one', is_active: true }) });
    expect(c.status).toBe(201);
    expect(c.body.data.status.state).toBe('running');
    const id = c.body.data.id;
    const pid1 = c.body.data.status.pid as number;
    // Least privilege (issue #15): as root the plugin runs as nobody; the API shows what it got, /proc confirms it.
    const uid = process.getuid!() === 0 ? 65534 : process.getuid!();
    expect(c.body.data.status.sandbox).toMatchObject({ uid, umask: '0077', fds: 'stdio-only', limits: { openFiles: 1024 } });
    expect(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid1}/status`, 'utf8'))?.[1]).toBe(String(uid));
    const health = await h.api(`/api/v1/plugins/${id}/health`);
    expect(health.body.data).toMatchObject({ state: 'running', health: 'SERVING' });
    expect((await h.api('/metrics', { token: null })).text).toContain(`studio_plugin_up{plugin="${id}",slug="live-one"} 1`);
    const r = await h.api(`/api/v1/plugins/${id}/reload`, { method: 'POST' });
    expect(r.status).toBe(200);
    const pid2 = (await h.api(`/api/v1/plugins/${id}`)).body.data.status.pid as number;
    expect(pid2).not.toBe(pid1);
    expect((await h.api(`/api/v1/plugins/${id}`, { method: 'DELETE' })).status).toBe(204);
    await expect.poll(() => { try { process.kill(pid2, 0); return true; } catch { return false; } }, { timeout: 15_000 }).toBe(false);
    expect(h.logs.join('')).toMatch(/plugin deleted/);
  });
});

describe('concurrency', () => {
  it('concurrent PATCH, reload and health on one plugin all succeed', async () => {
    const c = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ slug: 'busy-one' }) });
    const id = c.body.data.id;
    const calls = [
      ...Array.from({ length: 5 }, (_, i) => h.api(`/api/v1/plugins/${id}`, { method: 'PATCH', body: { name: `Busy ${i}`, hook_type: i % 2 ? 'auth' : 'pre_auth' } })),
      h.api(`/api/v1/plugins/${id}/reload`, { method: 'POST' }), h.api(`/api/v1/plugins/${id}/health`),
    ];
    const res = await Promise.all(calls);
    expect(res.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    expect((await h.api(`/api/v1/plugins/${id}`)).body.data.name).toBe('Busy 4');
  });
});

describe('secrets', () => {
  it('never appear in responses or logs', async () => {
    const secret = 'SECRET-abcdef-0123456789';
    const c = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ slug: 'with-secrets', config: { api_key: secret, password: secret, nested: { token: secret }, plain: 'visible' } }) });
    expect(c.status).toBe(201);
    expect(c.text).not.toContain(secret);
    expect(c.body.data.config.plain).toBe('visible');
    const g = await h.api(`/api/v1/plugins/${c.body.data.id}`);
    expect(g.text).not.toContain(secret);
    await h.api('/api/v1/plugins', { token: `${secret}-as-token` });
    await h.api(`/api/v1/plugins/${c.body.data.id}`, { method: 'PATCH', body: { config: { password: secret } } });
    const logs = h.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(TOKEN);
  });
});

describe('observability', () => {
  it('serves Prometheus metrics', async () => {
    const m = await h.api('/metrics', { token: null });
    expect(m.status).toBe(200);
    expect(m.text).toContain('studio_http_requests_total');
    expect(m.text).toContain('studio_http_request_duration_seconds');
    expect(m.text).toMatch(/studio_plugins \d+/);
    expect(m.text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(m.text).not.toMatch(/^studio_(process|nodejs)_/m);
  });
  it('serves an OpenAPI 3.1 document built from the schemas', async () => {
    const r = await h.api('/api/v1/openapi.json');
    expect(r.body.openapi).toBe('3.1.0');
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/api/v1/plugins', '/api/v1/plugins/{id}', '/api/v1/plugins/{id}/reload', '/api/v1/plugins/{id}/health']));
    expect(r.body.components.schemas.CreatePlugin.properties.hook_type.enum).toContain('pre_auth');
  });
  it('answers unknown routes with 404 ROUTE_NOT_FOUND', async () => {
    const r = await h.api('/api/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('ROUTE_NOT_FOUND');
  });
});

describe('command display', () => {
  it('shows the stored command verbatim (no URL normalisation)', async () => {
    // `//` inside the path would be collapsed by a URL round trip
    const command = `file://${DEMO_PLUGIN.replace('/examples/', '/examples//')}`;
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: plugin({ slug: 'verbatim', command }) });
    expect(r.status, r.text).toBeLessThan(500);
    if (r.status === 201) expect(r.body.data.command).toBe(command);
  });
});
