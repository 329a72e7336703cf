// `npm run start -w @plugway/edge-gateway`: settings from the environment (@plugway/config loadEdgeSettings).
// With EDGE_WORKERS > 1 this process becomes the node:cluster primary (cluster.ts) and each worker runs main() again.
import cluster from 'node:cluster';
import { isPlugwayError } from '@plugway/core';
import { describeConfigError, describeSettings, loadEdgeSettings, type EdgeSettings } from '@plugway/config';
import { createPino, toLoggerPort } from '@plugway/runtime';
import { parseClusterMessage, runPrimary, type ClusterMessage } from './cluster.js';
import { startEdgeApp } from './edge-app.js';

async function main(): Promise<void> {
  let settings: EdgeSettings;
  try {
    settings = loadEdgeSettings();
  } catch (e) {
    const refused = describeConfigError(e);
    if (refused === undefined) throw e;
    process.stderr.write(`edge-gateway: ${refused}`);
    process.exit(2);
  }
  const pino = createPino('edge-gateway', settings.logLevel);
  const logger = toLoggerPort(pino);
  if (settings.workers > 1 && cluster.isPrimary) {
    logger.info('settings', describeSettings(settings));
    runPrimary(settings.workers, logger);
    return;
  }
  const worker = cluster.isWorker ? cluster.worker : undefined;
  if (!worker) logger.info('settings', describeSettings(settings));
  const send = (m: ClusterMessage): void => { process.send?.(m); };
  const app = await startEdgeApp(settings, { logger: worker ? logger.child({ worker: worker.id }) : logger, hostEnv: process.env, ...(worker ? { onAdminReload: () => send({ type: 'reload-all' }) } : {}) });
  const reload = (): void => {
    void app.reload().catch((e: unknown) => logger.error('reload failed', { message: (e as Error).message }));
  };
  if (worker) {
    // The primary owns SIGHUP and forwards it as a message; a SIGHUP sent to the whole process group is ignored here.
    process.on('SIGHUP', () => undefined);
    process.on('message', (m: unknown) => { if (parseClusterMessage(m)?.type === 'reload') reload(); });
    send({ type: 'listening', url: app.url });
  } else {
    logger.info('edge gateway listening', { url: app.url, upstream: settings.upstreamUrl ? new URL(settings.upstreamUrl).origin : undefined });
    process.on('SIGHUP', () => {
      logger.info('SIGHUP: reloading plugins');
      reload();
    });
  }
  const stop = (sig: string): void => {
    logger.info('stopping', { signal: sig });
    void app.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  process.stderr.write(`edge-gateway: failed to start: ${isPlugwayError(e) ? `${e.code}: ${e.message}` : (e as Error)?.message}\n`);
  process.exit(1);
});
