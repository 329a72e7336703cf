import { z } from 'zod';
import { HOOK_TYPES } from '@plugway/runtime';
import { StudioError } from './errors.js';
import { PLUGIN_TYPES, pluginHandshakeSchema, pluginSandboxSchema } from './store/plugin-store.js';

const SLUG = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;
// AI Studio's checksum is a sha256 of the plugin file or artifact: 64 hex digits, `sha256:` prefix optional.
const CHECKSUM = /^(sha256:)?[0-9a-fA-F]{64}$/;

const pluginFields = {
  name: z.string().trim().min(1).max(200),
  slug: z.string().regex(SLUG, { error: 'lowercase letters, digits and dashes (1-64), not starting or ending with a dash' }),
  description: z.string().max(2000),
  command: z.string().trim().min(1).max(4096),
  hook_type: z.enum(HOOK_TYPES),
  hook_types: z.array(z.enum(HOOK_TYPES)).min(1).max(HOOK_TYPES.length).refine((l) => new Set(l).size === l.length, { error: 'hook_types has duplicates' }),
  plugin_type: z.enum(PLUGIN_TYPES),
  is_active: z.boolean(),
  namespace: z.string().trim().max(200),
  checksum: z.string().trim().regex(CHECKSUM, { error: 'a sha256 as 64 hex digits (optionally prefixed sha256:)' }).transform((s) => s.replace(/^sha256:/, '').toLowerCase()).nullable(),
  oci_reference: z.string().trim().min(1).max(4096).nullable(),
  config: z.record(z.string(), z.unknown()).refine((c) => JSON.stringify(c).length <= 64 * 1024, { error: 'config is larger than 64 KiB' }),
  handshake: pluginHandshakeSchema.nullable().describe("go-plugin handshake of a plugin built with its own magic cookie (null: AI Studio's AI_STUDIO_PLUGIN=v1, app protocol 1)"),
  sandbox: pluginSandboxSchema.nullable().describe("this plugin's own user, group and limits over the runtime's sandbox defaults (null: the defaults)"),
};

/** The effective command of an oci_reference: `oci://` is added when missing. */
export function ociCommand(ref: string): string {
  return ref.startsWith('oci://') ? ref : `oci://${ref}`;
}

/** The reference part of an oci:// command (no scheme, no query), or undefined for other schemes. */
export function ociRefOf(command: string): string | undefined {
  return command.startsWith('oci://') ? command.slice('oci://'.length).split('?')[0] : undefined;
}

/** True when `command` and `oci_reference` name the same artifact (or one of them is absent). */
export function ociPairAgrees(command: string | undefined, ref: string | null | undefined): boolean {
  return command === undefined || ref === undefined || ref === null || ociRefOf(command) === ociRefOf(ociCommand(ref));
}

/** AI Studio derives a slug from the name when none is given: lowercase, runs of other characters become one dash. */
export function slugFromName(name: string): string {
  const s = name.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 64).replace(/^-+|-+$/g, '');
  return s === '' ? 'plugin' : s;
}

const PAIR_MESSAGE = 'oci_reference names another artifact than command; give one of them, or the same reference in both';

/**
 * POST /api/v1/plugins body, with AI Studio's fields: only `name` and `command` (or `oci_reference`) are required;
 * `slug` comes from the name, `hook_type` from the first of `hook_types` (default pre_auth).
 */
export const createPluginSchema = z.object({
  name: pluginFields.name,
  slug: pluginFields.slug.optional(),
  description: pluginFields.description.default(''),
  command: pluginFields.command.optional(),
  hook_type: pluginFields.hook_type.optional(),
  hook_types: pluginFields.hook_types.optional(),
  plugin_type: pluginFields.plugin_type.default('gateway'),
  is_active: pluginFields.is_active.default(true),
  namespace: pluginFields.namespace.default(''),
  checksum: pluginFields.checksum.optional(),
  load_immediately: z.boolean().default(true).describe('false: stored now, started at the next reload or studio start'),
  oci_reference: pluginFields.oci_reference.optional(),
  config: pluginFields.config.default({}),
  handshake: pluginFields.handshake.optional(),
  sandbox: pluginFields.sandbox.optional(),
}).strict()
  .refine((b) => b.command !== undefined || (b.oci_reference ?? undefined) !== undefined, { error: 'command is required (or give oci_reference)', path: ['command'] })
  .refine((b) => ociPairAgrees(b.command, b.oci_reference), { error: PAIR_MESSAGE, path: ['oci_reference'] })
  .refine((b) => b.hook_type === undefined || b.hook_types === undefined || b.hook_types.includes(b.hook_type), { error: 'hook_type must be one of hook_types', path: ['hook_type'] });

/** PATCH /api/v1/plugins/{id} body: any subset of the fields. */
export const updatePluginSchema = z.object({
  name: pluginFields.name.optional(),
  slug: pluginFields.slug.optional(),
  description: pluginFields.description.optional(),
  command: pluginFields.command.optional(),
  hook_type: pluginFields.hook_type.optional(),
  hook_types: pluginFields.hook_types.optional(),
  plugin_type: pluginFields.plugin_type.optional(),
  is_active: pluginFields.is_active.optional(),
  namespace: pluginFields.namespace.optional(),
  checksum: pluginFields.checksum.optional(),
  oci_reference: pluginFields.oci_reference.optional(),
  config: pluginFields.config.optional(),
  handshake: pluginFields.handshake.optional(),
  sandbox: pluginFields.sandbox.optional(),
}).strict()
  .refine((b) => Object.keys(b).length > 0, { error: 'the body changes nothing' })
  .refine((b) => ociPairAgrees(b.command, b.oci_reference), { error: PAIR_MESSAGE, path: ['oci_reference'] })
  .refine((b) => b.hook_type === undefined || b.hook_types === undefined || b.hook_types.includes(b.hook_type), { error: 'hook_type must be one of hook_types', path: ['hook_type'] });

const queryBool = z.enum(['true', 'false']).transform((s) => s === 'true');

/** GET /api/v1/plugins query: `page` with `page_size` (or AI Studio's `limit`), filters `hook_type`, `is_active`. */
export const listQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).optional().describe('AI Studio name for page_size'),
  hook_type: pluginFields.hook_type.optional(),
  is_active: queryBool.optional(),
}).strict().refine((q) => q.limit === undefined || q.page_size === undefined || q.limit === q.page_size, { error: 'limit and page_size differ', path: ['limit'] });

/** POST /api/v1/edge-credentials body. */
export const createCredentialSchema = z.object({ name: z.string().trim().min(1).max(200) }).strict();

/** A plugin id as written in a path: canonical decimal only (no `1e0`, `0x1`, ` 1`, `01`, `1.0`). */
export const idParamSchema = z.string().regex(/^[1-9][0-9]{0,15}$/, { error: 'a plugin id is a positive decimal integer without sign, spaces or leading zeros' })
  .transform(Number).pipe(z.number().max(Number.MAX_SAFE_INTEGER));

export type CreatePluginBody = z.output<typeof createPluginSchema>;
export type CreatePluginInput = z.input<typeof createPluginSchema>;
export type UpdatePluginBody = z.output<typeof updatePluginSchema>;
export type ListQuery = z.output<typeof listQuerySchema>;

/** zod issues → `[{ path, code, message }]` (never the input values). */
export function issuesOf(err: z.ZodError): Array<{ path: string; code: string; message: string }> {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.'), code: i.code, message: i.message }));
}

/** Validates request input; @throws StudioError STUDIO_VALIDATION_FAILED with every issue. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new StudioError({ code: 'STUDIO_VALIDATION_FAILED', message: `invalid ${what}`, details: { issues: issuesOf(r.error) } });
  return r.data;
}
