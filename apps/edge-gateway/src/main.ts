// `npm run start -w @plugway/edge-gateway`: settings from the environment (@plugway/config loadEdgeSettings).
import { isPlugwayError } from '@plugway/core';
import { describeConfigError, describeSettings, loadEdgeSettings, type EdgeSettings } from '@plugway/config';
import { createPino, toLoggerPort } from '@plugway/runtime';
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
  logger.info('settings', describeSettings(settings));
  const app = await startEdgeApp(settings, { logger, hostEnv: process.env });
  logger.info('edge gateway listening', { url: app.url, upstream: settings.upstreamUrl ? new URL(settings.upstreamUrl).origin : undefined });
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reloading plugins');
    void app.reload().catch((e: unknown) => logger.error('reload failed', { message: (e as Error).message }));
  });
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
