// The plugin artifact format (see README "Plugin artifacts").

/** artifactType of a plugway plugin manifest. */
export const ARTIFACT_TYPE_PLUGIN = 'application/vnd.plugway.plugin.v1';
/** Layer media type of a raw plugin executable. */
export const MEDIA_TYPE_PLUGIN_BINARY = 'application/vnd.plugway.plugin.binary.v1';

/** AI Studio's layer media type: the raw executable, the first layer of its plugin manifests. */
export const MEDIA_TYPE_TYK_PLUGIN_LAYER = 'application/vnd.tyk.plugin.layer.v1';
/** Config media type of an artifact that needs a runtime (`{ runtime: { name, minVersion } }`, see plugin-runtime.ts). */
export const MEDIA_TYPE_PLUGIN_CONFIG = 'application/vnd.plugway.plugin.config.v1+json';

/** Layers that ARE the executable. */
export const RAW_BINARY_LAYER_TYPES: readonly string[] = [MEDIA_TYPE_PLUGIN_BINARY, MEDIA_TYPE_TYK_PLUGIN_LAYER, 'application/octet-stream'];
/** Layers that are a tar holding exactly one executable regular file. */
export const TAR_LAYER_TYPES: readonly string[] = [
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.docker.image.rootfs.diff.tar',
];
export const TAR_GZIP_LAYER_TYPES: readonly string[] = [
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
];
