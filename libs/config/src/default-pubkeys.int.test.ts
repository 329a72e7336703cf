// OCI_PLUGINS_DEFAULT_PUBKEYS (and the studio's AI_STUDIO_OCI_DEFAULT_PUBKEYS) end to end: the environment goes through
// this library's loaders, the settings build the runtime's OCI puller as the apps do, and plugins are pulled from a real
// registry on loopback — signed by the default key (verifies without ?pubkey=), signed by another configured key, and
// unsigned.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand, type OciCommand } from '@plugway/command';
import { pushPlugin, RegistryClient, signCosign } from '@plugway/oci';
import { createOciPuller } from '@plugway/runtime';
import { createPolicy } from '@plugway/security-policy';
import { startRegistry, type TestRegistry } from '../../../tools/test-registry/index.mjs';
import { loadEdgeSettings, loadStudioSettings } from './index.js';

let reg: TestRegistry;
const work = mkdtempSync(join(tmpdir(), 'cfg-pubkeys-'));
const pair = (): { key: KeyObject; pem: string } => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { key: privateKey, pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};
const release = pair();
const other = pair();

beforeAll(async () => {
  reg = await startRegistry();
  const client = new RegistryClient({ registry: reg.host });
  const file = join(work, 'plugin');
  writeFileSync(file, '#!/bin/sh\necho plugin\n');
  chmodSync(file, 0o755);
  for (const [repository, signer] of [['plugins/by-release', release], ['plugins/by-other', other], ['plugins/unsigned', undefined]] as const) {
    // A different manifest (annotation) per repository: one digest, one signature subject each.
    const { digest } = await pushPlugin({ client, repository, tag: 'v1', file, annotations: { 'org.opencontainers.image.title': repository } });
    if (signer) await signCosign(client, repository, digest, signer.key, { dockerReference: `${reg.host}/${repository}` });
  }
}, 60_000);
afterAll(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

type Settings = ReturnType<typeof loadEdgeSettings> | ReturnType<typeof loadStudioSettings>;
// What the apps do with the settings: the policy, then the OCI puller of the runtime.
const pullerOf = (s: Settings) => createOciPuller(s.runtime, { policy: createPolicy(s.policy) });
const oci = (ref: string): OciCommand => {
  const cmd = parseCommand(ref);
  if (cmd.scheme !== 'oci') throw new Error(`not oci: ${ref}`);
  return cmd;
};
const codeOf = (p: Promise<unknown>): Promise<unknown> => p.then(() => 'resolved', (e: { code?: unknown }) => e.code);
const base = (): Record<string, string> => ({ HOME: work, ALLOW_INTERNAL_NETWORK_ACCESS: 'true', OCI_PLUGINS_PUBKEY_RELEASE: release.pem, OCI_PLUGINS_PUBKEY_OTHER: other.pem });

describe('OCI_PLUGINS_DEFAULT_PUBKEYS through the config loader', () => {
  it('edge: a plugin signed by the default key verifies without ?pubkey=; one signed by another key and an unsigned one are refused', async () => {
    const s = loadEdgeSettings({ ...base(), OCI_PLUGINS_CACHE_DIR: join(work, 'edge'), OCI_PLUGINS_DEFAULT_PUBKEYS: 'release' });
    expect(s.runtime.oci.requireSignature).toBe(true);
    const pull = pullerOf(s);
    expect(await pull(oci(`oci://${reg.host}/plugins/by-release:v1`), {})).toMatchObject({ verifiedBy: 'release' });
    expect(await codeOf(pull(oci(`oci://${reg.host}/plugins/by-other:v1`), {}))).toBe('OCI_SIGNATURE_INVALID');
    expect(await codeOf(pull(oci(`oci://${reg.host}/plugins/unsigned:v1`), {}))).toBe('OCI_SIGNATURE_MISSING');
    // The defaults only apply without a selector: ?pubkey= still picks any configured key.
    expect(await pull(oci(`oci://${reg.host}/plugins/by-other:v1?pubkey=other`), {})).toMatchObject({ verifiedBy: 'other' });
  });

  it('edge: without OCI_PLUGINS_DEFAULT_PUBKEYS every configured key is tried', async () => {
    const pull = pullerOf(loadEdgeSettings({ ...base(), OCI_PLUGINS_CACHE_DIR: join(work, 'edge-all') }));
    expect(await pull(oci(`oci://${reg.host}/plugins/by-other:v1`), {})).toMatchObject({ verifiedBy: 'other' });
  });

  it('studio: AI_STUDIO_OCI_DEFAULT_PUBKEYS (here env:VAR) with AI_STUDIO_OCI_REQUIRE_SIGNATURE=true', async () => {
    const s = loadStudioSettings({
      ...base(), AI_STUDIO_OCI_CACHE_DIR: join(work, 'studio'), AI_STUDIO_OCI_REQUIRE_SIGNATURE: 'true',
      RELEASE_KEY: release.pem, AI_STUDIO_OCI_DEFAULT_PUBKEYS: 'env:RELEASE_KEY',
    }, { cwd: work });
    const pull = pullerOf(s);
    expect(await pull(oci(`oci://${reg.host}/plugins/by-release:v1`), {})).toMatchObject({ verifiedBy: 'env:RELEASE_KEY' });
    expect(await codeOf(pull(oci(`oci://${reg.host}/plugins/by-other:v1`), {}))).toBe('OCI_SIGNATURE_INVALID');
    expect(await codeOf(pull(oci(`oci://${reg.host}/plugins/unsigned:v1`), {}))).toBe('OCI_SIGNATURE_MISSING');
  });

  it('a default key that is not configured stops the start with the variable named', () => {
    expect(() => loadEdgeSettings({ ...base(), OCI_PLUGINS_DEFAULT_PUBKEYS: 'nobody' })).toThrow(expect.objectContaining({
      code: 'CONFIG_INVALID', details: expect.objectContaining({ issues: [expect.objectContaining({ path: 'OCI_PLUGINS_DEFAULT_PUBKEYS' })] }),
    }));
  });
});
