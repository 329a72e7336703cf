import { stat } from 'node:fs/promises';
import { OciError } from '../error.js';
import type { RegistryClient } from '../client/registry-client.js';
import { digestOf } from '../client/digest.js';
import { MEDIA_TYPE_OCI_EMPTY, MEDIA_TYPE_OCI_MANIFEST } from '../client/media-types.js';
import type { Platform } from '../client/types.js';
import { sha256File } from '../cache/plugin-cache.js';
import { ARTIFACT_TYPE_PLUGIN, MEDIA_TYPE_PLUGIN_BINARY, MEDIA_TYPE_PLUGIN_CONFIG } from './media-types.js';
import { encodePluginConfig, type PluginRuntime } from './plugin-runtime.js';

const EMPTY_JSON = Buffer.from('{}');

export interface PushPluginOptions {
  client: RegistryClient;
  repository: string;
  /** Tag to push to (default `latest`). */
  tag?: string;
  file: string;
  platform?: Platform;
  /** The runtime the host must launch the file with (a packaged script); absent for a plain executable. */
  runtime?: PluginRuntime;
  /** Manifest `org.opencontainers.image.created` (default now); fix it for a reproducible manifest digest. */
  created?: string;
  annotations?: Record<string, string>;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Publishes an executable as a plugway plugin artifact: the binary as the single layer
 * (`application/vnd.plugway.plugin.binary.v1`), the OCI empty config (or the runtime config for a packaged script), `artifactType` `application/vnd.plugway.plugin.v1`.
 * @returns the manifest digest (what to pin and sign)
 */
export async function pushPlugin(opts: PushPluginOptions): Promise<{ digest: string; size: number; binaryDigest: string }> {
  let size: number;
  try {
    const st = await stat(opts.file);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new OciError({ code: 'OCI_INVALID_ARTIFACT', message: `cannot read plugin file ${opts.file}: ${(e as Error).message}`, cause: e });
  }
  const binaryDigest = await sha256File(opts.file);
  const req = { ...(opts.signal ? { signal: opts.signal } : {}) };
  await opts.client.pushBlob(opts.repository, { file: opts.file, size, digest: binaryDigest }, { ...req, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  const config = opts.runtime ? encodePluginConfig(opts.runtime) : EMPTY_JSON;
  await opts.client.pushBlob(opts.repository, config, req);
  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPE_OCI_MANIFEST,
    artifactType: ARTIFACT_TYPE_PLUGIN,
    config: { mediaType: opts.runtime ? MEDIA_TYPE_PLUGIN_CONFIG : MEDIA_TYPE_OCI_EMPTY, digest: digestOf(config), size: config.byteLength, data: config.toString('base64') },
    layers: [{ mediaType: MEDIA_TYPE_PLUGIN_BINARY, digest: binaryDigest, size, annotations: { 'org.opencontainers.image.title': opts.file.split('/').pop() ?? 'plugin' } }],
    annotations: { 'org.opencontainers.image.created': opts.created ?? new Date().toISOString(), ...(opts.platform ? { 'dev.plugway.platform': `${opts.platform.os}/${opts.platform.architecture}` } : {}), ...opts.annotations },
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await opts.client.pushManifest(opts.repository, opts.tag ?? 'latest', bytes, MEDIA_TYPE_OCI_MANIFEST, req);
  return { digest, size, binaryDigest };
}
