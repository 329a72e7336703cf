// End to end: a plugin packaged, signed (cosign key format) and published to a real registry, registered through the
// studio API with signatures required — verified before it runs; a wrong key leaves a coded error state.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushPlugin, RegistryClient, signCosign } from '@plugway/oci';
import { startRegistry, type TestRegistry } from '../../../tools/test-registry/index.mjs';
import { startHarness, type Harness } from './testing/harness.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const release = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = (k: typeof release) => k.publicKey.export({ type: 'spki', format: 'pem' }) as string;
let reg: TestRegistry;
let work: string;
let h: Harness | undefined;

beforeAll(async () => {
  reg = await startRegistry();
  work = mkdtempSync(join(tmpdir(), 'studio-signed-'));
  const wrapper = join(work, 'plugin.sh');
  writeFileSync(wrapper, `#!/bin/sh\ncd "${REPO}" && exec "\${PLUGWAY_NODE:-node}" --import tsx "${REPO}/examples/header-injector/plugin.ts"\n`);
  chmodSync(wrapper, 0o755);
  const client = new RegistryClient({ registry: reg.host });
  const pushed = await pushPlugin({ client, repository: 'plugins/signed', tag: '2.0.0', file: wrapper });
  await signCosign(client, 'plugins/signed', pushed.digest, release.privateKey, { dockerReference: `${reg.host}/plugins/signed` });
}, 120_000);
afterAll(async () => {
  await h?.stop();
  await reg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('signed oci:// plugins with AI_STUDIO_OCI_REQUIRE_SIGNATURE=true', () => {
  it('verifies the signature with the named key, then runs the plugin', async () => {
    h = await startHarness({
      AI_STUDIO_OCI_CACHE_DIR: join(work, 'cache'), AI_STUDIO_OCI_REQUIRE_SIGNATURE: 'true', OCI_PLUGINS_ALLOWED_REGISTRIES: reg.host,
      OCI_PLUGINS_PUBKEY_RELEASE: pem(release), OCI_PLUGINS_PUBKEY_OTHER: pem(other),
    });
    const ok = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Signed', slug: 'signed', command: `oci://${reg.host}/plugins/signed:2.0.0?pubkey=release`, hook_type: 'pre_auth' } });
    expect(ok.status).toBe(201);
    expect(ok.body.data.status).toMatchObject({ scheme: 'oci', state: 'running', verifiedBy: 'release' });
    expect((await h.api(`/api/v1/plugins/${ok.body.data.id}/health`)).body.data.health).toBe('SERVING');

    const wrong = await h.api('/api/v1/plugins', { method: 'POST', body: { name: 'Wrong key', slug: 'wrong-key', command: `oci://${reg.host}/plugins/signed:2.0.0?pubkey=other`, hook_type: 'pre_auth' } });
    expect(wrong.status).toBe(201);
    expect(wrong.body.data.status).toMatchObject({ state: 'error', error: { code: 'RUNTIME_OCI_PULL_FAILED', causeCode: 'OCI_SIGNATURE_INVALID' } });
    // no key material in any response
    expect(JSON.stringify([ok.body, wrong.body])).not.toContain('BEGIN PUBLIC KEY');
  });
});
