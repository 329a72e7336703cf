// Keeps the manager's plugin set equal to a desired list (config file + studio), applying only the differences.
import { isPlugwayError, NOOP_LOGGER, REDACTED, type Logger } from '@plugway/core';
import { pluginSandboxSchema, pluginSpecSchema, type PluginSpecInput, type ReloadInfo } from '@plugway/runtime';
import { z } from 'zod';
import type { EdgePluginManager } from './edge-manager.js';
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

  constructor(private readonly manager: EdgePluginManager, logger?: Logger) {
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
        // A plugin that could not be registered (listed as blocked) has no instance to reload; the next sync retries it.
        if (!this.manager.has(p.id) || (fresh.has(p.id) && p.state === 'running')) { out.push({ id: p.id, state: p.state }); continue; }
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
      this.manager.unblock(id);
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
        this.manager.unblock(id);
      } catch (e) {
        // A refused plugin (bad command, policy denial) does not stop the others; it is retried on the next sync.
        // Until then it stays in its chain as unavailable: fail-closed, its traffic is refused rather than let through.
        this.applied.delete(id);
        const code = isPlugwayError(e) ? e.code : 'UNKNOWN';
        const causeCode = isPlugwayError(e) && typeof e.details?.['causeCode'] === 'string' ? e.details['causeCode'] : undefined;
        if (this.manager.has(id)) await this.manager.unregister(id).catch(() => undefined);
        this.manager.block(spec, { code, message: (e as Error).message, ...(causeCode ? { causeCode } : {}) });
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
  // The runtime's own schemas: a studio plugin's go-plugin handshake and sandbox overrides run on the edge as well.
  handshake: pluginSpecSchema.shape.handshake.nullable(),
  sandbox: pluginSandboxSchema.nullish(),
  status: z.object({ artifactDigest: z.string().regex(/^sha256:[a-f0-9]{64}$/).optional() }).loose().optional(),
}).loose();
const pluginSetSchema = z.object({ version: z.number().int().nonnegative(), data: z.array(studioPluginSchema) }).loose();

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

/** What the edge tells the studio about itself on every fetch (the studio lists it under `GET /api/v1/edges`). */
export interface EdgeReport { edgeId: string; appliedVersion: number; status: 'ok' | 'degraded' }

/** A studio answer: the set changed (`plugins` are the gateway plugins, ids `studio-<id>`) or is still `known`. */
export type PluginSetAnswer = { changed: true; version: number; plugins: SourcePlugin[] } | { changed: false; version: number };

/**
 * Fetches the studio's plugin set (`GET {url}/api/v1/plugin-set`, Bearer token) conditionally: with `known` the
 * studio answers 304 when nothing changed, and with `waitSeconds` it holds the request until a change (long-poll).
 * Only gateway plugins (`plugin_type` gateway or absent) are returned; ai_studio / agent plugins belong to the studio.
 * Each carries the artifact digest the studio runs (oci://); `${env:EDGE_SECRET_*}` config values are taken from
 * `opts.env`. A plugin whose config arrives redacted (the token is an admin token, not an edge credential) fails the
 * sync, so a placeholder is never sent upstream as if it were the secret.
 * @throws EdgeError EDGE_SYNC_FAILED (`details.status`, `details.issues`, `details.redacted` or `details.missing`; never the token or a value)
 */
export async function fetchPluginSet(
  studio: { url: string; token: string },
  opts: { known?: number; waitSeconds?: number; report?: EdgeReport; signal?: AbortSignal; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<PluginSetAnswer> {
  const wait = opts.waitSeconds ?? 0;
  const url = new URL(`api/v1/plugin-set${wait ? `?wait=${wait}` : ''}`, studio.url.endsWith('/') ? studio.url : `${studio.url}/`);
  const headers: Record<string, string> = { authorization: `Bearer ${studio.token}`, accept: 'application/json' };
  if (opts.known !== undefined) headers['if-none-match'] = `"v${opts.known}"`;
  if (opts.report) {
    headers['x-plugway-edge-id'] = opts.report.edgeId;
    headers['x-plugway-edge-applied'] = String(opts.report.appliedVersion);
    headers['x-plugway-edge-status'] = opts.report.status;
  }
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: opts.signal ?? AbortSignal.timeout(15_000 + wait * 1000) });
  } catch (e) {
    throw new EdgeError({ code: 'EDGE_SYNC_FAILED', message: `studio ${url.origin} is unreachable`, cause: e, details: { url: url.origin } });
  }
  if (res.status === 304 && opts.known !== undefined) return { changed: false, version: opts.known };
  if (!res.ok) {
    await res.body?.cancel();
    throw new EdgeError({ code: 'EDGE_SYNC_FAILED', message: `studio answered ${res.status} for the plugin set`, details: { url: url.origin, status: res.status } });
  }
  const parsed = pluginSetSchema.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) {
    throw new EdgeError({ code: 'EDGE_SYNC_FAILED', message: 'the studio plugin set has an unexpected shape', details: { url: url.origin, issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })) } });
  }
  if (parsed.data.version === opts.known) return { changed: false, version: opts.known };
  const plugins: SourcePlugin[] = [];
  for (const p of parsed.data.data) {
    // Only gateway plugins run on the edge; ai_studio / agent plugins belong to the studio.
    if (p.plugin_type !== undefined && p.plugin_type !== 'gateway') continue;
    if (JSON.stringify(p.config).includes(REDACTED) || p.command.includes('REDACTED')) {
      throw new EdgeError({ code: 'EDGE_SYNC_FAILED', message: `plugin ${p.id} arrived with redacted secrets: sync with an edge credential (EDGE_STUDIO_CREDENTIAL), not an admin token`, details: { url: url.origin, redacted: p.id } });
    }
    const missing: string[] = [];
    const config = resolveEnvRefs(p.config, opts.env ?? {}, missing);
    if (missing.length > 0 || !isRecord(config)) {
      throw new EdgeError({ code: 'EDGE_SYNC_FAILED', message: `plugin ${p.id} refers to unset edge variables: ${missing.join(', ')}`, details: { url: url.origin, plugin: p.id, missing } });
    }
    const spec: PluginSpecInput = { id: `studio-${p.id}`, name: p.name, slug: p.slug, command: p.command, hookType: p.hook_type as PluginSpecInput['hookType'], isActive: p.is_active, config,
      ...(p.handshake ? { handshake: p.handshake } : {}), ...(p.sandbox ? { sandbox: p.sandbox } : {}) };
    plugins.push({ spec, ...(p.status?.artifactDigest ? { artifactDigest: p.status.artifactDigest } : {}) });
  }
  return { changed: true, version: parsed.data.version, plugins };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
