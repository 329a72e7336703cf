// This is the public API of @plugway/oci; adding an export is a semver decision.

// errors (shared by every part of the lib)
export { OciError } from './error.js';
export type { OciErrorCode } from './error.js';

// client: the OCI distribution API on the global fetch
export { RegistryClient } from './client/registry-client.js';
export type { RegistryClientOptions, GetManifestOptions, DownloadBlobOptions, BlobFile, PushBlobOptions, GetReferrersOptions } from './client/registry-client.js';
export type { RegistryAuth, RegistryAuthRequestOptions } from './client/auth.types.js';
export { selectPlatform, parsePlatform, hostPlatform } from './client/platform.js';
export type { PlatformSelector } from './client/platform.js';
export { parseDigest, digestOf } from './client/digest.js';
export {
  MANIFEST_MEDIA_TYPES, MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST_LIST,
  MEDIA_TYPE_OCI_EMPTY, isIndexMediaType,
} from './client/media-types.js';
export type { Descriptor, Platform, ImageIndex, ImageManifest, FetchedManifest, ManifestHead, RequestOptions } from './client/types.js';
