import { rm } from 'node:fs/promises';
import { NOOP_LOGGER, type Logger } from '@plugway/core';
import { OciError } from '../error.js';
import type { RegistryClient } from '../client/registry-client.js';
import { isIndexMediaType } from '../client/media-types.js';
import { digestOf } from '../client/digest.js';
import { hostPlatform, parsePlatform, selectPlatform, type PlatformSelector } from '../client/platform.js';
import { configPlatformSchema, parseImageIndex, parseImageManifest, safeParse } from '../client/schemas.js';
import type { FetchedManifest, ImageManifest, Platform } from '../client/types.js';
import type { CacheEntry, PluginCache } from '../cache/plugin-cache.js';
import { MEDIA_TYPE_PLUGIN_CONFIG, MEDIA_TYPE_TYK_PLUGIN_LAYER, RAW_BINARY_LAYER_TYPES, TAR_GZIP_LAYER_TYPES, TAR_LAYER_TYPES } from '../artifact/media-types.js';
import { decodePluginConfig, type PluginRuntime } from '../artifact/plugin-runtime.js';
import { extractSingleExecutable } from '../artifact/tar.js';
import { selectKeys, type KeyRing } from '../verify/keys.js';
import { verifySignature } from '../verify/verify-signature.js';

export type PullPolicy = 'IfNotPresent' | 'Always';

export interface PullPluginOptions {
  reference: { registry: string; repository: string; tag?: string; digest?: string };
  options?: { pubkey?: string; arch?: string; auth?: string };
  client: RegistryClient;
  cache: PluginCache;
  keys?: KeyRing;
  /** Refuse unsigned or wrongly signed artifacts. */
  requireSignature?: boolean;
  /** IfNotPresent (default) reuses a tag's recorded digest within `refTtlMs`; Always asks the registry every time. */
  pullPolicy?: PullPolicy;
  refTtlMs?: number;
  /** Largest plugin accepted (default 512 MiB). */
  maxBytes?: number;
  logger?: Logger;
  onProgress?: (done: number, total: number | undefined) => void;
  signal?: AbortSignal;
}

export interface PulledPlugin {
  /** Executable, verified path inside the cache. */
  path: string;
  digest: string;
  manifestDigest: string;
  subjectDigest: string;
  verifiedBy?: string;
  /** The runtime the artifact's config asks for (a packaged script); absent for a plain executable. */
  runtime?: PluginRuntime;
  fromCache: boolean;
  metadata: CacheEntry;
  /** By tag: when the tag's digest was asked of the registry (kept `refTtlMs` with IfNotPresent). */
  resolvedAt?: string;
}

const DEFAULT_MAX = 512 * 1024 * 1024;

/**
 * Resolves an OCI plugin reference to a verified executable in the cache, pulling it when needed.
 * Concurrent pulls of one digest (in and across processes) download once. Nothing that failed verification is
 * ever stored as usable.
 * @throws OciError (registry, OCI_INVALID_ARTIFACT, OCI_TAR_UNSAFE_PATH, OCI_SIGNATURE_*, OCI_KEY_*, OCI_CACHE_*)
 */
export async function pullPlugin(o: PullPluginOptions): Promise<PulledPlugin> {
  const logger = o.logger ?? NOOP_LOGGER;
  const { registry, repository } = o.reference;
  const req = o.signal ? { signal: o.signal } : {};
  const refName = `${registry}/${repository}${o.reference.digest ? `@${o.reference.digest}` : `:${o.reference.tag ?? 'latest'}`}`;
  const platformSel: PlatformSelector = o.options?.arch ? parsePlatform(o.options.arch) : {};
  const wanted = o.options?.arch ? platformSel : hostPlatform();
  const platformKey = `${wanted.os ?? ''}/${wanted.architecture ?? ''}${wanted.variant ? `/${wanted.variant}` : ''}`;
  const mustVerify = o.requireSignature === true || o.options?.pubkey !== undefined;
  const allowedKeys = mustVerify ? selectKeys(o.keys ?? { keys: new Map() }, o.options?.pubkey) : [];
  if (mustVerify && allowedKeys.length === 0) {
    throw new OciError({ code: 'OCI_KEY_NOT_FOUND', message: 'signatures are required but no public key is configured (OCI_PLUGINS_PUBKEY_<NAME> or OCI_PLUGINS_PUBLIC_KEY_<N>)' });
  }
  const acceptable = (e: CacheEntry): boolean => !mustVerify || (e.verifiedBy !== null && allowedKeys.some(([n]) => n === e.verifiedBy));

  // 1. Which digest does the reference mean now?
  let subjectDigest = o.reference.digest;
  let resolvedAt: string | undefined;
  // A tag pulled before is re-resolved with a HEAD (the digest is usually cached; registries such as Docker Hub do not
  // count a HEAD as a pull). A tag seen for the first time is resolved with a GET whose manifest is kept for step 3:
  // it is needed anyway, and HEAD + GET would cost a round trip more.
  let byTag: FetchedManifest | undefined;
  if (!subjectDigest) {
    const tag = o.reference.tag ?? 'latest';
    const rec = await o.cache.getRef(refName);
    const reuse = (o.pullPolicy ?? 'IfNotPresent') === 'IfNotPresent' && rec && Date.now() - Date.parse(rec.resolvedAt) < (o.refTtlMs ?? 24 * 3600_000);
    if (reuse) ({ subjectDigest, resolvedAt } = rec);
    else {
      if (rec) subjectDigest = (await o.client.headManifest(repository, tag, req))?.digest;
      else {
        byTag = await o.client.findManifest(repository, tag, req);
        subjectDigest = byTag?.digest;
      }
      if (!subjectDigest) throw new OciError({ code: 'OCI_MANIFEST_NOT_FOUND', message: `${refName} not found`, details: { reference: refName } });
      resolvedAt = new Date().toISOString();
      await o.cache.putRef({ reference: refName, subjectDigest, resolvedAt });
    }
  }
  const sd = subjectDigest;
  const resolution = resolvedAt !== undefined ? { resolvedAt } : {};

  const fromCache = async (): Promise<PulledPlugin | undefined> => {
    const found = await o.cache.findBySubject(sd, platformKey);
    if (!found || !acceptable(found)) return undefined;
    try {
      const hit = await o.cache.get(found.manifestDigest);
      if (!hit) return undefined;
      return { path: hit.path, digest: hit.entry.binaryDigest, manifestDigest: hit.entry.manifestDigest, subjectDigest: sd, ...(hit.entry.verifiedBy ? { verifiedBy: hit.entry.verifiedBy } : {}), ...(hit.entry.runtime ? { runtime: hit.entry.runtime } : {}), fromCache: true, metadata: hit.entry, ...resolution };
    } catch (e) {
      if (e instanceof OciError && e.code === 'OCI_CACHE_CORRUPT') return undefined; // re-download below
      throw e;
    }
  };
  const hit = await fromCache();
  if (hit) return hit;

  return o.cache.withLock(sd, async () => {
    const again = await fromCache();
    if (again) return again;

    // 2. Signature over what the user referenced (index or manifest), before any download.
    let verifiedBy: string | null = null;
    if (mustVerify) verifiedBy = (await verifySignature(o.client, repository, sd, allowedKeys, req)).verifiedBy;

    // 3. Manifest (through the index when there is one), validated, never cast.
    let fetched = byTag?.digest === sd ? byTag : await o.client.getManifest(repository, sd, req);
    let manifest: ImageManifest;
    if (isIndexMediaType(fetched.mediaType) || Array.isArray(fetched.json['manifests'])) {
      const desc = selectPlatform(parseImageIndex(fetched.json, refName), platformSel);
      fetched = await o.client.getManifest(repository, desc.digest, { ...req, size: desc.size });
      manifest = parseImageManifest(fetched.json, refName);
    } else {
      manifest = parseImageManifest(fetched.json, refName);
      // A single-platform image cannot satisfy an explicit arch= for another platform.
      if (o.options?.arch) await assertPlatform(o.client, repository, manifest, platformSel, refName, req);
    }
    const layers = manifest.layers;
    // AI Studio's fetcher takes the first layer of its own format; every other format has exactly one layer.
    const aiStudio = layers[0]?.mediaType === MEDIA_TYPE_TYK_PLUGIN_LAYER;
    if (layers.length !== 1 && !aiStudio) {
      throw new OciError({ code: 'OCI_INVALID_ARTIFACT', message: `${refName}: a plugin artifact has exactly one layer, this one has ${layers.length}`, details: { reference: refName } });
    }
    const layer = layers[0]!;
    const raw = RAW_BINARY_LAYER_TYPES.includes(layer.mediaType);
    const tar = TAR_LAYER_TYPES.includes(layer.mediaType);
    const tgz = TAR_GZIP_LAYER_TYPES.includes(layer.mediaType);
    if (!raw && !tar && !tgz) {
      throw new OciError({ code: 'OCI_UNSUPPORTED_MEDIA_TYPE', message: `${refName}: layer media type ${layer.mediaType} is not a plugin binary or tar layer`, details: { mediaType: layer.mediaType } });
    }
    const maxBytes = o.maxBytes ?? DEFAULT_MAX;
    const runtime = await readRuntime(o.client, repository, manifest, refName, req);

    // 4. Download into tmp/ (verified against the layer digest while streaming), unpack if needed, then commit.
    const download = o.cache.tmpPath('layer');
    const binary = raw ? download : o.cache.tmpPath('binary');
    try {
      logger.info('pulling plugin', { reference: refName, digest: layer.digest, size: layer.size });
      await o.client.downloadBlob(repository, layer.digest, download, { expectedSize: layer.size, maxBytes, ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...req });
      if (!raw) await extractSingleExecutable(download, binary, { gzip: tgz, maxBytes });
      const stored = await o.cache.commit(binary, {
        manifestDigest: fetched.digest, subjectDigest: sd, repository: `${registry}/${repository}`, reference: refName, verifiedBy, platform: platformKey, ...(runtime ? { runtime } : {}),
      }, raw ? layer.digest : undefined);
      return { path: stored.path, digest: stored.entry.binaryDigest, manifestDigest: fetched.digest, subjectDigest: sd, ...(verifiedBy ? { verifiedBy } : {}), ...(runtime ? { runtime } : {}), fromCache: false, metadata: stored.entry, ...resolution };
    } finally {
      await rm(download, { force: true });
      if (binary !== download) await rm(binary, { force: true });
    }
  });
}

const IMAGE_CONFIG_TYPES: readonly string[] = ['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json'];

/** The platform a single-platform manifest declares: plugway's annotation, or an image config's os/architecture. */
async function platformOf(client: RegistryClient, repository: string, manifest: ImageManifest, req: { signal?: AbortSignal }): Promise<Platform | undefined> {
  const annotated = manifest.annotations?.['dev.plugway.platform'];
  if (annotated) {
    const [os, architecture, variant] = annotated.split('/');
    if (os && architecture) return { os, architecture, ...(variant ? { variant } : {}) };
  }
  if (!IMAGE_CONFIG_TYPES.includes(manifest.config.mediaType) || manifest.config.size > 1024 * 1024) return undefined;
  const bytes = await client.getBlob(repository, manifest.config.digest, { ...req, maxBytes: 1024 * 1024 });
  let json: unknown;
  try { json = JSON.parse(Buffer.from(bytes).toString('utf8')); } catch { return undefined; }
  const parsed = safeParse(configPlatformSchema, json);
  return parsed.success ? { os: parsed.data.os, architecture: parsed.data.architecture, ...(parsed.data.variant ? { variant: parsed.data.variant } : {}) } : undefined;
}

/** arch= against a single-platform image: OCI_PLATFORM_NOT_FOUND naming the image's platform when they differ. */
async function assertPlatform(client: RegistryClient, repository: string, manifest: ImageManifest, wanted: PlatformSelector, refName: string, req: { signal?: AbortSignal }): Promise<void> {
  const platform = await platformOf(client, repository, manifest, req);
  // An artifact that declares no platform (e.g. an empty config) cannot be checked; it is taken as it is.
  if (!platform) return;
  try {
    selectPlatform({ schemaVersion: 2, manifests: [{ mediaType: manifest.mediaType ?? '', digest: 'sha256:0', size: 0, platform }] }, wanted);
  } catch (e) {
    if (!(e instanceof OciError)) throw e;
    throw new OciError({ code: e.code, message: `${refName} is a single-platform image: ${e.message}`, details: { ...e.details, reference: refName }, cause: e });
  }
}

// A plugin config (inline `data` or a small blob) names the runtime; any other config (the OCI empty one) means none.
async function readRuntime(client: RegistryClient, repository: string, manifest: ImageManifest, refName: string, req: { signal?: AbortSignal }): Promise<PluginRuntime | undefined> {
  const cfg = manifest.config;
  if (cfg?.mediaType !== MEDIA_TYPE_PLUGIN_CONFIG) return undefined;
  const inline = typeof cfg.data === 'string' ? Buffer.from(cfg.data, 'base64') : undefined;
  const bytes = inline && digestOf(inline) === cfg.digest ? inline : await client.getBlob(repository, cfg.digest, { ...req, maxBytes: 64 * 1024 });
  return decodePluginConfig(bytes, refName);
}
