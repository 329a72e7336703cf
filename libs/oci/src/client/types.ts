// Shapes from the OCI image spec and distribution spec that the client returns.

/** An OCI platform (image-index `platform` field). */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
  data?: string;
}

/** An OCI image index or Docker manifest list. */
export interface ImageIndex {
  schemaVersion: number;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An OCI image manifest or Docker schema2 manifest. */
export interface ImageManifest {
  schemaVersion: number;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** A manifest as fetched: raw bytes (what the digest covers) plus the parsed JSON. */
export interface FetchedManifest {
  digest: string;
  mediaType: string;
  size: number;
  bytes: Uint8Array;
  json: Record<string, unknown>;
}

/** Result of HEAD on a manifest. */
export interface ManifestHead {
  digest: string;
  mediaType: string | undefined;
  size: number | undefined;
}

export interface RequestOptions {
  signal?: AbortSignal;
}
