// Faults a real registry cannot produce (truncated/wrong bodies, stalls, 5xx bursts, cross-origin redirects),
// served by a tiny local HTTP server. Everything else is tested against the real registry.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OciError } from '../error.js';
import { RegistryClient } from './registry-client.js';
import { sha256, utf8 } from './__fixtures__/images.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
const dirs: string[] = [];

async function serve(handler: Handler): Promise<{ host: string; hits: IncomingMessage[] }> {
  const hits: IncomingMessage[] = [];
  const server = createServer((req, res) => { hits.push(req); handler(req, res); });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return { host: `127.0.0.1:${addr.port}`, hits };
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'oci-faults-'));
  dirs.push(d);
  return d;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<OciError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(OciError);
    return e as OciError;
  }
  throw new Error('expected a failure');
}

const BLOB = utf8('x'.repeat(1000));
const BLOB_DIGEST = sha256(BLOB);

describe('downloadBlob faults', () => {
  it('reports a body cut short as OCI_BLOB_TRUNCATED and leaves no file behind', async () => {
    const { host, hits } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(BLOB.length) });
      res.write(BLOB.subarray(0, 400));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const dir = tmp();
    const c = new RegistryClient({ registry: host, retries: 1, retryBaseMs: 1 });
    const e = await failure(c.downloadBlob('r/a', BLOB_DIGEST, join(dir, 'blob')));
    expect(e.code).toBe('OCI_BLOB_TRUNCATED');
    expect(e.cause).toBeDefined();
    expect(hits.length).toBe(2); // retried once
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reports a short body without content-length against expectedSize', async () => {
    const { host } = await serve((_req, res) => { res.writeHead(200); res.end(BLOB.subarray(0, 10)); });
    const c = new RegistryClient({ registry: host, retries: 0 });
    expect((await failure(c.downloadBlob('r/a', BLOB_DIGEST, join(tmp(), 'b'), { expectedSize: BLOB.length }))).code).toBe('OCI_BLOB_TRUNCATED');
  });

  it('detects wrong bytes with OCI_DIGEST_MISMATCH and removes the partial file', async () => {
    const { host } = await serve((_req, res) => { res.writeHead(200); res.end(utf8('y'.repeat(1000))); });
    const dir = tmp();
    const c = new RegistryClient({ registry: host, retries: 0 });
    const e = await failure(c.downloadBlob('r/a', BLOB_DIGEST, join(dir, 'blob')));
    expect(e.code).toBe('OCI_DIGEST_MISMATCH');
    expect(e.details).toMatchObject({ expected: BLOB_DIGEST, actual: sha256(utf8('y'.repeat(1000))) });
    expect(readdirSync(dir)).toEqual([]);
    expect((await failure(c.getBlob('r/a', BLOB_DIGEST))).code).toBe('OCI_DIGEST_MISMATCH');
  });

  it('stops a chunked body that grows past maxBytes', async () => {
    const { host } = await serve((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(1024, 1);
      let n = 0;
      const t = setInterval(() => { if (n++ > 50 || res.destroyed) { clearInterval(t); res.end(); } else res.write(chunk); }, 1);
    });
    const c = new RegistryClient({ registry: host, retries: 0 });
    expect((await failure(c.downloadBlob('r/a', BLOB_DIGEST, join(tmp(), 'b'), { maxBytes: 4096 }))).code).toBe('OCI_BLOB_TOO_LARGE');
  });

  it('times out on a stalled body with OCI_TIMEOUT', async () => {
    const { host } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(BLOB.length) });
      res.write(BLOB.subarray(0, 100)); // then nothing
    });
    const c = new RegistryClient({ registry: host, retries: 0, timeoutMs: 300 });
    const dir = tmp();
    expect((await failure(c.downloadBlob('r/a', BLOB_DIGEST, join(dir, 'b')))).code).toBe('OCI_TIMEOUT');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('times out when no headers arrive', async () => {
    const { host } = await serve(() => undefined);
    const c = new RegistryClient({ registry: host, retries: 2, timeoutMs: 200 });
    expect((await failure(c.getManifest('r/a', 'v1'))).code).toBe('OCI_TIMEOUT');
  });

  it('refuses a blob declared larger than allowed before requesting it (OCI_BLOB_TOO_LARGE, no retry)', async () => {
    const { host, hits } = await serve((_req, res) => { res.writeHead(200); res.end(BLOB); });
    const c = new RegistryClient({ registry: host, retries: 3, retryBaseMs: 1 });
    const e = await failure(c.downloadBlob('r/a', BLOB_DIGEST, join(tmp(), 'b'), { expectedSize: 10 * 1024 ** 3, maxBytes: 1024 * 1024 }));
    expect(e).toMatchObject({ code: 'OCI_BLOB_TOO_LARGE', details: { size: 10 * 1024 ** 3, limit: 1024 * 1024 } });
    expect(hits).toEqual([]);
  });

  it('aborts a running download with OCI_ABORTED', async () => {
    const { host } = await serve((_req, res) => { res.writeHead(200, { 'content-length': '1000' }); res.write('x'); });
    const c = new RegistryClient({ registry: host, retries: 0 });
    const ac = new AbortController();
    const p = c.downloadBlob('r/a', BLOB_DIGEST, join(tmp(), 'b'), { signal: ac.signal, onProgress: () => ac.abort() });
    expect((await failure(p)).code).toBe('OCI_ABORTED');
  });

  it('follows a cross-origin redirect without sending credentials there', async () => {
    const storage = await serve((_req, res) => { res.writeHead(200); res.end(BLOB); });
    const reg = await serve((_req, res) => { res.writeHead(307, { location: `http://${storage.host}/blob?sig=abc` }); res.end(); });
    const auth = { authorization: async () => 'Bearer secret-token', challenge: async () => undefined };
    const c = new RegistryClient({ registry: reg.host, retries: 0, auth });
    const dest = join(tmp(), 'b');
    await c.downloadBlob('r/a', BLOB_DIGEST, dest);
    expect(existsSync(dest)).toBe(true);
    expect(reg.hits[0]?.headers.authorization).toBe('Bearer secret-token');
    expect(storage.hits[0]?.headers.authorization).toBeUndefined();
    expect(storage.hits[0]?.url).toBe('/blob?sig=abc');
  });
});

describe('manifest faults', () => {
  const manifest = utf8(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] }));

  it('refuses a manifest whose descriptor declares more than the limit before requesting it', async () => {
    const { host, hits } = await serve((_req, res) => { res.writeHead(200); res.end(manifest); });
    const c = new RegistryClient({ registry: host, retries: 0, maxManifestBytes: 1024 });
    expect((await failure(c.getManifest('r/a', sha256(manifest), { size: 4096 }))).code).toBe('OCI_MANIFEST_TOO_LARGE');
    expect(hits).toEqual([]);
  });

  it('rejects a manifest whose Docker-Content-Digest does not match the bytes', async () => {
    const { host } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha256(utf8('other')) });
      res.end(manifest);
    });
    const c = new RegistryClient({ registry: host, retries: 0 });
    expect((await failure(c.getManifest('r/a', 'v1'))).code).toBe('OCI_DIGEST_MISMATCH');
  });

  it('rejects a manifest fetched by digest whose bytes differ', async () => {
    const { host } = await serve((_req, res) => { res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }); res.end(manifest); });
    const c = new RegistryClient({ registry: host, retries: 0 });
    expect((await failure(c.getManifest('r/a', sha256(utf8('other'))))).code).toBe('OCI_DIGEST_MISMATCH');
  });

  it('computes the digest when the header is missing, and rejects non-JSON and schema1', async () => {
    let body: Uint8Array = manifest;
    let type = 'application/vnd.oci.image.manifest.v1+json';
    const { host } = await serve((_req, res) => { res.writeHead(200, { 'content-type': type }); res.end(body); });
    const c = new RegistryClient({ registry: host, retries: 0 });
    expect((await c.getManifest('r/a', 'v1')).digest).toBe(sha256(manifest));
    body = utf8('not json');
    expect((await failure(c.getManifest('r/a', 'v1'))).code).toBe('OCI_MANIFEST_INVALID');
    body = utf8('{"schemaVersion":1}');
    type = 'application/vnd.docker.distribution.manifest.v1+prettyjws';
    expect((await failure(c.getManifest('r/a', 'v1'))).code).toBe('OCI_UNSUPPORTED_MEDIA_TYPE');
  });

  it('sends the OCI and Docker Accept types', async () => {
    const { host, hits } = await serve((_req, res) => { res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }); res.end(manifest); });
    await new RegistryClient({ registry: host }).getManifest('r/a', 'v1');
    const accept = String(hits[0]?.headers.accept);
    for (const t of ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json',
      'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json']) {
      expect(accept).toContain(t);
    }
  });
});

describe('retries and error bodies', () => {
  it('retries 5xx and 429 on GET, then succeeds', async () => {
    let n = 0;
    const { host, hits } = await serve((_req, res) => {
      n++;
      if (n === 1) { res.writeHead(503); res.end(); return; }
      if (n === 2) { res.writeHead(429, { 'retry-after': '0' }); res.end(); return; }
      res.writeHead(200); res.end(BLOB);
    });
    const c = new RegistryClient({ registry: host, retries: 3, retryBaseMs: 1 });
    expect((await c.getBlob('r/a', BLOB_DIGEST)).byteLength).toBe(BLOB.length);
    expect(hits.length).toBe(3);
  });

  it('gives up after the retries with OCI_REGISTRY_ERROR and the spec error summary', async () => {
    const { host, hits } = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'maintenance', detail: { secret: 'x' } }] }));
    });
    const c = new RegistryClient({ registry: host, retries: 2, retryBaseMs: 1 });
    const e = await failure(c.getManifest('r/a', 'v1'));
    expect(e.code).toBe('OCI_REGISTRY_ERROR');
    expect(e.message).toContain('UNAVAILABLE: maintenance');
    expect(JSON.stringify(e.details)).not.toContain('secret');
    expect(e.details).toMatchObject({ status: 503, registryErrors: [{ code: 'UNAVAILABLE', message: 'maintenance' }] });
    expect(hits.length).toBe(3);
  });

  it('does not retry a non-idempotent upload POST', async () => {
    const { host, hits } = await serve((req, res) => {
      if (req.method === 'HEAD') { res.writeHead(404); res.end(); return; }
      res.writeHead(503); res.end();
    });
    const c = new RegistryClient({ registry: host, retries: 3, retryBaseMs: 1 });
    expect((await failure(c.pushBlob('r/a', BLOB))).code).toBe('OCI_PUSH_FAILED');
    expect(hits.map((h) => h.method)).toEqual(['HEAD', 'POST']);
  });

  it('maps 401 and 403 to OCI_UNAUTHORIZED and OCI_DENIED', async () => {
    let status = 401;
    const { host } = await serve((_req, res) => { res.writeHead(status, { 'www-authenticate': 'Basic realm="x"' }); res.end(); });
    const c = new RegistryClient({ registry: host, retries: 0 });
    expect((await failure(c.getManifest('r/a', 'v1'))).code).toBe('OCI_UNAUTHORIZED');
    status = 403;
    expect((await failure(c.getManifest('r/a', 'v1'))).code).toBe('OCI_DENIED');
  });

  it('uses the referrers API when the registry has it, filtering client-side when not applied', async () => {
    const descs = [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(utf8('a')), size: 1, artifactType: 'application/a' },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(utf8('b')), size: 1, artifactType: 'application/b' },
    ];
    const { host, hits } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
      res.end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: descs }));
    });
    const c = new RegistryClient({ registry: host, retries: 0 });
    const got = await c.getReferrers('r/a', sha256(utf8('subject')), { artifactType: 'application/b' });
    expect(got.map((d) => d.artifactType)).toEqual(['application/b']);
    expect(hits[0]?.url).toBe(`/v2/r/a/referrers/${sha256(utf8('subject'))}?artifactType=application%2Fb`);
  });

  it('does not send credentials to an upload location on another origin', async () => {
    const storage = await serve((_req, res) => { res.writeHead(201, { 'docker-content-digest': BLOB_DIGEST }); res.end(); });
    const reg = await serve((req, res) => {
      if (req.method === 'HEAD') { res.writeHead(404); res.end(); return; }
      res.writeHead(202, { location: `http://${storage.host}/upload/abc?state=1` }); res.end();
    });
    const auth = { authorization: async () => 'Basic c2VjcmV0', challenge: async () => undefined };
    const c = new RegistryClient({ registry: reg.host, retries: 0, auth });
    expect(await c.pushBlob('r/a', BLOB)).toEqual({ digest: BLOB_DIGEST, size: BLOB.length });
    expect(reg.hits.map((h) => h.headers.authorization)).toEqual(['Basic c2VjcmV0', 'Basic c2VjcmV0']);
    expect(storage.hits[0]?.method).toBe('PUT');
    expect(storage.hits[0]?.headers.authorization).toBeUndefined();
    expect(storage.hits[0]?.url).toBe(`/upload/abc?state=1&digest=${encodeURIComponent(BLOB_DIGEST)}`);
  });
});

describe('auth port timing', () => {
  it('counts a hanging auth port against the timeout (OCI_TIMEOUT, not OCI_UNAUTHORIZED)', async () => {
    const { host } = await serve((_req, res) => { res.writeHead(200); res.end(); });
    const hang = (signal?: AbortSignal): Promise<undefined> => new Promise((_r, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const auth = { authorization: async (_h: string, _s: string, o?: { signal?: AbortSignal }) => hang(o?.signal), challenge: async () => undefined };
    const c = new RegistryClient({ registry: host, retries: 0, timeoutMs: 200, auth });
    expect((await failure(c.ping())).code).toBe('OCI_TIMEOUT');
  });
});

describe('Docker Hub naming', () => {
  it('talks to registry-1.docker.io and adds library/ to single-component names', async () => {
    const urls: string[] = [];
    const fetch = (async (input: string | URL | Request) => { urls.push(String(input)); return new Response(null, { status: 404 }); }) as typeof globalThis.fetch;
    const c = new RegistryClient({ registry: 'docker.io', fetch, retries: 0 });
    expect(await c.headManifest('alpine', 'latest')).toBeUndefined();
    expect(await c.headManifest('org/app', 'latest')).toBeUndefined();
    expect(urls).toEqual(['https://registry-1.docker.io/v2/library/alpine/manifests/latest', 'https://registry-1.docker.io/v2/org/app/manifests/latest']);
  });
});
