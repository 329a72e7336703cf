// zod schemas for the registry's JSON (image manifests, indexes, descriptors): parsed, never cast.
// zod/mini, not the classic zod: the same checks, but it loads in a few ms where classic zod costs ~20 ms of every
// `plugway pull` start (bench: libs/oci/README.md "Benchmarks").
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { OciError } from '../error.js';
import type { Descriptor, ImageIndex, ImageManifest } from './types.js';

const MAX_ENTRIES = 1024;
const text = (max: number) => z.string().check(z.maxLength(max));
const digest = z.string().check(z.maxLength(200), z.regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a digest'));
const annotations = z.optional(z.record(z.string(), z.string()));

const platformSchema = z.looseObject({
  os: text(100),
  architecture: text(100),
  variant: z.optional(text(100)),
  'os.version': z.optional(text(200)),
  'os.features': z.optional(z.array(text(200)).check(z.maxLength(MAX_ENTRIES))),
});

const descriptorSchema = z.looseObject({
  mediaType: text(500),
  digest,
  size: z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER)),
  urls: z.optional(z.array(text(4096)).check(z.maxLength(MAX_ENTRIES))),
  annotations,
  platform: z.optional(platformSchema),
  artifactType: z.optional(text(500)),
  data: z.optional(z.string()),
});

const imageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.optional(text(500)),
  artifactType: z.optional(text(500)),
  manifests: z.array(descriptorSchema).check(z.maxLength(MAX_ENTRIES)),
  subject: z.optional(descriptorSchema),
  annotations,
});

const imageManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.optional(text(500)),
  artifactType: z.optional(text(500)),
  config: descriptorSchema,
  layers: z.array(descriptorSchema).check(z.maxLength(MAX_ENTRIES)),
  subject: z.optional(descriptorSchema),
  annotations,
});

/** The platform fields of an image config (`os`, `architecture`, `variant`); other fields are ignored. */
export const configPlatformSchema = z.looseObject({ os: text(100), architecture: text(100), variant: z.optional(text(100)) });

// zod/mini ships no messages; English ones are passed per parse (the global zod config is left alone).
const messages = { error: en().localeError };

/** `schema.safeParse` with English issue messages. */
export function safeParse<T>(schema: z.ZodMiniType<T>, json: unknown): { success: true; data: T } | { success: false; error: z.core.$ZodError } {
  return schema.safeParse(json, messages);
}

function invalid(what: string, where: string, error: z.core.$ZodError): OciError {
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
  const r = safeParse(imageIndexSchema, json);
  if (!r.success) throw invalid('image index', where, r.error);
  return r.data;
}

/** Validates an image manifest (OCI or Docker schema2). @throws OciError OCI_MANIFEST_INVALID */
export function parseImageManifest(json: unknown, where: string): ImageManifest {
  const r = safeParse(imageManifestSchema, json);
  if (!r.success) throw invalid('image manifest', where, r.error);
  return r.data;
}

/** Validates one descriptor. @throws OciError OCI_MANIFEST_INVALID */
export function parseDescriptor(json: unknown, where: string): Descriptor {
  const r = safeParse(descriptorSchema, json);
  if (!r.success) throw invalid('descriptor', where, r.error);
  return r.data;
}
