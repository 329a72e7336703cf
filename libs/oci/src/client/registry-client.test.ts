// RegistryClient against a real registry (Debian docker-registry 2.8 on loopback, no auth).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startRegistry, type TestRegistry } from '../../../../tools/test-registry/index.mjs';
import { OciError } from '../error.js';
import { RegistryClient } from './registry-client.js';
import { selectPlatform } from './platform.js';
import type { ImageIndex } from './types.js';
import { pushImage, pushIndex, sha256, utf8 } from './__fixtures__/images.js';

let reg: TestRegistry;
let client: RegistryClient;
let work: string;

beforeAll(async () => {
  reg = await startRegistry();
  client = new RegistryClient({ registry: reg.host, retries: 1 });
  work = mkdtempSync(join(tmpdir(), 'oci-client-'));
});
afterAll(async () => {
  await reg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(OciError);
    return (e as OciError).code;
  }
  return 'RESOLVED';
}

describe('RegistryClient against docker-registry', () => {
  it('pings the registry over http on loopback', async () => {
    expect(client.baseUrl).toBe(`http://${reg.host}`);
    expect(await client.ping()).toEqual({ apiVersion: 'registry/2.0' });
  });

  it('round-trips an image: push blobs + manifest, pull by tag and by digest', async () => {
    const img = await pushImage(client, 'plugins/echo', 'v1');
    expect(img.digest).toBe(sha256(img.manifest));

    const byTag = await client.getManifest('plugins/echo', 'v1');
    expect(byTag.digest).toBe(img.digest);
    expect(byTag.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(byTag.size).toBe(img.manifest.byteLength);
    expect(Buffer.from(byTag.bytes).equals(Buffer.from(img.manifest))).toBe(true);
    expect((byTag.json['layers'] as unknown[]).length).toBe(1);

    const byDigest = await client.getManifest('plugins/echo', img.digest);
    expect(byDigest.digest).toBe(img.digest);

    expect(await client.headManifest('plugins/echo', 'v1')).toEqual({ digest: img.digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', size: img.manifest.byteLength });
    expect(await client.headManifest('plugins/echo', 'nope')).toBeUndefined();

    const dest = join(work, 'sub', 'layer.bin');
    const progress: number[] = [];
    const got = await client.downloadBlob('plugins/echo', img.layerDigest, dest, { expectedSize: img.layer.byteLength, onProgress: (d) => progress.push(d) });
    expect(got).toEqual({ digest: img.layerDigest, size: img.layer.byteLength });
    expect(readFileSync(dest).equals(Buffer.from(img.layer))).toBe(true);
    expect(progress.at(-1)).toBe(img.layer.byteLength);
    expect(readdirSync(join(work, 'sub'))).toEqual(['layer.bin']);

    expect(Buffer.from(await client.getBlob('plugins/echo', img.layerDigest)).equals(Buffer.from(img.layer))).toBe(true);
    expect(await client.hasBlob('plugins/echo', img.layerDigest)).toBe(true);
    expect(await client.hasBlob('plugins/echo', sha256(utf8('absent')))).toBe(false);
  });

  it('streams a multi-megabyte blob from a file and back', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const file = join(work, 'big.bin');
    writeFileSync(file, data);
    const digest = sha256(data);
    let pushed = 0;
    expect(await client.pushBlob('plugins/big', { file, size: data.length, digest }, { onProgress: (d) => { pushed = d; } })).toEqual({ digest, size: data.length });
    expect(pushed).toBe(data.length);
    // A second push is skipped because the registry has it.
    expect(await client.pushBlob('plugins/big', { file, size: data.length, digest })).toEqual({ digest, size: data.length });
    const dest = join(work, 'big.out');
    await client.downloadBlob('plugins/big', digest, dest, { expectedSize: data.length });
    expect(readFileSync(dest).equals(data)).toBe(true);
  });

  it('selects a platform out of a multi-arch index', async () => {
    const amd = await pushImage(client, 'plugins/multi', 'amd64', { platform: { os: 'linux', architecture: 'amd64' } });
    const arm = await pushImage(client, 'plugins/multi', 'arm64', { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const idx = await pushIndex(client, 'plugins/multi', 'latest', [amd.descriptor, arm.descriptor]);
    const index = await client.getManifest('plugins/multi', 'latest');
    expect(index.digest).toBe(idx.digest);
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const picked = selectPlatform(index.json as unknown as ImageIndex, { os: 'linux', architecture: 'arm64' });
    expect(picked.digest).toBe(arm.digest);
    const m = await client.getManifest('plugins/multi', picked.digest);
    expect(m.digest).toBe(arm.digest);
    expect(() => selectPlatform(index.json as unknown as ImageIndex, { os: 'linux', architecture: 's390x' })).toThrow(/linux\/amd64, linux\/arm64\/v8/);
  });

  it('sees a moved tag', async () => {
    const a = await pushImage(client, 'plugins/moving', 'stable');
    expect((await client.getManifest('plugins/moving', 'stable')).digest).toBe(a.digest);
    const b = await pushImage(client, 'plugins/moving', 'stable');
    expect(b.digest).not.toBe(a.digest);
    expect((await client.getManifest('plugins/moving', 'stable')).digest).toBe(b.digest);
    expect((await client.headManifest('plugins/moving', 'stable'))?.digest).toBe(b.digest);
    // The old manifest is still there by digest.
    expect((await client.getManifest('plugins/moving', a.digest)).digest).toBe(a.digest);
    await client.deleteManifest('plugins/moving', a.digest);
    expect(await codeOf(client.getManifest('plugins/moving', a.digest))).toBe('OCI_MANIFEST_NOT_FOUND');
  });

  it('lists tags', async () => {
    await pushImage(client, 'plugins/tags', 'a');
    await pushImage(client, 'plugins/tags', 'b');
    expect((await client.listTags('plugins/tags')).sort()).toEqual(['a', 'b']);
    expect(await codeOf(client.listTags('plugins/none-here'))).toBe('OCI_REPOSITORY_NOT_FOUND');
  });

  it('finds referrers through the tag-schema fallback (the registry has no referrers API)', async () => {
    const subject = await pushImage(client, 'plugins/ref', 'v1');
    expect(await client.getReferrers('plugins/ref', subject.digest)).toEqual([]);
    const sig = await pushImage(client, 'plugins/ref', 'sig', { artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json', subject: subject.descriptor });
    const sbom = await pushImage(client, 'plugins/ref', 'sbom', { artifactType: 'application/spdx+json', subject: subject.descriptor });
    await pushIndex(client, 'plugins/ref', subject.digest.replace(':', '-'), [sig.descriptor, sbom.descriptor]);
    const all = await client.getReferrers('plugins/ref', subject.digest);
    expect(all.map((d) => d.digest)).toEqual([sig.digest, sbom.digest]);
    const only = await client.getReferrers('plugins/ref', subject.digest, { artifactType: 'application/spdx+json' });
    expect(only.map((d) => d.digest)).toEqual([sbom.digest]);
  });

  it('maps missing content to not-found codes', async () => {
    expect(await codeOf(client.getManifest('plugins/echo', 'missing'))).toBe('OCI_MANIFEST_NOT_FOUND');
    expect(await codeOf(client.getManifest('plugins/never', 'v1'))).toBe('OCI_MANIFEST_NOT_FOUND');
    expect(await codeOf(client.downloadBlob('plugins/echo', sha256(utf8('x')), join(work, 'x')))).toBe('OCI_BLOB_NOT_FOUND');
    expect(await codeOf(client.getBlob('plugins/echo', sha256(utf8('x'))))).toBe('OCI_BLOB_NOT_FOUND');
  });

  it('enforces size limits', async () => {
    const img = await pushImage(client, 'plugins/limits', 'v1', { layer: new Uint8Array(randomBytes(4096)) });
    const small = new RegistryClient({ registry: reg.host, maxManifestBytes: 100 });
    expect(await codeOf(small.getManifest('plugins/limits', 'v1'))).toBe('OCI_MANIFEST_TOO_LARGE');
    expect(await codeOf(small.pushManifest('plugins/limits', 'v2', img.manifest, 'application/vnd.oci.image.manifest.v1+json'))).toBe('OCI_MANIFEST_TOO_LARGE');
    expect(await codeOf(client.downloadBlob('plugins/limits', img.layerDigest, join(work, 'l1'), { maxBytes: 1000 }))).toBe('OCI_BLOB_TOO_LARGE');
    expect(await codeOf(client.downloadBlob('plugins/limits', img.layerDigest, join(work, 'l2'), { expectedSize: 4000 }))).toBe('OCI_BLOB_TOO_LARGE');
    expect(await codeOf(client.getBlob('plugins/limits', img.layerDigest, { maxBytes: 10 }))).toBe('OCI_BLOB_TOO_LARGE');
  });

  it('refuses a manifest pushed under a digest it does not have', async () => {
    const bytes = utf8('{"schemaVersion":2}');
    expect(await codeOf(client.pushManifest('plugins/x', sha256(utf8('other')), bytes, 'application/vnd.oci.image.manifest.v1+json'))).toBe('OCI_DIGEST_MISMATCH');
  });

  it('reports invalid manifests pushed by others as OCI_PUSH_FAILED', async () => {
    const bytes = utf8(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(utf8('missing')), size: 7 }, layers: [] }));
    try {
      await client.pushManifest('plugins/x', 'bad', bytes, 'application/vnd.oci.image.manifest.v1+json');
      expect.unreachable();
    } catch (e) {
      expect((e as OciError).code).toBe('OCI_PUSH_FAILED');
      expect((e as OciError).message).toMatch(/MANIFEST_BLOB_UNKNOWN|MANIFEST_INVALID/);
      expect((e as OciError).cause).toBeInstanceOf(Error);
    }
  });
});

describe('RegistryClient input validation', () => {
  it.each([
    ['https://ghcr.io'], ['ghcr.io/org'], [''], ['a b'],
  ])('rejects registry %j with OCI_INVALID_OPTIONS', (registry) => {
    expect(() => new RegistryClient({ registry })).toThrow(expect.objectContaining({ code: 'OCI_INVALID_OPTIONS' }));
  });

  it('maps docker.io to registry-1.docker.io over https', () => {
    const c = new RegistryClient({ registry: 'docker.io' });
    expect(c.baseUrl).toBe('https://registry-1.docker.io');
    expect(c.registry).toBe('docker.io');
    expect(new RegistryClient({ registry: 'localhost:5000' }).baseUrl).toBe('http://localhost:5000');
    expect(new RegistryClient({ registry: 'ghcr.io' }).baseUrl).toBe('https://ghcr.io');
    expect(new RegistryClient({ registry: 'reg.internal:5000', scheme: 'http' }).baseUrl).toBe('http://reg.internal:5000');
  });

  it('rejects bad repositories, tags and digests before any request', async () => {
    expect(await codeOf(client.getManifest('Upper/Case', 'v1'))).toBe('OCI_INVALID_REFERENCE');
    expect(await codeOf(client.getManifest('ok', 'bad tag'))).toBe('OCI_INVALID_REFERENCE');
    expect(await codeOf(client.getManifest('ok', 'sha256:abc'))).toBe('OCI_DIGEST_INVALID');
    expect(await codeOf(client.downloadBlob('ok', 'md5:abc', join(work, 'z')))).toBe('OCI_DIGEST_INVALID');
    expect(await codeOf(client.getManifest('../etc', 'v1'))).toBe('OCI_INVALID_REFERENCE');
  });

  it('fails with OCI_ABORTED when the signal is already aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await codeOf(client.getManifest('plugins/echo', 'v1', { signal: ac.signal }))).toBe('OCI_ABORTED');
  });

  it('fails with OCI_REGISTRY_UNREACHABLE when nothing listens', async () => {
    const c = new RegistryClient({ registry: '127.0.0.1:1', retries: 1, retryBaseMs: 1 });
    expect(await codeOf(c.ping())).toBe('OCI_REGISTRY_UNREACHABLE');
  });
});
