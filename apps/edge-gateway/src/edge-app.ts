// Composes one edge gateway: the shared runtime PluginManager, the proxy, the plugin sources (file, studio) and reload.
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, isPlugwayError, NOOP_LOGGER, type Logger } from '@plugway/core';
import type { ManagerDeps, PluginManager, PluginSpecInput, RuntimeSettingsInput } from '@plugway/runtime';
import { loadEdgeConfig } from './edge-config.js';
import { EdgePluginManager } from './edge-manager.js';
import { createGateway, type Gateway } from './gateway.js';
import { createEdgeMetrics, type EdgeMetrics } from './metrics.js';
import { fetchPluginSet, PluginSync, type ReloadedPlugin, type SourcePlugin, type SyncReport } from './plugin-sync.js';
import { loadPluginSet, savePluginSet } from './saved-plugin-set.js';

/** How long the studio may hold a sync request open before answering "unchanged" (long-poll). */
const LONG_POLL_SECONDS = 25;

/** The part of `EdgeSettings` (from `@plugway/config` loadEdgeSettings) the app uses. */
export interface EdgeAppSettings {
  runtime: RuntimeSettingsInput;
  http: { host: string; port: number };
  configFile: string | undefined;
  upstreamUrl: string | undefined;
  /** `syncIntervalMs` caps the retry delay while the studio is unreachable; changes arrive by long-poll. */
  studio: { url: string; token: string; syncIntervalMs: number; edgeId?: string } | undefined;
  /** Where the last studio plugin set is kept (`plugin-set.json`); without it a restart needs the studio. */
  dataDir?: string;
  dockerConfigPath?: string;
}

/** Where the studio plugins currently running came from, for /health. */
export interface PluginSetState {
  /** `studio`: received or confirmed by the studio; `saved`: read from the data dir at start (studio unreachable). */
  source: 'studio' | 'saved' | 'none';
  version: number | undefined;
  /** When the studio last sent or confirmed this set. */
  confirmedAt: number | undefined;
  studioReachable: boolean;
}

export interface EdgeApp {
  gateway: Gateway;
  manager: PluginManager;
  metrics: EdgeMetrics;
  sync: PluginSync;
  url: string;
  /** Re-reads the config file, syncs the studio once, then reloads every plugin without dropping requests. */
  reload(): Promise<{ file?: SyncReport; studio?: SyncReport; reloaded: ReloadedPlugin[] }>;
  /** One conditional studio sync (undefined when the studio could not be reached or refused). */
  syncStudio(): Promise<SyncReport | undefined>;
  pluginSet(): PluginSetState;
  close(): Promise<void>;
}

export interface EdgeAppDeps extends Pick<ManagerDeps, 'resolve' | 'hostEnv'> {
  logger?: Logger;
  defaultMetrics?: boolean;
  /** Called after a reload requested through `POST /admin/reload` (a cluster worker tells the primary). */
  onAdminReload?: () => void;
}

export async function startEdgeApp(settings: EdgeAppSettings, deps: EdgeAppDeps = {}): Promise<EdgeApp> {
  const logger = deps.logger ?? NOOP_LOGGER;
  const manager = new EdgePluginManager(settings.runtime, {
    logger: logger.child({ component: 'runtime' }), hostEnv: deps.hostEnv ?? {},
    ...(settings.dockerConfigPath ? { dockerConfigPath: settings.dockerConfigPath } : {}), ...(deps.resolve ? { resolve: deps.resolve } : {}),
  });
  const metrics = createEdgeMetrics(manager, { defaultMetrics: deps.defaultMetrics ?? true });
  const sync = new PluginSync(manager, logger.child({ component: 'sync' }));

  const syncFile = async (): Promise<SyncReport | undefined> => {
    if (!settings.configFile) return undefined;
    const cfg = await loadEdgeConfig(settings.configFile);
    if (!settings.upstreamUrl && cfg.upstream) gateway.setUpstream(cfg.upstream);
    gateway.setRoutes(cfg.routes);
    gateway.setLlm(cfg.llm);
    const report = await sync.setSource('file', cfg.plugins);
    metrics.syncs.inc({ source: 'file', result: report.failed.length ? 'partial' : 'ok' });
    logger.info('config file applied', { ...counts(report) });
    return report;
  };
  const set: PluginSetState = { source: 'none', version: undefined, confirmedAt: undefined, studioReachable: false };
  let studioSpecs: Array<PluginSpecInput | SourcePlugin> = [];
  const degraded = (): boolean => Boolean(settings.studio) && (set.source !== 'studio' || !set.studioReachable);
  const closing = new AbortController();

  const syncStudio = async (waitSeconds = 0): Promise<SyncReport | undefined> => {
    const studio = settings.studio;
    if (!studio) return undefined;
    try {
      const answer = await fetchPluginSet(studio, {
        waitSeconds, ...(set.version !== undefined ? { known: set.version } : {}),
        ...(studio.edgeId ? { report: { edgeId: studio.edgeId, appliedVersion: set.version ?? 0, status: degraded() ? 'degraded' : 'ok' } } : {}),
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(15_000 + waitSeconds * 1000)]), env: deps.hostEnv ?? {},
      });
      Object.assign(set, { studioReachable: true, source: 'studio', confirmedAt: Date.now() });
      if (answer.changed) studioSpecs = answer.plugins;
      const report = await sync.setSource('studio', studioSpecs);
      metrics.syncs.inc({ source: 'studio', result: report.failed.length ? 'partial' : 'ok' });
      if (report.added.length || report.removed.length || report.updated.length || report.failed.length) logger.info('studio plugins applied', { version: answer.version, ...counts(report) });
      if (answer.changed && set.version !== answer.version) {
        set.version = answer.version;
        if (settings.dataDir) {
          await savePluginSet(settings.dataDir, { version: answer.version, receivedAt: new Date(set.confirmedAt!).toISOString(), plugins: answer.plugins.map((p) => p.spec) })
            .catch((e: unknown) => logger.warn('could not save the plugin set', { dir: settings.dataDir, message: (e as Error).message }));
        }
      }
      return report;
    } catch (e) {
      // Keep the current plugin set when the studio is unreachable.
      set.studioReachable = false;
      if (closing.signal.aborted) return undefined;
      metrics.syncs.inc({ source: 'studio', result: 'error' });
      logger.warn('studio sync failed', { code: isPlugwayError(e) ? e.code : 'UNKNOWN', message: (e as Error).message });
      return undefined;
    }
  };

  /** The studio is unreachable at start: run the set saved by the last successful sync, marked degraded. */
  const startFromSaved = async (): Promise<void> => {
    if (!settings.studio || !settings.dataDir || set.version !== undefined) return;
    const saved = await loadPluginSet(settings.dataDir);
    if (!saved) { logger.warn('the studio is unreachable and no saved plugin set exists: starting without studio plugins'); return; }
    studioSpecs = saved.plugins;
    Object.assign(set, { source: 'saved', version: saved.version, confirmedAt: Date.parse(saved.receivedAt) });
    const report = await sync.setSource('studio', saved.plugins);
    logger.warn('the studio is unreachable: running the saved plugin set', { version: saved.version, receivedAt: saved.receivedAt, ...counts(report) });
  };

  // Long-poll loop: the studio answers when the set changes (or after LONG_POLL_SECONDS with 304); failures back off.
  const pollStudio = async (): Promise<void> => {
    for (let failures = 0; !closing.signal.aborted;) {
      const started = Date.now();
      // While degraded (saved set, studio was unreachable) ask without waiting: the first answer ends the degraded state.
      const report = await syncStudio(degraded() ? 0 : LONG_POLL_SECONDS);
      if (closing.signal.aborted) return;
      failures = report ? 0 : failures + 1;
      // Never spin: a failure waits with backoff, and an answer faster than 1 s (a studio that does not hold requests) paces the loop.
      const pause = report ? 1000 - (Date.now() - started) : backoffDelay(Math.min(failures, 10), 250, settings.studio!.syncIntervalMs);
      if (pause > 0) await sleep(pause, undefined, { signal: closing.signal }).catch(() => undefined);
    }
  };

  const gateway = createGateway({
    manager, upstreamUrl: settings.upstreamUrl, logger: logger.child({ component: 'proxy' }), metrics,
    onReload: async () => { const r = await app.reload(); deps.onAdminReload?.(); return r; },
    ...(settings.studio ? { health: () => healthOf(set, degraded()) } : {}),
  });
  await syncFile();
  await syncStudio();
  await startFromSaved();
  const addr = await gateway.listen(settings.http.port, settings.http.host);
  const polling = settings.studio ? pollStudio() : undefined;

  const app: EdgeApp = {
    gateway, manager, metrics, sync,
    url: `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`,
    async reload() {
      const file = await syncFile().catch((e: unknown) => {
        logger.error('config file reload failed; keeping the current plugins', { code: isPlugwayError(e) ? e.code : 'UNKNOWN', message: (e as Error).message });
        return undefined;
      });
      const studio = await syncStudio();
      // What the syncs just added or updated runs a new instance already; everything else is reloaded now.
      const fresh = new Set([file, studio].flatMap((r) => (r ? [...r.added, ...r.updated] : [])));
      const moved = new Map([file, studio].flatMap((r) => r?.moved ?? []).map(({ id, from, to }) => [id, { ...(from ? { from } : {}), ...(to ? { to } : {}) }]));
      const reloaded = (await sync.reloadAll(fresh)).map((r) => ({ ...r, ...moved.get(r.id) }));
      logger.info('plugins reloaded', { count: reloaded.length });
      return { ...(file ? { file } : {}), ...(studio ? { studio } : {}), reloaded };
    },
    syncStudio: () => syncStudio(),
    pluginSet: () => ({ ...set }),
    async close() {
      closing.abort();
      await polling;
      await gateway.close();
      await manager.close();
    },
  };
  return app;
}

function healthOf(set: PluginSetState, degraded: boolean): { degraded: boolean; pluginSet: Record<string, unknown> } {
  return {
    degraded,
    pluginSet: {
      source: set.source, version: set.version ?? null, studio: set.studioReachable ? 'reachable' : 'unreachable',
      ageSeconds: set.confirmedAt === undefined ? null : Math.max(0, Math.round((Date.now() - set.confirmedAt) / 1000)),
    },
  };
}

function counts(r: SyncReport): Record<string, number | string[]> {
  return { added: r.added.length, removed: r.removed.length, updated: r.updated.length, unchanged: r.unchanged.length, failed: r.failed.map((f) => `${f.id}:${f.code}`) };
}
