import { z } from 'zod';
import { HOOK_TYPES } from '@plugway/runtime';
import { StudioError } from './errors.js';
import { PLUGIN_TYPES } from './store/plugin-store.js';

const SLUG = /^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;

const pluginFields = {
  name: z.string().trim().min(1).max(200),
  slug: z.string().regex(SLUG, { error: 'lowercase letters, digits and dashes (1-64), not starting or ending with a dash' }),
  description: z.string().max(2000),
  command: z.string().trim().min(1).max(4096),
  hook_type: z.enum(HOOK_TYPES),
  plugin_type: z.enum(PLUGIN_TYPES),
  is_active: z.boolean(),
  oci_reference: z.string().trim().min(1).max(4096).nullable(),
  config: z.record(z.string(), z.unknown()).refine((c) => JSON.stringify(c).length <= 64 * 1024, { error: 'config is larger than 64 KiB' }),
};

/** POST /api/v1/plugins body. `command` may be omitted when `oci_reference` is given. */
export const createPluginSchema = z.object({
  name: pluginFields.name,
  slug: pluginFields.slug,
  description: pluginFields.description.default(''),
  command: pluginFields.command.optional(),
  hook_type: pluginFields.hook_type,
  plugin_type: pluginFields.plugin_type.default('gateway'),
  is_active: pluginFields.is_active.default(true),
  oci_reference: pluginFields.oci_reference.optional(),
  config: pluginFields.config.default({}),
}).strict().refine((b) => b.command !== undefined || (b.oci_reference ?? undefined) !== undefined, { error: 'command is required (or give oci_reference)', path: ['command'] });

/** PATCH /api/v1/plugins/{id} body: any subset of the fields. */
export const updatePluginSchema = z.object({
  name: pluginFields.name.optional(),
  slug: pluginFields.slug.optional(),
  description: pluginFields.description.optional(),
  command: pluginFields.command.optional(),
  hook_type: pluginFields.hook_type.optional(),
  plugin_type: pluginFields.plugin_type.optional(),
  is_active: pluginFields.is_active.optional(),
  oci_reference: pluginFields.oci_reference.optional(),
  config: pluginFields.config.optional(),
}).strict().refine((b) => Object.keys(b).length > 0, { error: 'the body changes nothing' });

export const listQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(20),
}).strict();

export const idParamSchema = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/** The effective command of an oci_reference: `oci://` is added when missing. */
export function ociCommand(ref: string): string {
  return ref.startsWith('oci://') ? ref : `oci://${ref}`;
}

export type CreatePluginBody = z.output<typeof createPluginSchema>;
export type UpdatePluginBody = z.output<typeof updatePluginSchema>;

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
