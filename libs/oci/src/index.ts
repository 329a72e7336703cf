// This is the public API of @plugway/oci; adding an export is a semver decision.
// It holds what the runtime, the CLI and the apps' tests use; everything else stays internal.

// errors (shared by every part of the lib)
export { OciError } from './error.js';
export type { OciErrorCode } from './error.js';

// client: the OCI distribution API; connections through a dial guard (the runtime's security policy)
export { RegistryClient } from './client/registry-client.js';
export type { RegistryClientOptions } from './client/registry-client.js';
export type { RegistryAuth, RegistryAuthRequestOptions } from './client/auth.types.js';
export { createGuardedFetch } from './client/dial.js';
export type { DialGuard, DialTarget, DialDecision } from './client/dial.js';
export type { GuardedFetch, HttpFetch, HttpFileBody, HttpRequest, HttpResponse } from './client/http.types.js';
export { isIndexMediaType } from './client/media-types.js';
export type { Descriptor, Platform, ImageIndex, ImageManifest } from './client/types.js';

// plugin artifacts and the verified cache
export { MEDIA_TYPE_PLUGIN_CONFIG } from './artifact/media-types.js';
export { pushPlugin } from './artifact/push-plugin.js';
export type { PushPluginOptions } from './artifact/push-plugin.js';
export { decodePluginConfig } from './artifact/plugin-runtime.js';
export type { PluginRuntime } from './artifact/plugin-runtime.js';
export { PluginCache, parseSize, sha256File } from './cache/plugin-cache.js';
export type { CacheEntry } from './cache/plugin-cache.js';

// signatures: keys, cosign legacy signatures, sigstore bundles
export { publicKeysFromEnv, createKeyRing, selectKeys } from './verify/keys.js';
export type { KeyRing } from './verify/keys.js';
export { signCosign, signatureTag } from './verify/cosign.js';
export { attachSigstoreBundle } from './verify/sigstore-bundle.js';
export { verifySignature } from './verify/verify-signature.js';

// pull: reference → verified executable
export { pullPlugin } from './pull/pull-plugin.js';
export type { PullPluginOptions, PulledPlugin, PullPolicy } from './pull/pull-plugin.js';
