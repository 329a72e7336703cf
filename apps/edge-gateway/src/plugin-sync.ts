// Keeps the manager's plugin set equal to a desired list (config file + studio), applying only the differences.
import { isPlugwayError, NOOP_LOGGER, REDACTED, type Logger } from '@plugway/core';
import type { PluginManager, PluginSpecInput, ReloadInfo } from '@plugway/runtime';
import { z } from 'zod';
import { EdgeError } from './error.js';

export interface SyncReport {
  added: string[];
  removed: string[];
  updated: string[];
  unchanged: string[];
  failed: Array<{ id: string; code: string; causeCode?: string }>;
  /** Plugins whose source runs another artifact under the same reference (also in `updated`): digest before and after here. */
  moved: Array<{ id: string } & ReloadInfo>;
}

/** A plugin as a source describes it, optionally with the artifact digest its oci:// reference resolved to there. */
export interface SourcePlugin {
  spec: PluginSpecInput;
  /** The studio's `status.artifactDigest`: when it differs from the one running here, the plugin is reloaded. */
  artifactDigest?: string;
}

/** One reloaded plugin: its state and, for oci://, the artifact digest before and after. */
export interface ReloadedPlugin {
  id: string;
  state: string;
  from?: string;
  to?: string;
}

/** Applies desired plugin sets from named sources; a source's plugins are replaced only by that source. */
export class PluginSync {
  private readonly applied = new Map<string, string>();
  private readonly sources = new Map<string, SourcePlugin[]>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly logger: Logger;

  constructor(private readonly manager: PluginManager, logger?: Logger) {
    this.logger = logger ?? NOOP_LOGGER;
  }

  /** Sets one source's plugins and applies the union of all sources (serialised: one apply at a time). */
  setSource(source: string, plugins: Array<PluginSpecInput | SourcePlugin>): Promise<SyncReport> {
    this.sources.set(source, plugins.map((p) => ('spec' in p ? p : { spec: p })));
    const run = this.queue.then(() => this.apply());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Reloads every running plugin (new instance, atomic switch, drain the old one): no request is dropped. Plugins in
   * `fresh` have just been started by a sync (added or updated); those that run are reported as they are, not
   * started a second time.
   */
  reloadAll(fresh: ReadonlySet<string> = new Set()): Promise<ReloadedPlugin[]> {
    const run = this.queue.then(async () => {
      const out: ReloadedPlugin[] = [];
      for (const p of this.manager.list()) {
        if (fresh.has(p.id) && p.state === 'running') { out.push({ id: p.id, state: p.state }); continue; }
        const r = await this.manager.reload(p.id);
        out.push({ id: p.id, state: r.state, ...(r.reload.from ? { from: r.reload.from } : {}), ...(r.reload.to ? { to: r.reload.to } : {}) });
      }
      return out;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(): Promise<SyncReport> {
    const desired = new Map<string, SourcePlugin>();
    for (const plugins of this.sources.values()) for (const p of plugins) desired.set(p.spec.id, p);
    const report: SyncReport = { added: [], removed: [], updated: [], unchanged: [], failed: [], moved: [] };
    for (const id of [...this.applied.keys()]) {
      if (desired.has(id)) continue;
      this.applied.delete(id);
      if (this.manager.has(id)) await this.manager.unregister(id);
      report.removed.push(id);
    }
    for (const [id, { spec, artifactDigest }] of desired) {
      const fp = JSON.stringify(spec);
      const before = this.applied.get(id);
      try {
        if (before === fp && this.manager.has(id)) {
          // Same spec; but the source may run another artifact under the same tag (a studio reload): follow it.
          const here = this.manager.getStatus(id);
          if (artifactDigest && here.artifactDigest && here.artifactDigest !== artifactDigest) {
            const { reload } = await this.manager.reload(id);
            report.updated.push(id);
            report.moved.push({ id, ...reload });
          } else report.unchanged.push(id);
          continue;
        }
        if (this.manager.has(id)) {
          await this.manager.update(id, spec);
          report.updated.push(id);
        } else {
          await this.manager.register(spec);
          report.added.push(id);
        }
        this.applied.set(id, fp);
      } catch (e) {
        // A refused plugin (bad command, policy denial) does not stop the others; it is retried on the next sync.
        this.applied.delete(id);
        const code = isPlugwayError(e) ? e.code : 'UNKNOWN';
        const causeCode = isPlugwayError(e) && typeof e.details?.['causeCode'] === 'string' ? e.details['causeCode'] : undefined;
        report.failed.push({ id, code, ...(causeCode ? { causeCode } : {}) });
        this.logger.error('plugin refused', { plugin: id, code, ...(causeCode ? { causeCode } : {}) });
      }
    }
    return report;
  }
}

const studioPluginSchema = z.object({
  id: z.union([z.number(), z.string()]),
  name: z.string(),
  slug: z.string(),
  command: z.string(),
  hook_type: z.string(),
  is_active: z.boolean(),
  config: z.record(z.string(), z.unknown()).default({}),
  plugin_type: z.string().optional(),
  status: z.object({ artifactDigest: z.string().regex(/^sha256:[a-f0-9]{64}$/).optional() }).loose().optional(),
}).loose();
const studioPageSchema = z.object({ data: z.array(studioPluginSchema), meta: z.object({ total_pages: z.number() }).loose() }).loose();

// `"${env:EDGE_SECRET_X}"` in a synced config is replaced by that variable of the edge's own environment, so a secret
// can stay out of the studio. Only EDGE_SECRET_* names: a studio admin must not read the edge's other variables.
const ENV_REF = /^\$\{env:(EDGE_SECRET_[A-Z0-9_]+)\}$/;

function resolveEnvRefs(v: unknown, env: Readonly<Record<string, string | undefined>>, missing: string[]): unknown {
  if (typeof v === 'string') {
    const m = ENV_REF.exec(v);
    if (!m) return v;
    const value = env[m[1]!];
    if (value === undefined) missing.push(m[1]!);
    return value ?? v;
  }
  if (Array.isArray(v)) return v.map((x) => resolveEnvRefs(x, env, missing));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveEnvRefs(x, env, missing)]));
  return v;
}

/**
 * Reads the gateway plugins (`plugin_type` gateway or absent) from a studio (`GET {url}/api/v1/plugins`, Bearer token,
 * all pages) as specs with ids `studio-<id>`, each with the artifact digest the studio runs (oci://), with
 * `${env:EDGE_SECRET_*}` config values taken from `opts.env`.
 * A plugin whose config arrives redacted (the token is an admin token, not an edge credential) fails the sync, so a
 * placeholder is never sent upstream as if it were the secret.
 * @throws EdgeError EDGE_SYNC_FAILED (`details.status`, `details.issues`, `details.redacted` or `details.missing`; never the token or a value)
 */
export async function fetchStudioPlugins(studio: { url: string; token: string }, opts: { signal?: AbortSignal; pageSize?: number; env?: Readonly<Record<string, string | undefined>> } = {}): Promise<SourcePlugin[]> {
  const out: SourcePlugin[] = [];
  const pageSize = opts.pageSize ?? 100;
  for (let page = 1, pages = 1; page <= pages && page <= 1000; page++) {
    const url = new URL(`api/v1/plugins?page=${page}&page_size=${pageSize}`, studio.url.endsWith('/') ? studio.url : `${studio.url}/`);
    let res: Response;
    try {
      res = await fetch(url, { headers: { authorization: `Bearer ${studio.token}`, accept: 'application/json' }, ...(opts.signal ? { signal: opts.signal } : { signal: AbortSignal.timeout(15_000) }) });
    } catch (e) {
      throw new EdgeError({ code: 'EDGE_SYNC_FAILED', message: `studio ${url.origin} is unreachable`, cause: e, details: { url: url.origin } });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new EdgeError({ code: 'EDGE_SYNC_FAILED', message: `studio answered ${res.status} for the plugin list`, details: { url: url.origin, status: res.status } });
    }
    const parsed = studioPageSchema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      throw new EdgeError({ code: 'EDGE_SYNC_FAILED', message: 'the studio plugin list has an unexpected shape', details: { url: url.origin, issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })) } });
    }
    pages = parsed.data.meta.total_pages;
    for (const p of parsed.data.data) {
      // Only gateway plugins run on the edge; ai_studio / agent plugins belong to the studio.
      if (p.plugin_type !== undefined && p.plugin_type !== 'gateway') continue;
      if (JSON.stringify(p.config).includes(REDACTED) || p.command.includes('REDACTED')) {
        throw new EdgeError({ code: 'EDGE_SYNC_FAILED', message: `plugin ${p.id} arrived with redacted secrets: sync with an edge credential (EDGE_STUDIO_CREDENTIAL), not an admin token`, details: { url: url.origin, redacted: p.id } });
      }
      const missing: string[] = [];
      const config = resolveEnvRefs(p.config, opts.env ?? {}, missing) as Record<string, unknown>;
      if (missing.length > 0) {
        throw new EdgeError({ code: 'EDGE_SYNC_FAILED', message: `plugin ${p.id} refers to unset edge variables: ${missing.join(', ')}`, details: { url: url.origin, plugin: p.id, missing } });
      }
      const spec: PluginSpecInput = { id: `studio-${p.id}`, name: p.name, slug: p.slug, command: p.command, hookType: p.hook_type as PluginSpecInput['hookType'], isActive: p.is_active, config };
      out.push({ spec, ...(p.status?.artifactDigest ? { artifactDigest: p.status.artifactDigest } : {}) });
    }
  }
  return out;
}
