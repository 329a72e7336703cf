// Test helpers: build small OCI images and push them with a RegistryClient.
import { createHash, randomBytes } from 'node:crypto';
import type { RegistryClient } from '../registry-client.js';
import type { Descriptor, Platform } from '../types.js';

export const sha256 = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
export const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

export interface PushedImage {
  digest: string;
  manifest: Uint8Array;
  layer: Uint8Array;
  layerDigest: string;
  descriptor: Descriptor;
}

/** Pushes a one-layer OCI image (random layer bytes) and tags it. */
export async function pushImage(client: RegistryClient, repo: string, tag: string, opts: { layer?: Uint8Array; platform?: Platform; artifactType?: string; subject?: Descriptor } = {}): Promise<PushedImage> {
  const layer = opts.layer ?? new Uint8Array(randomBytes(1024));
  const config = utf8(JSON.stringify(opts.platform ? { ...opts.platform, rootfs: { type: 'layers', diff_ids: [] } } : {}));
  const configDesc = await client.pushBlob(repo, config);
  const layerDesc = await client.pushBlob(repo, layer);
  const manifestJson = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    ...(opts.artifactType ? { artifactType: opts.artifactType } : {}),
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDesc.digest, size: configDesc.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDesc.digest, size: layerDesc.size }],
    ...(opts.subject ? { subject: opts.subject } : {}),
  };
  const manifest = utf8(JSON.stringify(manifestJson));
  const digest = await client.pushManifest(repo, tag, manifest, manifestJson.mediaType);
  return {
    digest, manifest, layer, layerDigest: layerDesc.digest,
    descriptor: { mediaType: manifestJson.mediaType, digest, size: manifest.byteLength, ...(opts.platform ? { platform: opts.platform } : {}), ...(opts.artifactType ? { artifactType: opts.artifactType } : {}) },
  };
}

/** Pushes an OCI index over the given descriptors and tags it. */
export async function pushIndex(client: RegistryClient, repo: string, tag: string, manifests: Descriptor[]): Promise<{ digest: string; bytes: Uint8Array }> {
  const json = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests };
  const bytes = utf8(JSON.stringify(json));
  const digest = await client.pushManifest(repo, tag, bytes, json.mediaType);
  return { digest, bytes };
}
