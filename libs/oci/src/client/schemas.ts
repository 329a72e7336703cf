// zod schemas for the registry's JSON (image manifests, indexes, descriptors): parsed, never cast.
import { z } from 'zod';
import { OciError } from '../error.js';
import type { Descriptor, ImageIndex, ImageManifest } from './types.js';

const MAX_ENTRIES = 1024;
const digest = z.string().max(200).regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a digest');
const annotations = z.record(z.string(), z.string()).optional();

const platformSchema = z.looseObject({
  os: z.string().max(100),
  architecture: z.string().max(100),
  variant: z.string().max(100).optional(),
  'os.version': z.string().max(200).optional(),
  'os.features': z.array(z.string().max(200)).max(MAX_ENTRIES).optional(),
});

const descriptorSchema = z.looseObject({
  mediaType: z.string().max(500),
  digest,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  urls: z.array(z.string().max(4096)).max(MAX_ENTRIES).optional(),
  annotations,
  platform: platformSchema.optional(),
  artifactType: z.string().max(500).optional(),
  data: z.string().optional(),
});

const imageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().max(500).optional(),
  artifactType: z.string().max(500).optional(),
  manifests: z.array(descriptorSchema).max(MAX_ENTRIES),
  subject: descriptorSchema.optional(),
  annotations,
});

const imageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().max(500).optional(),
  artifactType: z.string().max(500).optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema).max(MAX_ENTRIES),
  subject: descriptorSchema.optional(),
  annotations,
});

function invalid(what: string, where: string, error: z.ZodError): OciError {
  const issues = error.issues.slice(0, 10).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return new OciError({
    code: 'OCI_MANIFEST_INVALID',
    message: `${where} is not a valid ${what}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
    details: { reference: where, issues },
    cause: error,
  });
}

/** Validates an image index (or Docker manifest list). @throws OciError OCI_MANIFEST_INVALID */
export function parseImageIndex(json: unknown, where: string): ImageIndex {
  const r = imageIndexSchema.safeParse(json);
  if (!r.success) throw invalid('image index', where, r.error);
  return r.data;
}

/** Validates an image manifest (OCI or Docker schema2). @throws OciError OCI_MANIFEST_INVALID */
export function parseImageManifest(json: unknown, where: string): ImageManifest {
  const r = imageManifestSchema.safeParse(json);
  if (!r.success) throw invalid('image manifest', where, r.error);
  return r.data;
}

/** Validates one descriptor. @throws OciError OCI_MANIFEST_INVALID */
export function parseDescriptor(json: unknown, where: string): Descriptor {
  const r = descriptorSchema.safeParse(json);
  if (!r.success) throw invalid('descriptor', where, r.error);
  return r.data;
}
