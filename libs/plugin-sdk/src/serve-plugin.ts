import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { GO_PLUGIN_CORE_PROTOCOL_VERSION, GO_PLUGIN_HEALTH_SERVICE, configproviderpb, gopluginpb, healthpb, pluginpb } from '@plugway/proto';
import type { Logger } from '@plugway/core';
import { createPluginLogger } from './plugin-logger.js';
import { configProviderImpl, pluginServiceImpl, type PluginServiceOptions } from './plugin-service.js';
import { checkServeOptions, warnOnVersionMismatch, NOT_A_PROGRAM, type HandshakeOptions } from './handshake.js';
import { listen, type Listening } from './listen.js';

export interface ServeOptions extends PluginServiceOptions {
  /** go-plugin handshake; default `SDK_DEFAULT_HANDSHAKE` (the same as @plugway/plugin-host's and AI Studio's). */
  handshake?: HandshakeOptions;
  /** Environment the handshake is read from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** 'unix' (default, as go-plugin on Unix) or 'tcp' on 127.0.0.1 within PLUGIN_MIN_PORT..PLUGIN_MAX_PORT. */
  network?: 'unix' | 'tcp';
  /** How long in-flight calls may finish on shutdown before the server is closed hard (default 2000 ms). */
  shutdownGraceMs?: number;
  /** Exit when the host process goes away (default true), so a killed host leaves no orphan plugin behind. */
  exitWithParent?: boolean;
}

export interface RunningPlugin {
  /** The line printed on stdout, e.g. `1|1|unix|/tmp/plugin-x/plugin.sock|grpc`. */
  handshakeLine: string;
  network: 'unix' | 'tcp';
  /** Socket path or 127.0.0.1:port. */
  address: string;
  logger: Logger;
  /** Graceful stop (NOT_SERVING, shutdown hook, drain, remove the socket); does not exit the process. */
  stop(): Promise<void>;
}

/** The process the plugin runs in; replaced in tests. */
export interface ServeIo {
  stdout(line: string): void;
  stderr(text: string): void;
  exit(code: number): never;
  onSignal(signal: 'SIGTERM' | 'SIGINT', fn: () => void): void;
  parentGone(): boolean;
}

const PROCESS_IO: ServeIo = {
  stdout: (line) => void process.stdout.write(line),
  stderr: (text) => void process.stderr.write(text),
  exit: (code) => process.exit(code),
  onSignal: (signal, fn) => void process.on(signal, fn),
  // Orphaned processes are re-parented (to init or a subreaper), so the parent pid changes.
  parentGone: (() => { const first = process.ppid; return () => process.ppid !== first; })(),
};

/**
 * Serves a plugin over the hashicorp go-plugin protocol, the way `plugin.Serve` does in Go: checks the magic cookie
 * (missing or wrong → go-plugin's "This binary is a plugin…" on stderr and exit 1), negotiates
 * PLUGIN_PROTOCOL_VERSIONS, listens on a unix socket (or tcp), serves `plugin.PluginService`,
 * `config_provider.ConfigProviderService`, `grpc.health.v1.Health`
 * ("plugin" → SERVING), `plugin.GRPCController` and `plugin.GRPCStdio`, and prints `1|<app>|<network>|<addr>|grpc`.
 * Exits 0 after the controller's Shutdown or SIGTERM; ignores SIGINT like go-plugin (the host handles Ctrl-C).
 * @throws SdkError SDK_INVALID_OPTIONS, SDK_BIND_FAILED
 */
export function servePlugin(opts: ServeOptions): Promise<RunningPlugin> {
  return serve(opts, PROCESS_IO);
}

export async function serve(opts: ServeOptions, io: ServeIo): Promise<RunningPlugin> {
  const hs = checkServeOptions(opts);
  const env = opts.env ?? process.env;
  if (env[hs.magicCookieKey] !== hs.magicCookieValue) {
    io.stderr(NOT_A_PROGRAM);
    io.exit(1);
  }
  const name = typeof opts.manifest?.name === 'string' ? opts.manifest.name : undefined;
  const logger = opts.logger ?? createPluginLogger({ ...(name ? { name } : {}), write: (l) => io.stderr(l) });
  // go-plugin serves its own app version even when the host did not offer it, and lets the host refuse.
  const version = hs.appProtocolVersion;
  warnOnVersionMismatch(env.PLUGIN_PROTOCOL_VERSIONS, version, logger);

  const server = new grpc.Server();
  server.addService(pluginpb.PluginServiceService, pluginServiceImpl({ ...opts, logger }));
  // go-plugin plugin "config": hosts load a plugin config-only through it (schema and manifest, no hooks).
  server.addService(configproviderpb.ConfigProviderServiceService, configProviderImpl({ ...opts, logger }));
  const SERVING = healthpb.HealthCheckResponse_ServingStatus;
  let health = SERVING.SERVING;
  server.addService(healthpb.HealthService, {
    check: (call: grpc.ServerUnaryCall<healthpb.HealthCheckRequest, healthpb.HealthCheckResponse>, cb: grpc.sendUnaryData<healthpb.HealthCheckResponse>) =>
      ['', GO_PLUGIN_HEALTH_SERVICE].includes(call.request.service) ? cb(null, { status: health }) : cb({ code: grpc.status.NOT_FOUND, details: `unknown service "${call.request.service}"` }),
    watch: (call: grpc.ServerWritableStream<healthpb.HealthCheckRequest, healthpb.HealthCheckResponse>) => { call.write({ status: health }); call.end(); },
  });
  const stdio = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  server.addService(gopluginpb.GRPCStdioService, {
    // Plugin output stays on the real stdout/stderr pipes (the host reads those); the stream is held open, empty,
    // as go-plugin hosts ≥1.2 expect, and ended on shutdown so it never blocks draining.
    streamStdio: (call: grpc.ServerWritableStream<unknown, unknown>) => { stdio.add(call); call.on('cancelled', () => stdio.delete(call)); },
  });

  const socket: { cleanup?: () => void } = {};
  let stopping: Promise<void> | undefined;
  let parentTimer: NodeJS.Timeout | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const graceMs = opts.shutdownGraceMs ?? 2000;
      health = SERVING.NOT_SERVING;
      if (parentTimer) clearInterval(parentTimer);
      for (const s of stdio) s.end();
      // Drain in-flight calls first, then run the shutdown hook (it may flush what those calls produced).
      await new Promise<void>((resolve) => {
        const hard = setTimeout(() => { server.forceShutdown(); resolve(); }, graceMs);
        server.tryShutdown(() => { clearTimeout(hard); resolve(); });
        // The listener is closed now; open connections do not need the socket file, so a host that loses patience
        // and SIGKILLs us during the drain still finds no socket left behind.
        socket.cleanup?.();
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        (async () => opts.hooks.shutdown?.())().catch((e: unknown) => logger.warn('shutdown hook failed', { error: e })),
        new Promise<void>((resolve) => { timer = setTimeout(() => { logger.warn('shutdown hook did not finish in time', { graceMs }); resolve(); }, graceMs); }),
      ]);
      clearTimeout(timer);
    })();
    return stopping;
  };
  const stopAndExit = (why: string): void => {
    logger.info('plugin shutting down', { reason: why });
    void stop().finally(() => io.exit(0));
  };
  server.addService(gopluginpb.GRPCControllerService, {
    shutdown: (_c: unknown, cb: grpc.sendUnaryData<gopluginpb.Empty>) => { cb(null, {}); setImmediate(() => stopAndExit('controller Shutdown')); },
  });

  const listening: Listening = await listen(server, opts.network ?? 'unix', env, { mkdtemp: mkdtempSync, rm: (d) => rmSync(d, { recursive: true, force: true }), tmpdir });
  socket.cleanup = listening.cleanup;
  const handshakeLine = `${GO_PLUGIN_CORE_PROTOCOL_VERSION}|${version}|${listening.network}|${listening.address}|grpc`;
  io.stdout(handshakeLine + '\n');
  io.onSignal('SIGTERM', () => stopAndExit('SIGTERM'));
  io.onSignal('SIGINT', () => logger.debug('plugin received interrupt; ignoring it (the host decides when plugins stop)'));
  if (opts.exitWithParent ?? true) {
    parentTimer = setInterval(() => { if (io.parentGone()) stopAndExit('host process went away'); }, 1000);
    parentTimer.unref();
  }
  logger.debug('plugin serving', { network: listening.network, address: listening.address, appProtocolVersion: version });
  return { handshakeLine, network: listening.network, address: listening.address, logger, stop };
}


