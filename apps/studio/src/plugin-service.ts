// Plugin lifecycle for the REST API: the store is the source of truth, the runtime's PluginManager runs what it holds.
import { isSecretKey, redact, redactUrl, type Logger } from '@plugway/core';
import type { PluginManager, PluginStatus, ReloadInfo } from '@plugway/runtime';
import { StudioError } from './errors.js';
import { keepRedacted, PluginActivity } from './activity.js';
import { checkChecksum, type ChecksumBook } from './checksum.js';
import { ociCommand, ociRefOf, slugFromName, type CreatePluginBody, type ListQuery, type UpdatePluginBody } from './schemas.js';
import type { EdgeRecord, NewPlugin, PluginPatch, PluginRecord, PluginStore } from './store/plugin-store.js';

export interface Finding { code: string; message: string; details?: Record<string, unknown> }

/** A plugin as the API shows it: config redacted by key name, command without credentials, runtime status. */
export interface PluginView extends Omit<PluginRecord, 'config'> {
  config: Record<string, unknown>;
  status: Omit<PluginStatus, 'id' | 'name' | 'slug' | 'hookType'> | { state: 'unregistered'; error?: { code: string; message: string } };
}

// Commands are shown exactly as stored (the edge runs what it syncs), unless they carry userinfo or secret-looking query values.
function shownCommand(cmd: string): string {
  const secretParam = [...cmd.matchAll(/[?&]([^=&]*)=/g)].some((m) => isSecretKey(m[1]!));
  return /^[a-z]+:\/\/[^/?#]*@/i.test(cmd) || secretParam ? redactUrl(cmd) : cmd;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

const notFound = (id: number): StudioError => new StudioError({ code: 'STUDIO_NOT_FOUND', message: `no plugin with id ${id}`, details: { id } });

export class PluginService {
  /** Plugins in the store that the manager refused (e.g. the policy changed since they were stored). */
  private readonly refused = new Map<number, { code: string; message: string }>();

  /** The row version each plugin was last applied at on this replica (registered, updated, reloaded or refused). */
  private readonly applied = new Map<number, number>();

  /** Operations on one plugin run one at a time (the manager's update is unregister + register). */
  private readonly locks = new Map<number, Promise<unknown>>();

  private reconciling: Promise<void> | undefined;
  private knownVersion = -1;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private changed = deferred();

  private withLock<T>(id: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    const tail = next.catch(() => undefined);
    this.locks.set(id, tail);
    void tail.then(() => { if (this.locks.get(id) === tail) this.locks.delete(id); });
    return next;
  }

  constructor(private readonly store: PluginStore, private readonly manager: PluginManager, private readonly logger: Logger, private readonly checksums: ChecksumBook = new Map(), readonly activity: PluginActivity = new PluginActivity()) {}

  private spec(r: PluginRecord) {
    return {
      id: String(r.id), name: r.name, slug: r.slug, command: r.command, hookType: r.hook_type, isActive: r.is_active, config: r.config,
      ...(r.handshake ? { handshake: r.handshake } : {}), ...(r.sandbox ? { sandbox: r.sandbox } : {}),
    };
  }

  /** `reveal`: real config values and command, for an edge credential only (the sync endpoints). */
  view(r: PluginRecord, reveal = false): PluginView {
    const id = String(r.id);
    let status: PluginView['status'];
    if (this.manager.has(id)) {
      const { id: _i, name: _n, slug: _s, hookType: _h, ...rest } = this.manager.getStatus(id);
      status = rest;
    } else {
      const err = this.refused.get(r.id);
      status = { state: 'unregistered', ...(err ? { error: err } : {}) };
    }
    return reveal ? { ...r, status } : { ...r, command: shownCommand(r.command), config: redact(r.config), status };
  }

  // Parse + policy + checksum: a bad command never reaches the database and a wrong file never runs.
  private async admit(r: Pick<PluginRecord, 'command' | 'checksum'>): Promise<Finding[]> {
    const { command, decision } = await this.manager.checkAllowed(r.command);
    await checkChecksum(command, r.checksum);
    if (r.checksum !== null && command.scheme === 'oci') this.checksums.set(command.raw, r.checksum);
    return decision.warnings;
  }

  /**
   * Registers every stored plugin, then keeps this replica equal to the store: on every change another replica
   * announces (shared databases), after the announcement channel reconnected, and every `reconcileIntervalMs`.
   */
  async start(opts: { reconcileIntervalMs?: number } = {}): Promise<void> {
    await this.reconcile();
    if (!this.store.watch) return;
    this.unwatch = this.store.watch(() => void this.reconcile());
    this.timer = setInterval(() => void this.reconcile(), opts.reconcileIntervalMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.unwatch?.();
  }

  /** Resolves at the next change this replica applies or makes (for long-polling edges). */
  nextChange(): Promise<void> {
    return this.changed.promise;
  }

  private announce(): void {
    const done = this.changed;
    this.changed = deferred();
    done.resolve();
  }

  /** Makes the manager run exactly what the store holds; one pass at a time, repeated when asked for meanwhile. */
  reconcile(): Promise<void> {
    if (this.reconciling) { this.again = true; return this.reconciling; }
    this.reconciling = (async () => {
      do {
        this.again = false;
        await this.reconcileOnce().catch((e: unknown) => this.logger.warn('reconcile failed; retried on the next change or tick', { code: (e as { code?: string }).code ?? 'UNKNOWN', message: (e as Error).message }));
      } while (this.again);
    })().finally(() => { this.reconciling = undefined; });
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    const { version, plugins } = await this.store.snapshot();
    // Edges waiting on this replica hear of a change at once, not after this replica restarted its own plugins.
    if (version !== this.knownVersion) { this.knownVersion = version; this.announce(); }
    const stored = new Set(plugins.map((p) => p.id));
    const stale = plugins.filter((p) => (this.applied.get(p.id) ?? -1) < p.version).map((p) => p.id);
    const gone = [...this.applied.keys()].filter((id) => !stored.has(id));
    let changes = 0;
    // The snapshot may be older than a change this replica made meanwhile: each plugin is read again under its lock.
    for (const id of [...gone, ...stale]) {
      changes += await this.withLock(id, async () => {
        const row = await this.store.get(id);
        if (!row) return this.forget(id);
        if ((this.applied.get(id) ?? -1) >= row.version) return 0;
        try {
          await this.apply(row);
        } catch (e) {
          const err = { code: (e as { code?: string }).code ?? 'INTERNAL', message: (e as Error).message };
          this.refused.set(id, err);
          this.applied.set(id, row.version);
          this.logger.warn('stored plugin refused', { plugin: id, code: err.code });
        }
        return 1;
      });
    }
    if (changes) this.logger.info('plugins reconciled with the store', { changes });
  }

  /**
   * Registers or updates one plugin to the stored row (caller holds the lock); throws what the manager throws.
   * `admitted`: the caller has just run admit() on this row (policy + checksum), so it is not checked twice.
   */
  private async apply(row: PluginRecord, admitted = false): Promise<Finding[]> {
    const sid = String(row.id);
    if (!admitted) await this.admit(row);
    const res = this.manager.has(sid) ? await this.manager.update(sid, this.spec(row)) : await this.manager.register(this.spec(row));
    this.applied.set(row.id, row.version);
    this.refused.delete(row.id);
    return res.warnings;
  }

  private async forget(id: number): Promise<number> {
    const sid = String(id);
    const known = this.applied.delete(id);
    this.refused.delete(id);
    if (this.manager.has(sid)) { await this.manager.unregister(sid); return 1; }
    return known ? 1 : 0;
  }

  async create(body: CreatePluginBody): Promise<{ plugin: PluginView; warnings: Finding[] }> {
    const command = body.command ?? ociCommand(body.oci_reference!);
    const hookTypes = body.hook_types ?? [body.hook_type ?? 'pre_auth'];
    const hookType = body.hook_type ?? hookTypes[0]!;
    const rec: NewPlugin = {
      name: body.name, slug: body.slug ?? slugFromName(body.name), description: body.description, command, hook_type: hookType,
      hook_types: [hookType, ...hookTypes.filter((h) => h !== hookType)], plugin_type: body.plugin_type, is_active: body.is_active,
      oci_reference: body.oci_reference ?? null, namespace: body.namespace, checksum: body.checksum ?? null, config: body.config,
      handshake: body.handshake ?? null, sandbox: body.sandbox ?? null,
    };
    const admitted = await this.admit(rec);
    const row = await this.store.create(rec);
    if (!body.load_immediately) {
      // Stored, not started here (AI Studio's load_immediately=false); a reload or an update starts it.
      this.applied.set(row.id, row.version);
      this.announce();
      this.logger.info('plugin created, not loaded', { plugin: row.id, slug: row.slug, hookType: row.hook_type });
      return { plugin: this.view(row), warnings: admitted };
    }
    this.announce();
    return this.withLock(row.id, async () => {
      try {
        // A reconcile triggered by this very change may have registered it already.
        const warnings = (this.applied.get(row.id) ?? -1) >= row.version && this.manager.has(String(row.id)) ? this.manager.getStatus(String(row.id)).warnings : await this.apply(row, true);
        this.logger.info('plugin created', { plugin: row.id, slug: row.slug, hookType: row.hook_type, scheme: command.split(':')[0], warnings: warnings.map((w) => w.code) });
        return { plugin: this.view(row), warnings };
      } catch (e) {
        await this.store.delete(row.id);
        await this.forget(row.id);
        throw e;
      }
    });
  }

  /** Every plugin (as the API shows it) with the set version, for edges. */
  async pluginSet(reveal = false): Promise<{ version: number; plugins: PluginView[] }> {
    const snap = await this.store.snapshot();
    return { version: snap.version, plugins: snap.plugins.map((r) => this.view(r, reveal)) };
  }

  recordEdge(edge: EdgeRecord): Promise<void> {
    return this.store.recordEdge(edge);
  }

  listEdges(): Promise<EdgeRecord[]> {
    return this.store.listEdges();
  }

  async list(q: Pick<ListQuery, 'page' | 'hook_type' | 'is_active'> & { pageSize: number }, reveal = false): Promise<{ items: PluginView[]; total: number }> {
    const filter = { ...(q.hook_type ? { hook_type: q.hook_type } : {}), ...(q.is_active !== undefined ? { is_active: q.is_active } : {}) };
    const { items, total } = await this.store.list({ limit: q.pageSize, offset: (q.page - 1) * q.pageSize }, filter);
    return { items: items.map((r) => this.view(r, reveal)), total };
  }

  async get(id: number, reveal = false): Promise<PluginView> {
    return this.view(await this.mustGet(id), reveal);
  }

  update(id: number, body: UpdatePluginBody): Promise<{ plugin: PluginView; warnings: Finding[] }> {
    return this.withLock(id, () => this.updateNow(id, body));
  }

  private async updateNow(id: number, body: UpdatePluginBody): Promise<{ plugin: PluginView; warnings: Finding[] }> {
    const before = await this.mustGet(id);
    const patch: PluginPatch = { ...body };
    if (body.config !== undefined) patch.config = keepRedacted(body.config, before.config) as Record<string, unknown>;
    if (body.command === undefined && body.oci_reference) patch.command = ociCommand(body.oci_reference);
    // A new command alone re-derives oci_reference, so the pair never names two artifacts.
    if (body.command !== undefined && body.oci_reference === undefined) patch.oci_reference = ociRefOf(body.command) ?? null;
    if (body.hook_type !== undefined || body.hook_types !== undefined) {
      const list = body.hook_types ?? [...new Set([body.hook_type!, ...before.hook_types])];
      const primary = body.hook_type ?? (list.includes(before.hook_type) ? before.hook_type : list[0]!);
      Object.assign(patch, { hook_type: primary, hook_types: [primary, ...list.filter((h) => h !== primary)] });
    }
    const next: PluginRecord = { ...before, ...patch };
    if (patch.command !== undefined || patch.checksum !== undefined) await this.admit(next);
    const row = await this.store.update(id, patch);
    if (!row) throw notFound(id);
    this.announce();
    try {
      const warnings = await this.apply(row, patch.command !== undefined || patch.checksum !== undefined);
      this.logger.info('plugin updated', { plugin: id, fields: Object.keys(body) });
      return { plugin: this.view(row), warnings };
    } catch (e) {
      const restored = await this.store.update(id, before);
      if (restored) this.applied.set(id, restored.version);
      throw e;
    }
  }

  remove(id: number): Promise<void> {
    return this.withLock(id, () => this.removeNow(id));
  }

  private async removeNow(id: number): Promise<void> {
    await this.mustGet(id);
    await this.store.delete(id);
    this.announce();
    await this.forget(id);
    this.activity.forget(id);
    this.logger.info('plugin deleted', { plugin: id });
  }

  /** A fresh instance; an oci:// tag is re-resolved, and `reload` tells the artifact digest before and after. */
  reload(id: number): Promise<{ plugin: PluginView; warnings: Finding[]; reload: ReloadInfo }> {
    return this.withLock(id, () => this.reloadNow(id));
  }

  private async reloadNow(id: number): Promise<{ plugin: PluginView; warnings: Finding[]; reload: ReloadInfo }> {
    await this.admit(await this.mustGet(id)); // the file may have changed since
    // A new row version tells the other replicas and the edges to reload it too.
    const row = (await this.store.touch(id)) ?? (await this.mustGet(id));
    this.announce();
    const sid = String(id);
    let warnings: Finding[];
    let reload: ReloadInfo;
    if (this.manager.has(sid)) {
      ({ warnings, reload } = await this.manager.reload(sid));
      this.applied.set(id, row.version);
      if (reload.changed) {
        // The set the edges were just sent still names the old digest: publish the new one, so an edge's sync follows
        // it (the edge reloads when the studio's artifactDigest differs from its own). Applied here already.
        const moved = await this.store.touch(id);
        if (moved) this.applied.set(id, moved.version);
        this.announce();
      }
    } else {
      warnings = await this.apply(row, true);
      const st = this.manager.has(sid) ? this.manager.getStatus(sid) : undefined;
      reload = { ...(st?.artifactDigest ? { to: st.artifactDigest } : {}), changed: st?.artifactDigest !== undefined };
    }
    this.logger.info('plugin reloaded', { plugin: id, ...reload });
    return { plugin: this.view(row), warnings, reload };
  }

  async health(id: number): Promise<{ id: number; state: string; health: 'SERVING' | 'NOT_SERVING' | 'UNKNOWN'; pid?: number; restarts: number }> {
    await this.mustGet(id);
    const sid = String(id);
    const h = this.manager.has(sid) ? await this.manager.health(sid) : { state: 'unregistered', health: 'NOT_SERVING' as const, restarts: 0 };
    this.activity.recordHealth(id, h);
    return { id, ...h };
  }

  /** The plugin's config schema (parsed JSON), read config-only through its `config` service. */
  async configSchema(id: number): Promise<{ id: number; schema: unknown; via: string }> {
    const info = await this.configInfo(id);
    return { id, schema: parsePluginJson(info.schemaJson, 'config schema'), via: info.via };
  }

  /** The plugin's manifest (parsed JSON), read config-only through its `config` service. */
  async manifest(id: number): Promise<{ id: number; manifest: unknown; via: string }> {
    const info = await this.configInfo(id);
    return { id, manifest: parsePluginJson(info.manifestJson, 'manifest'), via: info.via };
  }

  private async configInfo(id: number): Promise<{ schemaJson: string; manifestJson: string; via: string }> {
    await this.mustGet(id);
    const sid = String(id);
    if (!this.manager.has(sid)) throw new StudioError({ code: 'STUDIO_PLUGIN_UNREGISTERED', message: `plugin ${id} is not registered with the runtime (see its status)` });
    return this.manager.configInfo(sid);
  }

  private async mustGet(id: number): Promise<PluginRecord> {
    const r = await this.store.get(id);
    if (!r) throw notFound(id);
    return r;
  }
}

function parsePluginJson(text: string, what: string): unknown {
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new StudioError({ code: 'STUDIO_PLUGIN_ANSWER_INVALID', message: `the plugin's ${what} is not valid JSON` });
  }
}
