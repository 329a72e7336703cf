// pullPlugin end to end against a real registry (Debian docker-registry on loopback).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRegistry, type TestRegistry } from '../../../../tools/test-registry/index.mjs';
import { attachSigstoreBundle, createKeyRing, OciError, PluginCache, publicKeysFromEnv, pullPlugin, pushPlugin, RegistryClient, signCosign, type PullPluginOptions } from '../index.js';
import { digestOf } from '../client/digest.js';
import { MEDIA_TYPE_OCI_EMPTY, MEDIA_TYPE_OCI_MANIFEST } from '../client/media-types.js';
import { tarOf } from './__fixtures__/tar.js';

let reg: TestRegistry;
let client: RegistryClient;
let work: string;
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

beforeAll(async () => {
  reg = await startRegistry();
  client = new RegistryClient({ registry: reg.host, retries: 1 });
  work = mkdtempSync(join(tmpdir(), 'oci-pull-'));
});
afterAll(async () => {
  await reg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

let n = 0;
function script(text: string): string {
  const f = join(work, `plugin-${++n}.sh`);
  writeFileSync(f, `#!/bin/sh\necho ${text}\n`);
  chmodSync(f, 0o755);
  return f;
}
async function freshCache(): Promise<PluginCache> {
  return PluginCache.open({ root: mkdtempSync(join(work, 'cache-')) });
}
async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  if (e === undefined) return 'RESOLVED';
  expect(e).toBeInstanceOf(OciError);
  return (e as OciError).code;
}
const ref = (repository: string, tag = 'v1') => ({ registry: reg.host, repository, tag });
const base = (cache: PluginCache, repository: string, extra: Partial<PullPluginOptions> = {}): PullPluginOptions => ({ reference: ref(repository), client, cache, ...extra });

async function pushRawManifest(repository: string, tag: string, layer: Buffer, mediaType: string): Promise<string> {
  const empty = Buffer.from('{}');
  await client.pushBlob(repository, empty);
  const { digest } = await client.pushBlob(repository, layer);
  const man = { schemaVersion: 2, mediaType: MEDIA_TYPE_OCI_MANIFEST, config: { mediaType: MEDIA_TYPE_OCI_EMPTY, digest: digestOf(empty), size: 2 }, layers: [{ mediaType, digest, size: layer.length }] };
  return client.pushManifest(repository, tag, Buffer.from(JSON.stringify(man)), MEDIA_TYPE_OCI_MANIFEST);
}

describe('pushPlugin → pullPlugin', () => {
  it('pulls an executable that runs, then serves it from the cache', async () => {
    const pushed = await pushPlugin({ client, repository: 'plugins/hello', tag: 'v1', file: script('hello-plugin') });
    const cache = await freshCache();
    const first = await pullPlugin(base(cache, 'plugins/hello'));
    expect(first).toMatchObject({ fromCache: false, subjectDigest: pushed.digest, digest: pushed.binaryDigest });
    expect(statSync(first.path).mode & 0o777).toBe(0o755);
    expect(spawnSync(first.path, { encoding: 'utf8' }).stdout.trim()).toBe('hello-plugin');
    const second = await pullPlugin(base(cache, 'plugins/hello'));
    expect(second).toMatchObject({ fromCache: true, path: first.path });
    const byDigest = await pullPlugin({ reference: { registry: reg.host, repository: 'plugins/hello', digest: pushed.digest }, client, cache });
    expect(byDigest.fromCache).toBe(true);
  });

  it('carries the runtime a packaged script asks for (config blob) into the pull result and the cache', async () => {
    const runtime = { name: 'node', minVersion: '20.19.0' };
    const created = '2026-01-01T00:00:00.000Z';
    const file = script('packaged');
    const a = await pushPlugin({ client, repository: 'plugins/node-rt', tag: 'v1', file, runtime, created });
    const b = await pushPlugin({ client, repository: 'plugins/node-rt', tag: 'v1', file, runtime, created });
    expect(b.digest).toBe(a.digest); // same input and timestamp: same manifest digest
    const cache = await freshCache();
    expect(await pullPlugin(base(cache, 'plugins/node-rt'))).toMatchObject({ fromCache: false, runtime });
    expect(await pullPlugin(base(cache, 'plugins/node-rt'))).toMatchObject({ fromCache: true, runtime });
    expect((await pullPlugin(base(await freshCache(), 'plugins/hello'))).runtime).toBeUndefined();
  });

  it('downloads once for 32 concurrent pulls of one digest', async () => {
    await pushPlugin({ client, repository: 'plugins/concurrent', tag: 'v1', file: script('c') });
    let blobGets = 0;
    const counting: typeof fetch = (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (/\/blobs\/sha256:/.test(url) && (init?.method ?? 'GET') === 'GET') blobGets++;
      return fetch(input, init);
    };
    const c2 = new RegistryClient({ registry: reg.host, fetch: counting });
    const cache = await freshCache();
    const results = await Promise.all(Array.from({ length: 32 }, () => pullPlugin({ reference: ref('plugins/concurrent'), client: c2, cache })));
    expect(new Set(results.map((r) => r.path)).size).toBe(1);
    expect(results.filter((r) => !r.fromCache)).toHaveLength(1);
    expect(blobGets).toBe(1);
  });

  it('resolves a new tag with one manifest GET (no HEAD), and re-resolves a known one with one HEAD', async () => {
    await pushPlugin({ client, repository: 'plugins/requests', tag: 'v1', file: script('r') });
    const seen: string[] = [];
    const counting: typeof fetch = (input, init) => {
      const path = new URL(String(input)).pathname.replace(/sha256:[0-9a-f]+/, 'DIGEST');
      if (path.includes('/manifests/')) seen.push(`${init?.method ?? 'GET'} ${path}`);
      return fetch(input, init);
    };
    const c2 = new RegistryClient({ registry: reg.host, fetch: counting });
    const cache = await freshCache();
    await pullPlugin({ reference: ref('plugins/requests'), client: c2, cache });
    expect(seen).toEqual(['GET /v2/plugins/requests/manifests/v1']);
    seen.length = 0;
    expect(await pullPlugin({ reference: ref('plugins/requests'), client: c2, cache, pullPolicy: 'Always' })).toMatchObject({ fromCache: true });
    expect(seen).toEqual(['HEAD /v2/plugins/requests/manifests/v1']);
  });

  it('follows a moved tag with Always and keeps the recorded digest with IfNotPresent', async () => {
    await pushPlugin({ client, repository: 'plugins/moving', tag: 'v1', file: script('one') });
    const cache = await freshCache();
    const a = await pullPlugin(base(cache, 'plugins/moving'));
    await pushPlugin({ client, repository: 'plugins/moving', tag: 'v1', file: script('two') });
    const b = await pullPlugin(base(cache, 'plugins/moving'));
    expect(b.digest).toBe(a.digest);
    const c = await pullPlugin(base(cache, 'plugins/moving', { pullPolicy: 'Always' }));
    expect(c.digest).not.toBe(a.digest);
    expect(spawnSync(c.path, { encoding: 'utf8' }).stdout.trim()).toBe('two');
    const d = await pullPlugin(base(cache, 'plugins/moving', { refTtlMs: 0 }));
    expect(d.digest).toBe(c.digest);
  });

  it('refuses a blob whose bytes do not match its digest, and stores nothing', async () => {
    await pushPlugin({ client, repository: 'plugins/mismatch', tag: 'v1', file: script('m') });
    const flip: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!/\/blobs\//.test(String(input instanceof Request ? input.url : input)) || res.status !== 200) return res;
      const buf = Buffer.from(await res.arrayBuffer());
      buf[buf.length - 2] = buf[buf.length - 2]! ^ 0xff;
      return new Response(buf, { status: 200, headers: res.headers });
    };
    const cache = await freshCache();
    expect(await codeOf(pullPlugin({ reference: ref('plugins/mismatch'), cache, client: new RegistryClient({ registry: reg.host, fetch: flip, retries: 0 }) }))).toBe('OCI_DIGEST_MISMATCH');
    expect(await cache.list()).toEqual([]);
  });

  it('refuses a truncated blob', async () => {
    await pushPlugin({ client, repository: 'plugins/trunc', tag: 'v1', file: script('t'.repeat(100)) });
    const cut: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!/\/blobs\//.test(String(input instanceof Request ? input.url : input)) || res.status !== 200) return res;
      const buf = Buffer.from(await res.arrayBuffer());
      const headers = new Headers(res.headers);
      headers.delete('content-length');
      return new Response(buf.subarray(0, 20), { status: 200, headers });
    };
    const cache = await freshCache();
    expect(await codeOf(pullPlugin({ reference: ref('plugins/trunc'), cache, client: new RegistryClient({ registry: reg.host, fetch: cut, retries: 0 }) }))).toBe('OCI_BLOB_TRUNCATED');
    expect(await cache.list()).toEqual([]);
  });

  it('refuses a plugin larger than the limit', async () => {
    const big = join(work, 'big.bin');
    writeFileSync(big, randomBytes(256 * 1024));
    chmodSync(big, 0o755);
    await pushPlugin({ client, repository: 'plugins/big', tag: 'v1', file: big });
    const cache = await freshCache();
    expect(await codeOf(pullPlugin(base(cache, 'plugins/big', { maxBytes: 1024 })))).toBe('OCI_BLOB_TOO_LARGE');
  });

  it('re-downloads an entry whose cached file was tampered with, even with its size and mtime put back', async () => {
    await pushPlugin({ client, repository: 'plugins/tamper', tag: 'v1', file: script('orig') });
    const cache = await freshCache();
    const a = await pullPlugin(base(cache, 'plugins/tamper'));
    expect(a.metadata.stamp).toMatch(/^\d+:\d+:\d+:\d+:\d+$/);
    const before = statSync(a.path);
    writeFileSync(a.path, '#!/bin/sh\necho evil\n');
    utimesSync(a.path, before.atime, before.mtime); // same size, same mtime: only ctime tells
    const b = await pullPlugin(base(cache, 'plugins/tamper'));
    expect(b.fromCache).toBe(false);
    expect(spawnSync(b.path, { encoding: 'utf8' }).stdout.trim()).toBe('orig');
    const c = await pullPlugin(base(cache, 'plugins/tamper'));
    expect(c).toMatchObject({ fromCache: true, path: b.path });
  });

  it("pulls AI Studio's layer media type (application/vnd.tyk.plugin.layer.v1), taking the first layer", async () => {
    const body = Buffer.from('#!/bin/sh\necho studio-format\n');
    await pushRawManifest('plugins/studio-format', 'v1', body, 'application/vnd.tyk.plugin.layer.v1');
    const got = await pullPlugin(base(await freshCache(), 'plugins/studio-format'));
    expect(spawnSync(got.path, { encoding: 'utf8' }).stdout.trim()).toBe('studio-format');
  });

  it('refuses arch= naming another platform than a single-platform image has', async () => {
    await pushPlugin({ client, repository: 'plugins/amd64-only', tag: 'v1', file: script('amd'), platform: { os: 'linux', architecture: 'amd64' } });
    const e = await pullPlugin(base(await freshCache(), 'plugins/amd64-only', { options: { arch: 'linux/arm64' } })).then(() => undefined, (err: unknown) => err);
    expect(e).toMatchObject({ code: 'OCI_PLATFORM_NOT_FOUND', details: { available: ['linux/amd64'] } });
    expect((e as Error).message).toContain('linux/amd64');
    const ok = await pullPlugin(base(await freshCache(), 'plugins/amd64-only', { options: { arch: 'linux/amd64' } }));
    expect(ok.fromCache).toBe(false);
  });

  it('leaves no usable entry when the puller is killed mid-download, and a new pull succeeds', async () => {
    const big = join(work, 'slow.bin');
    writeFileSync(big, Buffer.concat([Buffer.from('#!/bin/sh\necho slow\nexit 0\n'), randomBytes(8 * 1024 * 1024)]));
    chmodSync(big, 0o755);
    await pushPlugin({ client, repository: 'plugins/slow', tag: 'v1', file: big });
    const root = mkdtempSync(join(work, 'cache-kill-'));
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./__fixtures__/slow-pull.ts', import.meta.url)), reg.host, 'plugins/slow', 'v1', root], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('pulling')) resolve(); }));
    await new Promise((r) => setTimeout(r, 800));
    expect(child.exitCode).toBe(null); // still downloading
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(readdirSync(join(root, 'entries'))).toEqual([]);
    expect(readdirSync(join(root, 'blobs', 'sha256'))).toEqual([]);
    const cache = await PluginCache.open({ root });
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    const ok = await pullPlugin(base(cache, 'plugins/slow'));
    expect(spawnSync(ok.path, { encoding: 'utf8' }).stdout.trim()).toBe('slow');
  });
});

describe('tar layers', () => {
  it('accepts a tar.gz layer with one executable', async () => {
    await pushRawManifest('plugins/tarred', 'v1', gzipSync(tarOf([{ name: 'bin/', type: '5' }, { name: 'bin/plugin', body: Buffer.from('#!/bin/sh\necho tarred\n') }])), 'application/vnd.oci.image.layer.v1.tar+gzip');
    const got = await pullPlugin(base(await freshCache(), 'plugins/tarred'));
    expect(spawnSync(got.path, { encoding: 'utf8' }).stdout.trim()).toBe('tarred');
  });
  it.each([
    ['a ../ path', [{ name: '../evil', body: Buffer.from('x') }], 'OCI_TAR_UNSAFE_PATH'],
    ['an absolute path', [{ name: '/etc/evil', body: Buffer.from('x') }], 'OCI_TAR_UNSAFE_PATH'],
    ['a symlink', [{ name: 'link', type: '2', linkname: '/etc/passwd' }], 'OCI_TAR_UNSAFE_PATH'],
    ['two files', [{ name: 'a', body: Buffer.from('x') }, { name: 'b', body: Buffer.from('y') }], 'OCI_INVALID_ARTIFACT'],
    ['a non-executable file', [{ name: 'a', body: Buffer.from('x'), mode: 0o644 }], 'OCI_INVALID_ARTIFACT'],
  ])('refuses a tar with %s', async (_label, entries, code) => {
    const repo = `plugins/badtar-${++n}`;
    await pushRawManifest(repo, 'v1', tarOf(entries), 'application/vnd.oci.image.layer.v1.tar');
    const cache = await freshCache();
    expect(await codeOf(pullPlugin(base(cache, repo)))).toBe(code);
    expect(await cache.list()).toEqual([]);
  });
  it('refuses an unknown layer media type', async () => {
    await pushRawManifest('plugins/weird', 'v1', Buffer.from('x'), 'application/x-weird');
    expect(await codeOf(pullPlugin(base(await freshCache(), 'plugins/weird')))).toBe('OCI_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('cosign signatures', () => {
  const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = (k: typeof signer) => k.publicKey.export({ type: 'spki', format: 'pem' }) as string;

  it('verifies a signed plugin with the right key and records who verified it', async () => {
    const pushed = await pushPlugin({ client, repository: 'plugins/signed', tag: 'v1', file: script('signed') });
    await signCosign(client, 'plugins/signed', pushed.digest, signer.privateKey, { dockerReference: `${reg.host}/plugins/signed` });
    const keys = createKeyRing({ release: pem(signer), other: pem(other) });
    const got = await pullPlugin(base(await freshCache(), 'plugins/signed', { keys, requireSignature: true }));
    expect(got.verifiedBy).toBe('release');
    const pinned = await pullPlugin(base(await freshCache(), 'plugins/signed', { keys, options: { pubkey: 'release' } }));
    expect(pinned.verifiedBy).toBe('release');
  });

  it("verifies with AI Studio's per-command key forms: pubkey=env:VAR and pubkey=/path/key.pub", async () => {
    const keyFile = join(work, 'release.pub');
    writeFileSync(keyFile, pem(signer));
    const keys = publicKeysFromEnv({ RELEASE_KEY: pem(signer), OTHER_KEY: pem(other) });
    expect((await pullPlugin(base(await freshCache(), 'plugins/signed', { keys, options: { pubkey: 'env:RELEASE_KEY' } }))).verifiedBy).toBe('env:RELEASE_KEY');
    expect((await pullPlugin(base(await freshCache(), 'plugins/signed', { keys, options: { pubkey: keyFile } }))).verifiedBy).toBe(keyFile);
    expect(await codeOf(pullPlugin(base(await freshCache(), 'plugins/signed', { keys, options: { pubkey: 'env:OTHER_KEY' } })))).toBe('OCI_SIGNATURE_INVALID');
  });

  it('refuses a wrong key, a missing signature, an unknown key name, and caches nothing', async () => {
    await pushPlugin({ client, repository: 'plugins/unsigned', tag: 'v1', file: script('u') });
    const cache = await freshCache();
    const keys = createKeyRing({ release: pem(signer), other: pem(other) });
    expect(await codeOf(pullPlugin(base(cache, 'plugins/unsigned', { keys, requireSignature: true })))).toBe('OCI_SIGNATURE_MISSING');
    expect(await codeOf(pullPlugin(base(cache, 'plugins/signed', { keys, options: { pubkey: 'other' } })))).toBe('OCI_SIGNATURE_INVALID');
    expect(await codeOf(pullPlugin(base(cache, 'plugins/signed', { keys, options: { pubkey: 'nobody' } })))).toBe('OCI_KEY_NOT_FOUND');
    expect(await codeOf(pullPlugin(base(cache, 'plugins/signed', { requireSignature: true })))).toBe('OCI_KEY_NOT_FOUND');
    expect(await cache.list()).toEqual([]);
    // Both signature errors say how to sign.
    const missing = await pullPlugin(base(cache, 'plugins/unsigned', { keys, requireSignature: true })).catch((e: Error) => e.message);
    expect(missing).toMatch(new RegExp(`plugway sign oci://${reg.host}/plugins/unsigned@sha256:[a-f0-9]{64} --key`));
    expect(await pullPlugin(base(cache, 'plugins/signed', { keys, options: { pubkey: 'other' } })).catch((e: Error) => e.message)).toContain('OCI_PLUGINS_PUBKEY_<NAME>');
  });

  it('does not serve an unverified cache entry when a signature is now required', async () => {
    const cache = await freshCache();
    await pullPlugin(base(cache, 'plugins/unsigned'));
    const keys = createKeyRing({ release: pem(signer) });
    expect(await codeOf(pullPlugin(base(cache, 'plugins/unsigned', { keys, requireSignature: true })))).toBe('OCI_SIGNATURE_MISSING');
  });
});

describe('sigstore bundles attached as referrers (tag-schema fallback on docker-registry 2.8)', () => {
  const signer = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = (k: typeof signer) => k.publicKey.export({ type: 'spki', format: 'pem' }) as string;

  it('verifies a DSSE bundle signed with the right key and refuses another key', async () => {
    const pushed = await pushPlugin({ client, repository: 'plugins/bundled', tag: 'v1', file: script('bundled') });
    const head = (await client.headManifest('plugins/bundled', pushed.digest))!;
    await attachSigstoreBundle(client, 'plugins/bundled', { digest: pushed.digest, size: head.size!, mediaType: MEDIA_TYPE_OCI_MANIFEST }, signer.privateKey, pem(signer));
    const got = await pullPlugin(base(await freshCache(), 'plugins/bundled', { keys: createKeyRing({ release: pem(signer) }), requireSignature: true }));
    expect(got.verifiedBy).toBe('release');
    const cache = await freshCache();
    expect(await codeOf(pullPlugin(base(cache, 'plugins/bundled', { keys: createKeyRing({ other: pem(other) }), requireSignature: true })))).toBe('OCI_SIGNATURE_INVALID');
    expect(await cache.list()).toEqual([]);
  });
});

describe('cache GC', () => {
  it('keeps N versions per repository and fits a size budget, never evicting pinned entries', async () => {
    const cache = await freshCache();
    const pulled = [];
    for (let i = 0; i < 3; i++) {
      await pushPlugin({ client, repository: 'plugins/gc', tag: `v${i}`, file: script(`gc-${i}-${'x'.repeat(100 * (i + 1))}`) });
      pulled.push(await pullPlugin({ reference: ref('plugins/gc', `v${i}`), client, cache }));
      await new Promise((r) => setTimeout(r, 5));
    }
    const removed = await cache.gc({ keepPerRepository: 2 });
    expect(removed.map((e) => e.manifestDigest)).toEqual([pulled[0]!.manifestDigest]);
    const pinned = new Set([pulled[1]!.manifestDigest]);
    const removed2 = await cache.gc({ maxBytes: 1, inUse: pinned });
    expect(removed2.map((e) => e.manifestDigest)).toEqual([pulled[2]!.manifestDigest]);
    expect((await cache.list()).map((e) => e.manifestDigest)).toEqual([pulled[1]!.manifestDigest]);
  });
});
