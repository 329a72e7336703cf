import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { DestinationStream } from 'pino';
import { describeSettings, type StudioSettings } from '@plugway/config';
import { PluginActivity } from './activity.js';
import { checkedPuller, type ChecksumBook } from './checksum.js';
import { createPino, createPluginManager, toLoggerPort, type PinoLogger, type PluginManager, type Resolver } from '@plugway/runtime';
import { resolveApiToken } from './api-token.js';
import { createApp } from './app.js';
import { createMetrics } from './metrics.js';
import { EdgeCredentials } from './edge-credentials.js';
import { PluginService } from './plugin-service.js';
import type { ThrottleOptions } from './security.js';
import { createPluginSchema, type CreatePluginInput } from './schemas.js';
import { openStore } from './store/open-store.js';
import type { PluginStore } from './store/plugin-store.js';

export interface StartOptions {
  /** Where pino writes (tests capture it); default stdout. */
  logDestination?: DestinationStream;
  /** Environment plugins may inherit PATH/HOME/… from (main passes process.env). */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** DNS resolver for the policy (tests). */
  resolve?: Resolver;
  /** How often a replica on a shared database compares itself with the store besides notifications (default 10 s). */
  reconcileIntervalMs?: number;
  /** Register this plugin when the database is empty (the demo). Failure is logged, never fatal. */
  /** Bad-token throttle (tests use a small one). */
  throttle?: ThrottleOptions;
  seed?: () => Promise<CreatePluginInput | undefined>;
}

export interface RunningStudio {
  url: string;
  port: number;
  server: Server;
  store: PluginStore;
  manager: PluginManager;
  service: PluginService;
  pino: PinoLogger;
  /** The admin token (for tests and the CLI; never logged). */
  token: string;
  /** The file the admin token was read from or written to; undefined when it came from STUDIO_API_TOKEN. */
  tokenFile: string | undefined;
  close(): Promise<void>;
}

/** Opens the store, registers stored plugins, serves the API; resolves once listening. */
export async function startStudio(settings: StudioSettings, opts: StartOptions = {}): Promise<RunningStudio> {
  const pino = createPino('studio', settings.logLevel, opts.logDestination);
  const logger = toLoggerPort(pino);
  pino.info({ settings: describeSettings(settings) }, 'studio starting');
  const tok = resolveApiToken(settings.apiToken);
  if (tok.source === 'generated') pino.warn({ path: tok.path }, 'no STUDIO_API_TOKEN set: generated an admin token and wrote it to the file (mode 0600); the token is not logged');
  else if (tok.source === 'file') pino.info({ path: tok.path }, 'admin token read from file');
  const store = await openStore(settings.database);
  const checksums: ChecksumBook = new Map();
  const activity = new PluginActivity();
  const runtimeLogger = activity.tee(logger.child({ component: 'runtime' }));
  const manager = createPluginManager(settings.runtime, {
    logger: runtimeLogger, hostEnv: opts.hostEnv ?? {}, dockerConfigPath: settings.dockerConfigPath,
    ...(opts.resolve ? { resolve: opts.resolve } : {}),
    wrapOciPuller: (puller) => checkedPuller(puller, checksums),
  });
  const service = new PluginService(store, manager, activity.tee(logger.child({ component: 'plugins' })), checksums, activity);
  try {
    await service.start(opts.reconcileIntervalMs !== undefined ? { reconcileIntervalMs: opts.reconcileIntervalMs } : {});
    if (opts.seed && (await store.count()) === 0) {
      const demo = await opts.seed().catch(() => undefined);
      if (demo) {
        await service.create(createPluginSchema.parse(demo)).then(
          (r) => pino.info({ plugin: r.plugin.id, slug: r.plugin.slug, state: r.plugin.status.state }, 'registered the demo plugin'),
          (e: unknown) => pino.warn({ code: (e as { code?: string }).code }, 'demo plugin not registered'),
        );
      }
    }
  } catch (e) {
    service.stop();
    await manager.close();
    await store.close();
    throw e;
  }
  const metrics = createMetrics(store, manager);
  const credentials = new EdgeCredentials(store, logger.child({ component: 'credentials' }));
  const app = createApp({ service, credentials, token: tok.token, metrics, logger, pino, ...(opts.throttle ? { throttle: opts.throttle } : {}) });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(settings.http.port, settings.http.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const host = settings.http.host.includes(':') ? `[${settings.http.host}]` : settings.http.host === '0.0.0.0' ? '127.0.0.1' : settings.http.host;
  const url = `http://${host}:${port}`;
  pino.info({ url }, 'studio listening');
  let closing: Promise<void> | undefined;
  return {
    url, port, server, store, manager, service, pino, token: tok.token, tokenFile: tok.path,
    close: () => (closing ??= (async () => {
      service.stop();
      await new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
      await manager.close();
      await store.close();
      pino.info('studio stopped');
    })()),
  };
}
