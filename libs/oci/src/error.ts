import { PlugwayError } from '@plugway/core';

/** Every code @plugway/oci throws. Append-only: never rename or remove a code. */
export type OciErrorCode =
  | 'OCI_INVALID_REFERENCE'
  | 'OCI_INVALID_OPTIONS'
  | 'OCI_REGISTRY_UNREACHABLE'
  | 'OCI_REGISTRY_ERROR'
  | 'OCI_UNAUTHORIZED'
  | 'OCI_DENIED'
  | 'OCI_TIMEOUT'
  | 'OCI_ABORTED'
  | 'OCI_MANIFEST_NOT_FOUND'
  | 'OCI_MANIFEST_INVALID'
  | 'OCI_MANIFEST_TOO_LARGE'
  | 'OCI_BLOB_NOT_FOUND'
  | 'OCI_UNSUPPORTED_MEDIA_TYPE'
  | 'OCI_PLATFORM_NOT_FOUND'
  | 'OCI_DIGEST_MISMATCH'
  | 'OCI_DIGEST_INVALID'
  | 'OCI_BLOB_TOO_LARGE'
  | 'OCI_BLOB_TRUNCATED'
  | 'OCI_PUSH_FAILED'
  | 'OCI_INVALID_ARTIFACT'
  | 'OCI_TAR_UNSAFE_PATH'
  | 'OCI_CACHE_CORRUPT'
  | 'OCI_CACHE_IO'
  | 'OCI_CACHE_MISS'
  | 'OCI_SIGNATURE_MISSING'
  | 'OCI_SIGNATURE_INVALID'
  | 'OCI_KEY_NOT_FOUND'
  | 'OCI_KEY_INVALID'
  | 'OCI_REPOSITORY_NOT_FOUND'
  | 'OCI_CONNECTION_DENIED';

/** The only error class @plugway/oci throws. */
export class OciError extends PlugwayError<OciErrorCode> {}
