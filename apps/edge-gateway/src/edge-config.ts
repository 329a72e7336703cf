import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { pluginSpecSchema } from '@plugway/runtime';
import { EdgeError } from './error.js';
import { routeSchema } from './routes.js';

/**
 * The plugin definitions file (named by the EDGE_CONFIG_FILE variable): JSON,
 * `{ "upstream"?: url, "plugins": [PluginSpec…], "routes"?: [{ id, match: { pathPrefix?, host?, methods?, llm? }, plugins: [id…] }] }`.
 */
export const edgeConfigSchema = z.object({
  upstream: z.url({ protocol: /^https?$/ }).optional(),
  /** The LLM behind the upstream, passed to plugins as PluginContext.llm_id / llm_slug / vendor. */
  llm: z.object({ id: z.number().int().min(0).max(0xffff_ffff), slug: z.string().max(200).default(''), vendor: z.string().max(100).default('') }).strict().optional(),
  plugins: z.array(pluginSpecSchema).default([]),
  routes: z.array(routeSchema).default([]),
}).strict().superRefine((c, ctx) => {
  for (const key of ['plugins', 'routes'] as const) {
    const seen = new Set<string>();
    c[key].forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: [key, i, 'id'], message: `duplicate ${key === 'plugins' ? 'plugin' : 'route'} id "${p.id}"` });
      seen.add(p.id);
    });
  }
});
export type EdgeConfig = z.output<typeof edgeConfigSchema>;

/**
 * Reads and validates the plugin definitions file, reporting every issue at once.
 * @throws EdgeError EDGE_CONFIG_UNREADABLE, EDGE_CONFIG_INVALID (`details.issues: [{ path, message }]`)
 */
export async function loadEdgeConfig(path: string): Promise<EdgeConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new EdgeError({ code: 'EDGE_CONFIG_UNREADABLE', message: `cannot read the config file ${path}`, cause: e, details: { path } });
  }
  return parseEdgeConfig(text, path);
}

export function parseEdgeConfig(text: string, path = '<inline>'): EdgeConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new EdgeError({ code: 'EDGE_CONFIG_INVALID', message: `${path} is not valid JSON`, cause: e, details: { path, issues: [{ path: '', message: (e as Error).message }] } });
  }
  const r = edgeConfigSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new EdgeError({ code: 'EDGE_CONFIG_INVALID', message: `invalid config file ${path}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, details: { path, issues } });
  }
  return r.data;
}
