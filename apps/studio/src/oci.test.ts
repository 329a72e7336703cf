// oci:// through the studio API with a real registry (Debian docker-registry on loopback).
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushPlugin, RegistryClient } from '@plugway/oci';
import { startRegistry, type TestRegistry } from '../../../tools/test-registry/index.mjs';
import { ensureCurl, replay, seedRequests } from './testing/seed.js';
import { startHarness, TOKEN, type Harness } from './testing/harness.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
let reg: TestRegistry;
let work: string;
let digest: string;

beforeAll(async () => {
  reg = await startRegistry();
  work = mkdtempSync(join(tmpdir(), 'studio-oci-'));
  const wrapper = join(work, 'plugin.sh');
  writeFileSync(wrapper, `#!/bin/sh\ncd "${REPO}" && exec "\${PLUGWAY_NODE:-node}" --import tsx "${REPO}/examples/header-injector/plugin.ts"\n`);
  chmodSync(wrapper, 0o755);
  digest = (await pushPlugin({ client: new RegistryClient({ registry: reg.host }), repository: 'plugins/injector', tag: '1.0.0', file: wrapper })).binaryDigest;
}, 120_000);
afterAll(async () => { await reg?.stop(); if (work) rmSync(work, { recursive: true, force: true }); });

describe('oci:// plugins when AI_STUDIO_OCI_CACHE_DIR is set', () => {
  let h: Harness;
  afterAll(async () => { await h?.stop(); });

  it('pulls into the cache and runs the plugin; oci_reference alone works too', async () => {
    // The seed's walk-through: only the cache dir; signatures are opt-in, so the unsigned plugin runs with a warning.
    h = await startHarness({ AI_STUDIO_OCI_CACHE_DIR: join(work, 'cache'), OCI_PLUGINS_ALLOWED_REGISTRIES: reg.host });
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'OCI', slug: 'oci-one', command: `oci://${reg.host}/plugins/injector:1.0.0`, hook_type: 'pre_auth' } });
    expect(r.status).toBe(201);
    expect(r.body.data.status).toMatchObject({ scheme: 'oci', state: 'running', digest, resolved: { ttlSeconds: 86_400 } });
    expect(r.body.warnings.map((w: { code: string }) => w.code)).toContain('RUNTIME_WARN_OCI_UNSIGNED');
    expect(r.body.data.status.target.startsWith(join(work, 'cache'))).toBe(true);
    expect((await h.api(`/api/v1/plugins/${r.body.data.id}/health`)).body.data.health).toBe('SERVING');
    const r2 = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'OCI 2', slug: 'oci-two', oci_reference: `${reg.host}/plugins/injector:1.0.0`, hook_type: 'auth', is_active: false } });
    expect(r2.status).toBe(201);
    expect(r2.body.data).toMatchObject({ command: `oci://${reg.host}/plugins/injector:1.0.0`, oci_reference: `${reg.host}/plugins/injector:1.0.0` });
  });

  it('replays the seed oci:// request as printed (issue #10)', async () => {
    ensureCurl();
    const seed = seedRequests().find((r) => r.command.includes('oci://'))!;
    const res = await replay(seed.command, { 'http://localhost:8080': h.url, YOUR_API_TOKEN: TOKEN, 'registry.example.com': reg.host });
    expect(res.status, res.body).toBe(seed.expect);
    expect(JSON.parse(res.body).data).toMatchObject({ slug: 'header-injector', namespace: 'team-a', status: { scheme: 'oci', state: 'running', digest } });
  });

  it('checks checksum against the pulled binary before it runs', async () => {
    const body = (slug: string, checksum: string) => ({ name: slug, slug, command: `oci://${reg.host}/plugins/injector:1.0.0`, hook_type: 'pre_auth', checksum });
    const good = await h.api('/api/v1/plugins', { method: 'POST', body: body('sum-good', digest) });
    expect(good.body.data.status).toMatchObject({ state: 'running', digest });
    const bad = await h.api('/api/v1/plugins', { method: 'POST', body: body('sum-bad', 'ab'.repeat(32)) });
    expect(bad.status).toBe(201);
    expect(bad.body.data.status).toMatchObject({ state: 'error', error: { code: 'RUNTIME_OCI_PULL_FAILED', causeCode: 'STUDIO_CHECKSUM_MISMATCH' } });
    expect(bad.body.data.status.pid).toBeUndefined();
  });

  it('a registry outside OCI_PLUGINS_ALLOWED_REGISTRIES is a 403', async () => {
    const r = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'X', slug: 'oci-x', command: 'oci://ghcr.io/acme/x:1', hook_type: 'pre_auth' } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('POLICY_DENIED');
  });

  it('an unsigned plugin when signatures are required is stored with a coded error state, not a 5xx', async () => {
    const s = await startHarness({ AI_STUDIO_OCI_CACHE_DIR: join(work, 'cache2'), AI_STUDIO_OCI_REQUIRE_SIGNATURE: 'true', OCI_PLUGINS_ALLOWED_REGISTRIES: reg.host });
    try {
      const r = await s.api('/api/v1/plugins', { method: 'POST', body: { name: 'Unsigned', slug: 'unsigned', command: `oci://${reg.host}/plugins/injector:1.0.0`, hook_type: 'pre_auth' } });
      expect(r.status).toBe(201);
      expect(r.body.data.status).toMatchObject({ state: 'error', error: { code: 'RUNTIME_OCI_PULL_FAILED' } });
      const missing = await s.api('/api/v1/plugins', { method: 'POST', body: { name: 'Missing', slug: 'missing', command: `oci://${reg.host}/plugins/nothing:9`, hook_type: 'pre_auth' } });
      expect(missing.status).toBe(201);
      expect(missing.body.data.status.state).toBe('error');
    } finally {
      await s.stop();
    }
  });
});
