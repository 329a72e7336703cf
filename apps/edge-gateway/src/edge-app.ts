// Composes one edge gateway: the shared runtime PluginManager, the proxy, the plugin sources (file, studio) and reload.
import { isPlugwayError, NOOP_LOGGER, type Logger } from '@plugway/core';
import { createPluginManager, type ManagerDeps, type PluginManager, type RuntimeSettingsInput } from '@plugway/runtime';
import { loadEdgeConfig } from './edge-config.js';
import { createGateway, type Gateway } from './gateway.js';
import { createEdgeMetrics, type EdgeMetrics } from './metrics.js';
import { fetchStudioPlugins, PluginSync, type ReloadedPlugin, type SyncReport } from './plugin-sync.js';

/** The part of `EdgeSettings` (from `@plugway/config` loadEdgeSettings) the app uses. */
export interface EdgeAppSettings {
  runtime: RuntimeSettingsInput;
  http: { host: string; port: number };
  configFile: string | undefined;
  upstreamUrl: string | undefined;
  studio: { url: string; token: string; syncIntervalMs: number } | undefined;
  dockerConfigPath?: string;
}

export interface EdgeApp {
  gateway: Gateway;
  manager: PluginManager;
  metrics: EdgeMetrics;
  sync: PluginSync;
  url: string;
  /** Re-reads the config file, syncs the studio once, then reloads every plugin without dropping requests. */
  reload(): Promise<{ file?: SyncReport; studio?: SyncReport; reloaded: ReloadedPlugin[] }>;
  /** One studio sync (the timer calls this). */
  syncStudio(): Promise<SyncReport | undefined>;
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
  const manager = createPluginManager(settings.runtime, {
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
    const report = await sync.setSource('file', cfg.plugins);
    metrics.syncs.inc({ source: 'file', result: report.failed.length ? 'partial' : 'ok' });
    logger.info('config file applied', { ...counts(report) });
    return report;
  };
  const syncStudio = async (): Promise<SyncReport | undefined> => {
    if (!settings.studio) return undefined;
    try {
      const report = await sync.setSource('studio', await fetchStudioPlugins(settings.studio, { env: deps.hostEnv ?? {} }));
      metrics.syncs.inc({ source: 'studio', result: report.failed.length ? 'partial' : 'ok' });
      if (report.added.length || report.removed.length || report.updated.length || report.failed.length) logger.info('studio plugins applied', { ...counts(report) });
      return report;
    } catch (e) {
      // Keep the current plugin set when the studio is unreachable.
      metrics.syncs.inc({ source: 'studio', result: 'error' });
      logger.warn('studio sync failed', { code: isPlugwayError(e) ? e.code : 'UNKNOWN', message: (e as Error).message });
      return undefined;
    }
  };

  const gateway = createGateway({ manager, upstreamUrl: settings.upstreamUrl, logger: logger.child({ component: 'proxy' }), metrics,
    onReload: async () => { const r = await app.reload(); deps.onAdminReload?.(); return r; } });
  await syncFile();
  await syncStudio();
  const addr = await gateway.listen(settings.http.port, settings.http.host);
  const timer = settings.studio ? setInterval(() => void syncStudio(), settings.studio.syncIntervalMs) : undefined;
  timer?.unref();

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
    syncStudio,
    async close() {
      if (timer) clearInterval(timer);
      await gateway.close();
      await manager.close();
    },
  };
  return app;
}

function counts(r: SyncReport): Record<string, number | string[]> {
  return { added: r.added.length, removed: r.removed.length, updated: r.updated.length, unchanged: r.unchanged.length, failed: r.failed.map((f) => `${f.id}:${f.code}`) };
}
