// RegistryClient: the OCI distribution API (pull and push) on the global fetch.
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NOOP_LOGGER, type Logger } from '@plugway/core';
import { OciError } from '../error.js';
import type { RegistryAuth } from './auth.types.js';
import type { GuardedFetch, HttpFetch, HttpFileBody, HttpResponse } from './http.types.js';
import { assertReference, assertRepository, createDigester, digestOf, parseDigest } from './digest.js';
import { MANIFEST_MEDIA_TYPES, MEDIA_TYPE_OCI_INDEX } from './media-types.js';
import { Transport, discard, mapThrown, ociError, readBody, type ErrorContext } from './transport.js';
import type { Descriptor, FetchedManifest, ManifestHead, RequestOptions } from './types.js';
import { parseImageIndex } from './schemas.js';
import { createGuardedFetch, resolveOnly } from './dial.js';

export interface RegistryClientOptions {
  /** `host[:port]`, e.g. `ghcr.io`, `127.0.0.1:5000`; `docker.io` is mapped to `registry-1.docker.io`. */
  registry: string;
  /** Default `https`, except `http` for loopback hosts (127.0.0.1, localhost, [::1]). */
  scheme?: 'https' | 'http';
  auth?: RegistryAuth;
  /** The `auth=<name>` credential to ask the auth port for. */
  credentialName?: string;
  /** Per attempt: time to the response headers and the longest pause between body chunks. Default 30000. */
  timeoutMs?: number;
  /** Retries of idempotent requests on network errors, 408, 429 and 5xx. Default 3. */
  retries?: number;
  /** Base of the exponential backoff (full jitter). Default 250 ms. */
  retryBaseMs?: number;
  logger?: Logger;
  /** Default: a fetch on node:http(s) that streams request bodies with backpressure and dials what DNS returns. */
  fetch?: HttpFetch | GuardedFetch;
  userAgent?: string;
  /** Largest manifest accepted. Default 4 MiB. */
  maxManifestBytes?: number;
}

export interface GetManifestOptions extends RequestOptions {
  /** Accepted media types; default OCI manifest + index, Docker schema2 manifest + manifest list. */
  accept?: readonly string[];
  /** The size its descriptor declares: above the limit, the manifest is refused before it is requested. */
  size?: number;
}

export interface DownloadBlobOptions extends RequestOptions {
  expectedSize?: number;
  maxBytes?: number;
  onProgress?: (done: number, total: number | undefined) => void;
}

export interface BlobFile {
  file: string;
  size: number;
  digest: string;
}

export interface PushBlobOptions extends RequestOptions {
  onProgress?: (done: number, total: number) => void;
}

export interface GetReferrersOptions extends RequestOptions {
  artifactType?: string;
}

const DEFAULT_MAX_MANIFEST = 4 * 1024 * 1024;
const DEFAULT_MAX_SMALL_BLOB = 4 * 1024 * 1024;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/i;
const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?)(?::\d{1,5})?$/;

function positiveInt(name: string, v: number | undefined, dflt: number, min = 0): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min) {
    throw new OciError({ code: 'OCI_INVALID_OPTIONS', message: `${name} must be an integer >= ${min}`, details: { option: name } });
  }
  return v;
}

function contentType(res: HttpResponse): string | undefined {
  return res.headers.get('content-type')?.split(';')[0]?.trim() || undefined;
}

/** Client for one registry. Every method throws OciError only. */
export class RegistryClient {
  /** The registry as configured (what the auth port sees). */
  readonly registry: string;
  /** The host actually contacted (docker.io → registry-1.docker.io). */
  readonly apiHost: string;
  readonly baseUrl: string;
  private readonly t: Transport;
  private readonly maxManifestBytes: number;

  constructor(opts: RegistryClientOptions) {
    const registry = typeof opts?.registry === 'string' ? opts.registry.trim().toLowerCase() : '';
    if (!HOST.test(registry)) {
      throw new OciError({ code: 'OCI_INVALID_OPTIONS', message: `invalid registry "${String(opts?.registry).slice(0, 100)}" (expected host[:port], no scheme or path)`, details: { registry: String(opts?.registry).slice(0, 100) } });
    }
    if (opts.scheme !== undefined && opts.scheme !== 'https' && opts.scheme !== 'http') {
      throw new OciError({ code: 'OCI_INVALID_OPTIONS', message: 'scheme must be https or http', details: { option: 'scheme' } });
    }
    this.registry = registry;
    this.apiHost = registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
    const scheme = opts.scheme ?? (LOOPBACK.test(this.apiHost) ? 'http' : 'https');
    this.baseUrl = `${scheme}://${this.apiHost}`;
    this.maxManifestBytes = positiveInt('maxManifestBytes', opts.maxManifestBytes, DEFAULT_MAX_MANIFEST, 1);
    this.t = new Transport({
      registry,
      baseUrl: this.baseUrl,
      auth: opts.auth,
      credentialName: opts.credentialName,
      timeoutMs: positiveInt('timeoutMs', opts.timeoutMs, 30_000, 1),
      retries: positiveInt('retries', opts.retries, 3),
      retryBaseMs: positiveInt('retryBaseMs', opts.retryBaseMs, 250),
      logger: (opts.logger ?? NOOP_LOGGER).child({ registry }),
      fetch: opts.fetch ?? createGuardedFetch(resolveOnly),
      userAgent: opts.userAgent ?? 'plugway-oci/0.0.0',
    });
  }

  /** Validates a repository name; on Docker Hub a single-component name gets the implicit `library/`. */
  private repository(repo: string): string {
    assertRepository(repo);
    return this.apiHost === 'registry-1.docker.io' && !repo.includes('/') ? `library/${repo}` : repo;
  }

  /** GET /v2/ (with auth). Resolves when the registry speaks the distribution API. */
  async ping(opts: RequestOptions = {}): Promise<{ apiVersion: string | undefined }> {
    const { res, deadline } = await this.t.send({ method: 'GET', url: '/v2/', scope: '', idempotent: true, signal: opts.signal, ctx: { kind: 'ping' } });
    const apiVersion = res.headers.get('docker-distribution-api-version') ?? undefined;
    await discard(res);
    deadline.dispose();
    return { apiVersion };
  }

  /**
   * Fetches a manifest by tag or digest and verifies its digest (against the requested digest, or the
   * Docker-Content-Digest header when fetched by tag). Throws OCI_MANIFEST_NOT_FOUND, OCI_MANIFEST_TOO_LARGE,
   * OCI_MANIFEST_INVALID, OCI_DIGEST_MISMATCH, OCI_UNSUPPORTED_MEDIA_TYPE and the transport codes.
   */
  async getManifest(repo: string, reference: string, opts: GetManifestOptions = {}): Promise<FetchedManifest> {
    repo = this.repository(repo);
    const byDigest = assertReference(reference);
    const accept = opts.accept ?? MANIFEST_MEDIA_TYPES;
    const ctx: ErrorContext = { kind: 'manifest', repository: repo, reference };
    const tooLarge = (n: number): OciError => ociError('OCI_MANIFEST_TOO_LARGE', `manifest ${repo}:${reference} is larger than ${this.maxManifestBytes} bytes (${n})`,
      { registry: this.registry, repository: repo, reference, size: n, limit: this.maxManifestBytes });
    if (opts.size !== undefined && opts.size > this.maxManifestBytes) throw tooLarge(opts.size);
    const { res, deadline } = await this.t.send({
      method: 'GET', url: `/v2/${repo}/manifests/${reference}`, scope: `repository:${repo}:pull`,
      headers: { accept: accept.join(', ') }, idempotent: true, signal: opts.signal, ctx,
    });
    let bytes: Uint8Array;
    try {
      bytes = await readBody(res, deadline, this.maxManifestBytes, tooLarge, this.registry, ctx);
    } finally {
      deadline.dispose();
    }
    const header = res.headers.get('docker-content-digest') ?? undefined;
    const expected = byDigest ? reference : header;
    // Hashed once, with the algorithm of the digest it must match (sha256 when there is none to match).
    const digest = digestOf(bytes, expected === undefined ? 'sha256' : parseDigest(expected).algorithm);
    if (expected !== undefined && digest !== expected) {
      throw ociError('OCI_DIGEST_MISMATCH', `manifest ${repo}:${reference} has digest ${digest}, expected ${expected}`,
        { registry: this.registry, repository: repo, reference, expected, actual: digest });
    }
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch (e) {
      throw new OciError({ code: 'OCI_MANIFEST_INVALID', message: `manifest ${repo}:${reference} is not valid JSON`, details: { registry: this.registry, repository: repo, reference }, cause: e });
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw ociError('OCI_MANIFEST_INVALID', `manifest ${repo}:${reference} is not a JSON object`, { registry: this.registry, repository: repo, reference });
    }
    const obj = json as Record<string, unknown>;
    const mediaType = (typeof obj['mediaType'] === 'string' ? obj['mediaType'] : undefined) ?? contentType(res);
    if (mediaType === undefined || (opts.accept === undefined && !MANIFEST_MEDIA_TYPES.includes(mediaType))) {
      throw ociError('OCI_UNSUPPORTED_MEDIA_TYPE', `manifest ${repo}:${reference} has unsupported media type ${mediaType ?? '(none)'}`,
        { registry: this.registry, repository: repo, reference, mediaType: mediaType ?? null });
    }
    return { digest, mediaType, size: bytes.byteLength, bytes, json: obj };
  }

  /** getManifest, or undefined when the manifest does not exist (one GET where HEAD + GET would take two). */
  async findManifest(repo: string, reference: string, opts: GetManifestOptions = {}): Promise<FetchedManifest | undefined> {
    try {
      return await this.getManifest(repo, reference, opts);
    } catch (e) {
      if (e instanceof OciError && e.code === 'OCI_MANIFEST_NOT_FOUND') return undefined;
      throw e;
    }
  }

  /** HEAD a manifest: digest, media type and size, or undefined when it does not exist. */
  async headManifest(repo: string, reference: string, opts: GetManifestOptions = {}): Promise<ManifestHead | undefined> {
    repo = this.repository(repo);
    const byDigest = assertReference(reference);
    const accept = opts.accept ?? MANIFEST_MEDIA_TYPES;
    const { res, deadline } = await this.t.send({
      method: 'HEAD', url: `/v2/${repo}/manifests/${reference}`, scope: `repository:${repo}:pull`,
      headers: { accept: accept.join(', ') }, idempotent: true, signal: opts.signal,
      ctx: { kind: 'manifest', repository: repo, reference }, ok: (s) => (s >= 200 && s < 300) || s === 404,
    });
    await discard(res);
    deadline.dispose();
    if (res.status === 404) return undefined;
    const header = res.headers.get('docker-content-digest') ?? undefined;
    const len = Number(res.headers.get('content-length') ?? NaN);
    const size = Number.isFinite(len) ? len : undefined;
    if (header === undefined && !byDigest) {
      // Some registries omit the header on HEAD: fall back to GET and hash.
      const m = await this.getManifest(repo, reference, opts);
      return { digest: m.digest, mediaType: m.mediaType, size: m.size };
    }
    const digest = byDigest ? reference : (header as string);
    parseDigest(digest);
    return { digest, mediaType: contentType(res), size };
  }

  /**
   * Streams a blob into `destFile` (written to a temp name beside it, renamed when verified), hashing while
   * streaming. Follows redirects (credentials are not sent to other origins). Throws OCI_BLOB_NOT_FOUND,
   * OCI_DIGEST_MISMATCH, OCI_BLOB_TOO_LARGE, OCI_BLOB_TRUNCATED, OCI_CACHE_IO and the transport codes.
   */
  async downloadBlob(repo: string, digest: string, destFile: string, opts: DownloadBlobOptions = {}): Promise<{ digest: string; size: number }> {
    repo = this.repository(repo);
    const { algorithm } = parseDigest(digest);
    const maxBytes = positiveInt('maxBytes', opts.maxBytes, Number.MAX_SAFE_INTEGER);
    const ctx: ErrorContext = { kind: 'blob', repository: repo, reference: digest };
    const base = { registry: this.registry, repository: repo, digest };
    // A blob whose descriptor declares more than is allowed is refused before a single byte is requested.
    if (opts.expectedSize !== undefined && opts.expectedSize > maxBytes) {
      throw ociError('OCI_BLOB_TOO_LARGE', `blob ${digest} is larger than allowed (${opts.expectedSize} > ${maxBytes} bytes)`, { ...base, size: opts.expectedSize, limit: maxBytes });
    }
    for (let attempt = 0; ; attempt++) {
      const { res, deadline } = await this.t.send({ method: 'GET', url: `/v2/${repo}/blobs/${digest}`, scope: `repository:${repo}:pull`, idempotent: true, signal: opts.signal, ctx });
      const declared = Number(res.headers.get('content-length') ?? NaN);
      const contentLength = Number.isFinite(declared) ? declared : undefined;
      const limit = Math.min(maxBytes, opts.expectedSize ?? Number.MAX_SAFE_INTEGER);
      const tooLarge = (n: number): OciError => ociError('OCI_BLOB_TOO_LARGE', `blob ${digest} is larger than allowed (${n} > ${limit} bytes)`, { ...base, size: n, limit });
      if (contentLength !== undefined && contentLength > limit) {
        await discard(res);
        deadline.dispose();
        throw tooLarge(contentLength);
      }
      const total = opts.expectedSize ?? contentLength;
      const part = `${destFile}.part-${randomBytes(6).toString('hex')}`;
      const hash = createDigester(algorithm);
      let done = 0;
      let failure: OciError | undefined;
      try {
        await mkdir(dirname(destFile), { recursive: true }).catch((e: unknown) => { throw ioError(e, destFile); });
        const fh = await open(part, 'w').catch((e: unknown) => { throw ioError(e, destFile); });
        // Chunks are written in batches, one writev per MiB (no copy into a bigger buffer), and a batch is written
        // while the next one is read and hashed; at most two batches are held.
        let pending: Uint8Array[] = [];
        let pendingBytes = 0;
        let writing: Promise<void> = Promise.resolve();
        let writeError: OciError | undefined;
        const flush = async (): Promise<void> => {
          await writing;
          if (writeError) throw writeError;
          if (!pendingBytes) return;
          const batch = pending;
          const bytes = pendingBytes;
          pending = [];
          pendingBytes = 0;
          writing = writeAll(fh, batch, bytes).then(() => undefined, (e: unknown) => { writeError = ioError(e, destFile); });
        };
        try {
          if (res.body) {
            const reader = res.body.getReader();
            for (;;) {
              let chunk: ReadableStreamReadResult<Uint8Array>;
              try {
                chunk = await reader.read();
              } catch (e) {
                const mapped = mapThrown(e, deadline, this.registry, ctx);
                // A connection cut mid-body is a truncation when we know how much should have come.
                if (mapped.code === 'OCI_REGISTRY_UNREACHABLE' && total !== undefined && done < total) {
                  throw ociError('OCI_BLOB_TRUNCATED', `blob ${digest} ended after ${done} of ${total} bytes`, { ...base, received: done, expected: total }, e);
                }
                throw mapped;
              }
              if (chunk.done) break;
              deadline.touch();
              done += chunk.value.byteLength;
              if (done > limit) {
                await reader.cancel().catch(() => undefined);
                throw tooLarge(done);
              }
              hash.update(chunk.value);
              pending.push(chunk.value);
              pendingBytes += chunk.value.byteLength;
              if (pendingBytes >= WRITE_BATCH) await flush();
              opts.onProgress?.(done, total);
            }
            await flush();
          }
          await flush();
        } finally {
          await writing;
          await fh.close().catch(() => undefined);
        }
        if (total !== undefined && done < total) {
          throw ociError('OCI_BLOB_TRUNCATED', `blob ${digest} ended after ${done} of ${total} bytes`, { ...base, received: done, expected: total });
        }
        const actual = `${algorithm}:${hash.digest('hex')}`;
        if (actual !== digest) {
          throw ociError('OCI_DIGEST_MISMATCH', `blob ${digest} has digest ${actual}`, { ...base, expected: digest, actual });
        }
        await rename(part, destFile).catch((e: unknown) => { throw ioError(e, destFile); });
        return { digest, size: done };
      } catch (e) {
        failure = e instanceof OciError ? e : mapThrown(e, deadline, this.registry, ctx);
      } finally {
        deadline.dispose();
        if (failure) await rm(part, { force: true }).catch(() => undefined);
      }
      const retryable = failure.code === 'OCI_BLOB_TRUNCATED' || failure.code === 'OCI_REGISTRY_UNREACHABLE';
      if (!retryable || attempt >= this.t.o.retries) throw failure;
      await this.t.pause(attempt, null, opts.signal, ctx);
    }
  }

  /** Fetches a small blob into memory (default limit 4 MiB) with its digest verified. */
  async getBlob(repo: string, digest: string, opts: RequestOptions & { maxBytes?: number } = {}): Promise<Uint8Array> {
    repo = this.repository(repo);
    const { algorithm } = parseDigest(digest);
    const maxBytes = positiveInt('maxBytes', opts.maxBytes, DEFAULT_MAX_SMALL_BLOB);
    const ctx: ErrorContext = { kind: 'blob', repository: repo, reference: digest };
    const { res, deadline } = await this.t.send({ method: 'GET', url: `/v2/${repo}/blobs/${digest}`, scope: `repository:${repo}:pull`, idempotent: true, signal: opts.signal, ctx });
    let bytes: Uint8Array;
    try {
      bytes = await readBody(res, deadline, maxBytes, (n) => ociError('OCI_BLOB_TOO_LARGE', `blob ${digest} is larger than ${maxBytes} bytes`,
        { registry: this.registry, repository: repo, digest, size: n, limit: maxBytes }), this.registry, ctx);
    } finally {
      deadline.dispose();
    }
    const actual = digestOf(bytes, algorithm);
    if (actual !== digest) {
      throw ociError('OCI_DIGEST_MISMATCH', `blob ${digest} has digest ${actual}`, { registry: this.registry, repository: repo, expected: digest, actual });
    }
    return bytes;
  }

  /** HEAD a blob: true when the registry has it. */
  async hasBlob(repo: string, digest: string, opts: RequestOptions = {}): Promise<boolean> {
    repo = this.repository(repo);
    parseDigest(digest);
    const { res, deadline } = await this.t.send({
      method: 'HEAD', url: `/v2/${repo}/blobs/${digest}`, scope: `repository:${repo}:pull,push`, idempotent: true, signal: opts.signal,
      ctx: { kind: 'blob', repository: repo, reference: digest }, ok: (s) => (s >= 200 && s < 300) || s === 404,
    });
    await discard(res);
    deadline.dispose();
    return res.status !== 404;
  }

  /**
   * Uploads a blob (monolithic: POST then PUT ?digest=), skipping it when the registry already has it.
   * `data` is bytes, or a file streamed from disk. Throws OCI_PUSH_FAILED, OCI_DIGEST_MISMATCH and transport codes.
   */
  async pushBlob(repo: string, data: Uint8Array | BlobFile, opts: PushBlobOptions = {}): Promise<{ digest: string; size: number }> {
    repo = this.repository(repo);
    const isBytes = data instanceof Uint8Array;
    const digest = isBytes ? digestOf(data) : data.digest;
    parseDigest(digest);
    const size = isBytes ? data.byteLength : data.size;
    if (!isBytes) {
      const st = await stat(data.file).catch((e: unknown) => { throw ioError(e, data.file); });
      if (st.size !== size) {
        throw ociError('OCI_INVALID_ARTIFACT', `blob file ${data.file} has ${st.size} bytes, expected ${size}`, { file: data.file, size: st.size, expected: size });
      }
    }
    if (await this.hasBlob(repo, digest, opts)) {
      opts.onProgress?.(size, size);
      return { digest, size };
    }
    const scope = `repository:${repo}:pull,push`;
    const ctx: ErrorContext = { kind: 'upload', repository: repo, reference: digest };
    const start = await this.t.send({ method: 'POST', url: `/v2/${repo}/blobs/uploads/`, scope, idempotent: false, signal: opts.signal, ctx, headers: { 'content-length': '0' } });
    const location = start.res.headers.get('location');
    await discard(start.res);
    start.deadline.dispose();
    if (!location) throw ociError('OCI_PUSH_FAILED', `registry ${this.registry} did not return an upload location`, { registry: this.registry, repository: repo });
    const url = new URL(location, `${this.baseUrl}/v2/${repo}/blobs/uploads/`);
    url.searchParams.set('digest', digest);
    const body = (): Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array> => {
      if (isBytes) {
        opts.onProgress?.(size, size);
        return data as Uint8Array<ArrayBuffer>;
      }
      let sent = 0;
      return fileStream(data.file, (n) => { sent += n; opts.onProgress?.(sent, size); });
    };
    // With a fetch that takes files (the default and the runtime's guarded fetch) the file goes as such: two reused
    // buffers instead of one new buffer per chunk of a web stream, so the peak memory does not depend on the size.
    const file = isBytes ? undefined : (): HttpFileBody => {
      let sent = 0;
      return { file: data.file, onSent: (n) => { sent += n; opts.onProgress?.(sent, size); } };
    };
    const put = await this.t.send({
      method: 'PUT', url: url.href, scope, idempotent: false, signal: opts.signal, ctx, body, ...(file ? { file } : {}),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    });
    const got = put.res.headers.get('docker-content-digest');
    await discard(put.res);
    put.deadline.dispose();
    if (got && got !== digest) {
      throw ociError('OCI_DIGEST_MISMATCH', `registry stored blob as ${got}, expected ${digest}`, { registry: this.registry, repository: repo, expected: digest, actual: got });
    }
    return { digest, size };
  }

  /** PUTs a manifest under a tag or its digest; returns the digest (sha256 of the bytes). */
  async pushManifest(repo: string, reference: string, bytes: Uint8Array, mediaType: string, opts: RequestOptions = {}): Promise<string> {
    repo = this.repository(repo);
    const byDigest = assertReference(reference);
    if (bytes.byteLength > this.maxManifestBytes) {
      throw ociError('OCI_MANIFEST_TOO_LARGE', `manifest is larger than ${this.maxManifestBytes} bytes`, { size: bytes.byteLength, limit: this.maxManifestBytes });
    }
    const digest = byDigest ? digestOf(bytes, parseDigest(reference).algorithm) : digestOf(bytes);
    if (byDigest && digest !== reference) {
      throw ociError('OCI_DIGEST_MISMATCH', `manifest bytes have digest ${digest}, not ${reference}`, { expected: reference, actual: digest });
    }
    const { res, deadline } = await this.t.send({
      method: 'PUT', url: `/v2/${repo}/manifests/${reference}`, scope: `repository:${repo}:pull,push`, idempotent: true, signal: opts.signal,
      ctx: { kind: 'manifest-push', repository: repo, reference }, body: () => bytes as Uint8Array<ArrayBuffer>, headers: { 'content-type': mediaType },
    });
    const got = res.headers.get('docker-content-digest');
    await discard(res);
    deadline.dispose();
    if (got && got !== digest) {
      throw ociError('OCI_DIGEST_MISMATCH', `registry stored manifest as ${got}, expected ${digest}`, { registry: this.registry, repository: repo, expected: digest, actual: got });
    }
    return digest;
  }

  /** All tags of a repository (follows `Link: <…>; rel="next"` pagination). Throws OCI_REPOSITORY_NOT_FOUND. */
  async listTags(repo: string, opts: RequestOptions = {}): Promise<string[]> {
    repo = this.repository(repo);
    const tags: string[] = [];
    let url: string | undefined = `/v2/${repo}/tags/list`;
    for (let page = 0; url && page < 1000; page++) {
      const ctx: ErrorContext = { kind: 'tags', repository: repo };
      const { res, deadline } = await this.t.send({ method: 'GET', url, scope: `repository:${repo}:pull`, idempotent: true, signal: opts.signal, ctx });
      let body: Uint8Array;
      try {
        body = await readBody(res, deadline, 16 * 1024 * 1024, (n) => ociError('OCI_REGISTRY_ERROR', 'tag list too large', { size: n }), this.registry, ctx);
      } finally {
        deadline.dispose();
      }
      try {
        const json = JSON.parse(Buffer.from(body).toString('utf8')) as { tags?: unknown };
        if (Array.isArray(json.tags)) tags.push(...json.tags.filter((t): t is string => typeof t === 'string'));
      } catch (e) {
        throw new OciError({ code: 'OCI_REGISTRY_ERROR', message: `registry ${this.registry} returned an invalid tag list`, details: { registry: this.registry, repository: repo }, cause: e });
      }
      const next = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(res.headers.get('link') ?? '')?.[1];
      url = next ? new URL(next, this.baseUrl).href : undefined;
    }
    return tags;
  }

  /**
   * Descriptors of the manifests that refer to `digest` (OCI 1.1 referrers API), falling back to the
   * tag schema (`sha256-<hex>` tag holding an index) when the API answers 404. Filtered by artifactType.
   */
  async getReferrers(repo: string, digest: string, opts: GetReferrersOptions = {}): Promise<Descriptor[]> {
    repo = this.repository(repo);
    const { algorithm, hex } = parseDigest(digest);
    const q = opts.artifactType ? `?artifactType=${encodeURIComponent(opts.artifactType)}` : '';
    const ctx: ErrorContext = { kind: 'referrers', repository: repo, reference: digest };
    const { res, deadline } = await this.t.send({
      method: 'GET', url: `/v2/${repo}/referrers/${digest}${q}`, scope: `repository:${repo}:pull`, idempotent: true, signal: opts.signal,
      headers: { accept: MEDIA_TYPE_OCI_INDEX }, ctx, ok: (s) => (s >= 200 && s < 300) || s === 404,
    });
    let manifests: Descriptor[];
    let filtered = false;
    if (res.status === 404) {
      await discard(res);
      deadline.dispose();
      const tag = `${algorithm}-${hex}`;
      const index = await this.findManifest(repo, tag, { accept: [MEDIA_TYPE_OCI_INDEX], ...(opts.signal ? { signal: opts.signal } : {}) });
      if (!index) return [];
      manifests = parseImageIndex(index.json, `${repo}:${tag}`).manifests;
    } else {
      let body: Uint8Array;
      try {
        body = await readBody(res, deadline, this.maxManifestBytes, (n) => ociError('OCI_MANIFEST_TOO_LARGE', 'referrers index too large', { size: n }), this.registry, ctx);
      } finally {
        deadline.dispose();
      }
      let json: unknown;
      try {
        json = JSON.parse(Buffer.from(body).toString('utf8'));
      } catch (e) {
        throw new OciError({ code: 'OCI_MANIFEST_INVALID', message: `referrers response for ${digest} is not valid JSON`, details: { registry: this.registry, repository: repo, digest }, cause: e });
      }
      manifests = parseImageIndex(json, `${repo} referrers of ${digest}`).manifests;
      filtered = (res.headers.get('oci-filters-applied') ?? '').split(',').map((s) => s.trim()).includes('artifactType');
    }
    return opts.artifactType && !filtered ? manifests.filter((d) => d.artifactType === opts.artifactType) : manifests;
  }

  /** Deletes a manifest by digest (registries need delete enabled). Missing manifests are not an error. */
  async deleteManifest(repo: string, digest: string, opts: RequestOptions = {}): Promise<void> {
    repo = this.repository(repo);
    parseDigest(digest);
    const { res, deadline } = await this.t.send({
      method: 'DELETE', url: `/v2/${repo}/manifests/${digest}`, scope: `repository:${repo}:pull,push,delete`, idempotent: true, signal: opts.signal,
      ctx: { kind: 'manifest', repository: repo, reference: digest }, ok: (s) => (s >= 200 && s < 300) || s === 404,
    });
    await discard(res);
    deadline.dispose();
  }
}

function ioError(e: unknown, file: string): OciError {
  if (e instanceof OciError) return e;
  return new OciError({ code: 'OCI_CACHE_IO', message: `cannot write ${file}: ${(e as Error)?.message ?? String(e)}`, details: { file }, cause: e });
}

/**
 * Writes every byte of `chunks` (one writev). The digest is checked on the bytes received, not on the file, so a short
 * write (a full disk, a signal) must not pass silently: the rest is written again, and a full disk then fails.
 */
async function writeAll(fh: FileHandle, chunks: Uint8Array[], bytes: number): Promise<void> {
  let { bytesWritten } = await fh.writev(chunks);
  if (bytesWritten === bytes) return;
  const rest = Buffer.concat(chunks, bytes);
  while (bytesWritten < bytes) {
    const n = (await fh.write(rest, bytesWritten, bytes - bytesWritten)).bytesWritten;
    if (n === 0) throw new Error(`short write: ${bytesWritten} of ${bytes} bytes`);
    bytesWritten += n;
  }
}

const PUSH_CHUNK = 256 * 1024;
const WRITE_BATCH = 1024 * 1024;

/**
 * A file as a pull-based stream: a chunk is read only when the request asks for one, so pushing holds about one
 * chunk in memory whatever the size (Node 20's Readable.toWeb reads ahead without bound).
 */
function fileStream(file: string, onChunk: (n: number) => void): ReadableStream<Uint8Array> {
  let fh: FileHandle | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      fh ??= await open(file, 'r');
      const buf = Buffer.allocUnsafe(PUSH_CHUNK);
      const { bytesRead } = await fh.read(buf, 0, PUSH_CHUNK, null);
      if (bytesRead === 0) {
        await fh.close();
        ctl.close();
        return;
      }
      onChunk(bytesRead);
      ctl.enqueue(new Uint8Array(buf.buffer, buf.byteOffset, bytesRead));
    },
    async cancel() { await fh?.close(); },
  }, { highWaterMark: 1 });
}
