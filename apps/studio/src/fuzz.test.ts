// No bad input reaches a 5xx: random bodies, commands, ids and queries against the real app.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PLUGIN, startHarness, type Harness } from './testing/harness.js';

let h: Harness;
// A fixed resolver keeps the policy's DNS step offline and deterministic.
beforeAll(async () => { h = await startHarness({}, { resolve: async () => [{ address: '93.184.216.34', family: 4 }] }); });
afterAll(async () => { await h?.stop(); });

const commands = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom('file://', 'file:///', 'file://./x', 'file:///etc/passwd', 'file:///usr/local/plugins/../../bin/sh', 'grpc://', 'grpc://:0', 'grpc://host:99999',
    'grpc://[::ffff:127.0.0.1]:1', 'grpc://0x7f.1:80', 'grpc://user:pw@example.com:1', 'oci://', 'oci://ghcr.io', 'oci://ghcr.io/a/b@sha256:zz', 'oci://ghcr.io/a/b:1?pubkey=&arch=../../x',
    'http://example.com', '\u0000', 'file:///nonexistent/plugin', 'grpc://example.com:443/path?x=1'),
  fc.webUrl(),
);
const bodies = fc.record({
  name: fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.constant(null)),
  slug: fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.string({ maxLength: 10 })),
  command: commands,
  hook_type: fc.oneof(fc.constantFrom('pre_auth', 'auth', 'post_auth', 'on_response', 'data_collection'), fc.string({ maxLength: 10 })),
  plugin_type: fc.constantFrom('gateway', 'agent', 'nope', undefined),
  is_active: fc.constant(false),
  oci_reference: fc.option(fc.string({ maxLength: 40 })),
  config: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })), fc.string(), fc.constant(null)),
}, { requiredKeys: [] });

describe('robustness', () => {
  it('random plugin bodies never produce a 5xx', async () => {
    await fc.assert(fc.asyncProperty(bodies, async (body) => {
      const r = await h.api('/api/v1/plugins', { method: 'POST', body });
      expect(r.status, r.text).toBeLessThan(500);
      expect(r.body?.error?.code ?? r.body?.data?.id).toBeDefined();
    }), { numRuns: 150 });
  });
  it('random PATCH bodies, ids and queries never produce a 5xx', async () => {
    const c = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Target', slug: 'fuzz-target', command: `file://${DEMO_PLUGIN}`, hook_type: 'auth', is_active: false } });
    expect(c.status).toBe(201);
    await fc.assert(fc.asyncProperty(bodies, fc.oneof(fc.constant(String(c.body.data.id)), fc.string({ maxLength: 12 }).map(encodeURIComponent)), fc.string({ maxLength: 20 }), async (body, id, q) => {
      const p = await h.api(`/api/v1/plugins/${id}`, { method: 'PATCH', body });
      expect(p.status, p.text).toBeLessThan(500);
      const l = await h.api(`/api/v1/plugins?${q}`);
      expect(l.status, l.text).toBeLessThan(500);
    }), { numRuns: 100 });
  });
  it('raw junk bodies and content types never produce a 5xx', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 200 }), fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded'), async (raw, type) => {
      const r = await h.api('/api/v1/plugins', { method: 'POST', body: raw, headers: { 'content-type': type } });
      expect(r.status, r.text).toBeLessThan(500);
    }), { numRuns: 100 });
  });
});
