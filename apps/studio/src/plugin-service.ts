// Plugin lifecycle for the REST API: the store is the source of truth, the runtime's PluginManager runs what it holds.
import { isSecretKey, redact, redactUrl, type Logger } from '@plugway/core';
import type { PluginManager, PluginStatus, ReloadInfo } from '@plugway/runtime';
import { StudioError } from './errors.js';
import { checkChecksum, type ChecksumBook } from './checksum.js';
import { ociCommand, ociRefOf, slugFromName, type CreatePluginBody, type ListQuery, type UpdatePluginBody } from './schemas.js';
import type { NewPlugin, PluginPatch, PluginRecord, PluginStore } from './store/plugin-store.js';

export interface Finding { code: string; message: string; details?: Record<string, unknown> }

/** A plugin as the API shows it: config redacted by key name, command without credentials, runtime status. */
export interface PluginView extends Omit<PluginRecord, 'config'> {
  config: Record<string, unknown>;
  status: Omit<PluginStatus, 'id' | 'name' | 'slug' | 'hookType' | 'warnings'> | { state: 'unregistered'; error?: { code: string; message: string } };
}

// Commands are shown exactly as stored (the edge runs what it syncs), unless they carry userinfo or secret-looking query values.
function shownCommand(cmd: string): string {
  const secretParam = [...cmd.matchAll(/[?&]([^=&]*)=/g)].some((m) => isSecretKey(m[1]!));
  return /^[a-z]+:\/\/[^/?#]*@/i.test(cmd) || secretParam ? redactUrl(cmd) : cmd;
}

export class PluginService {
  /** Plugins in the store that the manager refused at startup (e.g. the policy changed since). */
  private readonly refused = new Map<number, { code: string; message: string }>();

  /** Operations on one plugin run one at a time (the manager's update is unregister + register). */
  private readonly locks = new Map<number, Promise<unknown>>();

  private withLock<T>(id: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    const tail = next.catch(() => undefined);
    this.locks.set(id, tail);
    void tail.then(() => { if (this.locks.get(id) === tail) this.locks.delete(id); });
    return next;
  }

  constructor(private readonly store: PluginStore, private readonly manager: PluginManager, private readonly logger: Logger, private readonly checksums: ChecksumBook = new Map()) {}

  private spec(r: PluginRecord) {
    return { id: String(r.id), name: r.name, slug: r.slug, command: r.command, hookType: r.hook_type, isActive: r.is_active, config: r.config };
  }

  /** `reveal`: real config values and command, for an edge credential only (the sync endpoint). */
  view(r: PluginRecord, reveal = false): PluginView {
    const id = String(r.id);
    let status: PluginView['status'];
    if (this.manager.has(id)) {
      const { id: _i, name: _n, slug: _s, hookType: _h, warnings: _w, ...rest } = this.manager.getStatus(id);
      status = rest;
    } else {
      const err = this.refused.get(r.id);
      status = { state: 'unregistered', ...(err ? { error: err } : {}) };
    }
    return reveal ? { ...r, status } : { ...r, command: shownCommand(r.command), config: redact(r.config), status };
  }

  /** Registers every stored plugin (startup); a refused one is kept in the store and reported in its status. */
  async loadAll(): Promise<void> {
    for (const r of await this.store.all()) {
      try {
        await this.admit(r);
        await this.manager.register(this.spec(r));
      } catch (e) {
        const err = { code: (e as { code?: string }).code ?? 'INTERNAL', message: (e as Error).message };
        this.refused.set(r.id, err);
        this.logger.warn('stored plugin refused at startup', { plugin: r.id, code: err.code });
      }
    }
  }

  // Parse + policy + checksum: a bad command never reaches the database and a wrong file never runs.
  private async admit(r: Pick<PluginRecord, 'command' | 'checksum'>): Promise<Finding[]> {
    const { command, decision } = await this.manager.checkAllowed(r.command);
    await checkChecksum(command, r.checksum);
    if (r.checksum !== null && command.scheme === 'oci') this.checksums.set(command.raw, r.checksum);
    return decision.warnings;
  }

  async create(body: CreatePluginBody): Promise<{ plugin: PluginView; warnings: Finding[] }> {
    const command = body.command ?? ociCommand(body.oci_reference!);
    const hookTypes = body.hook_types ?? [body.hook_type ?? 'pre_auth'];
    const hookType = body.hook_type ?? hookTypes[0]!;
    const rec: NewPlugin = {
      name: body.name, slug: body.slug ?? slugFromName(body.name), description: body.description, command, hook_type: hookType,
      hook_types: [hookType, ...hookTypes.filter((h) => h !== hookType)], plugin_type: body.plugin_type, is_active: body.is_active,
      oci_reference: body.oci_reference ?? null, namespace: body.namespace, checksum: body.checksum ?? null, config: body.config,
    };
    const admitted = await this.admit(rec);
    const row = await this.store.create(rec);
    if (!body.load_immediately) {
      this.logger.info('plugin created, not loaded', { plugin: row.id, slug: row.slug, hookType: row.hook_type });
      return { plugin: this.view(row), warnings: admitted };
    }
    try {
      const { warnings } = await this.manager.register(this.spec(row));
      this.logger.info('plugin created', { plugin: row.id, slug: row.slug, hookType: row.hook_type, scheme: command.split(':')[0], warnings: warnings.map((w) => w.code) });
      return { plugin: this.view(row), warnings };
    } catch (e) {
      await this.store.delete(row.id);
      throw e;
    }
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
    const row = (await this.store.update(id, patch))!;
    const sid = String(id);
    try {
      const res = this.manager.has(sid) ? await this.manager.update(sid, this.spec(row)) : await this.manager.register(this.spec(row));
      this.refused.delete(id);
      this.logger.info('plugin updated', { plugin: id, fields: Object.keys(body) });
      return { plugin: this.view(row), warnings: res.warnings };
    } catch (e) {
      await this.store.update(id, before);
      throw e;
    }
  }

  remove(id: number): Promise<void> {
    return this.withLock(id, () => this.removeNow(id));
  }

  private async removeNow(id: number): Promise<void> {
    await this.mustGet(id);
    const sid = String(id);
    if (this.manager.has(sid)) await this.manager.unregister(sid);
    await this.store.delete(id);
    this.refused.delete(id);
    this.logger.info('plugin deleted', { plugin: id });
  }

  /** A fresh instance; an oci:// tag is re-resolved, and `reload` tells the artifact digest before and after. */
  reload(id: number): Promise<{ plugin: PluginView; warnings: Finding[]; reload: ReloadInfo }> {
    return this.withLock(id, () => this.reloadNow(id));
  }

  private async reloadNow(id: number): Promise<{ plugin: PluginView; warnings: Finding[]; reload: ReloadInfo }> {
    const row = await this.mustGet(id);
    const sid = String(id);
    await this.admit(row); // the file may have changed since
    let warnings: Finding[];
    let reload: ReloadInfo;
    if (this.manager.has(sid)) {
      ({ warnings, reload } = await this.manager.reload(sid));
    } else {
      const res = await this.manager.register(this.spec(row));
      warnings = res.warnings;
      reload = { ...(res.plugin.artifactDigest ? { to: res.plugin.artifactDigest } : {}), changed: res.plugin.artifactDigest !== undefined };
      this.refused.delete(id);
    }
    this.logger.info('plugin reloaded', { plugin: id, ...reload });
    return { plugin: this.view(row), warnings, reload };
  }

  async health(id: number): Promise<{ id: number; state: string; health: string; pid?: number; restarts: number }> {
    await this.mustGet(id);
    const sid = String(id);
    if (!this.manager.has(sid)) return { id, state: 'unregistered', health: 'NOT_SERVING', restarts: 0 };
    return { id, ...(await this.manager.health(sid)) };
  }

  private async mustGet(id: number): Promise<PluginRecord> {
    const r = await this.store.get(id);
    if (!r) throw new StudioError({ code: 'STUDIO_NOT_FOUND', message: `no plugin with id ${id}`, details: { id } });
    return r;
  }
}
