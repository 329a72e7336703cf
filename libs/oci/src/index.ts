// This is the public API of @plugway/oci; adding an export is a semver decision.

// errors (shared by every part of the lib)
export { OciError } from './error.js';
export type { OciErrorCode } from './error.js';

// client: the OCI distribution API on the global fetch
export { RegistryClient } from './client/registry-client.js';
export type { RegistryClientOptions, GetManifestOptions, DownloadBlobOptions, BlobFile, PushBlobOptions, GetReferrersOptions } from './client/registry-client.js';
export type { RegistryAuth, RegistryAuthRequestOptions } from './client/auth.types.js';
export { createGuardedFetch } from './client/dial.js';
export type { DialGuard, DialTarget, DialDecision, GuardedFetchOptions } from './client/dial.js';
export { selectPlatform, parsePlatform, hostPlatform } from './client/platform.js';
export type { PlatformSelector } from './client/platform.js';
export { parseDigest, digestOf } from './client/digest.js';
export {
  MANIFEST_MEDIA_TYPES, MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_EMPTY, isIndexMediaType,
} from './client/media-types.js';
export type { Descriptor, Platform, ImageIndex, ImageManifest, FetchedManifest, ManifestHead, RequestOptions } from './client/types.js';

// plugin artifacts: format, push, tar layers
export { ARTIFACT_TYPE_PLUGIN, MEDIA_TYPE_PLUGIN_BINARY, MEDIA_TYPE_PLUGIN_CONFIG, RAW_BINARY_LAYER_TYPES, TAR_LAYER_TYPES, TAR_GZIP_LAYER_TYPES } from './artifact/media-types.js';
export { pushPlugin, pushPluginIndex } from './artifact/push-plugin.js';
export type { PushPluginOptions } from './artifact/push-plugin.js';
export { extractSingleExecutable, assertSafeTarPath } from './artifact/tar.js';
export { encodePluginConfig, decodePluginConfig } from './artifact/plugin-runtime.js';
export type { PluginRuntime } from './artifact/plugin-runtime.js';

// cache: content-addressed, verified plugin binaries
export { PluginCache, parseSize, sha256File } from './cache/plugin-cache.js';
export type { CacheEntry, CacheOptions, RefRecord } from './cache/plugin-cache.js';

// signatures: cosign legacy key-based signatures
export { publicKeysFromEnv, createKeyRing, selectKeys } from './verify/keys.js';
export type { KeyRing } from './verify/keys.js';
export { verifyCosignSignature, signCosign, signatureTag, simpleSigningPayload, MEDIA_TYPE_SIMPLESIGNING, COSIGN_SIGNATURE_ANNOTATION } from './verify/cosign.js';
export type { CosignVerifyResult } from './verify/cosign.js';

// pull: reference → verified executable
export { pullPlugin } from './pull/pull-plugin.js';
export type { PullPluginOptions, PulledPlugin, PullPolicy } from './pull/pull-plugin.js';
export { verifySigstoreBundles, attachSigstoreBundle, MEDIA_TYPE_SIGSTORE_BUNDLE } from './verify/sigstore-bundle.js';
export { verifySignature } from './verify/verify-signature.js';
