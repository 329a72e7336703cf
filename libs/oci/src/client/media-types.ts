// Media types the client asks for and understands.

export const MEDIA_TYPE_OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const MEDIA_TYPE_OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const MEDIA_TYPE_DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MEDIA_TYPE_DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const MEDIA_TYPE_OCI_EMPTY = 'application/vnd.oci.empty.v1+json';

/** Every manifest media type the client accepts by default, most preferred first. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MEDIA_TYPE_OCI_MANIFEST,
  MEDIA_TYPE_OCI_INDEX,
  MEDIA_TYPE_DOCKER_MANIFEST,
  MEDIA_TYPE_DOCKER_MANIFEST_LIST,
];

/** True for an index-like manifest (OCI index or Docker manifest list). */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === MEDIA_TYPE_OCI_INDEX || mediaType === MEDIA_TYPE_DOCKER_MANIFEST_LIST;
}
