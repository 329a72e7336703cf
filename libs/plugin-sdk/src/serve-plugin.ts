import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { GO_PLUGIN_CORE_PROTOCOL_VERSION, GO_PLUGIN_HEALTH_SERVICE, gopluginpb, healthpb, pluginpb } from '@plugway/proto';
import type { Logger } from '@plugway/core';
import { createPluginLogger } from './plugin-logger.js';
import { configProviderMethods, pluginMethods as pluginMethodsOf, unimplementedStatus, type PluginServiceOptions } from './plugin-service.js';
import { GrpcServer, Status, type Codec } from './grpc-server.js';
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

// For methods whose request or response carries nothing we read (google.protobuf.Empty, unimplemented RPCs).
const NO_MESSAGE: Codec<unknown> = { decode: () => ({}), encode: (_m, w) => w! };

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

  const server = new GrpcServer();
  const pluginMethods = pluginMethodsOf({ ...opts, logger });
  for (const [key, def] of Object.entries(pluginpb.PluginServiceService)) {
    const m = pluginMethods[key as keyof typeof pluginMethods];
    if (m) server.unary(m.path, m.request, m.response, m.run, m.error);
    else server.unary(def.path, NO_MESSAGE, NO_MESSAGE, () => Promise.reject(unimplementedStatus(def.path)));
  }
  // go-plugin plugin "config": hosts load a plugin config-only through it (schema and manifest, no hooks).
  for (const m of configProviderMethods({ ...opts, logger })) server.unary(m.path, m.request, m.response, m.run, m.error);
  const SERVING = healthpb.HealthCheckResponse_ServingStatus;
  let health = SERVING.SERVING;
  const H = healthpb.HealthService;
  server.unary(H.check.path, healthpb.HealthCheckRequest, healthpb.HealthCheckResponse, (req) =>
    req.service === '' || req.service === GO_PLUGIN_HEALTH_SERVICE ? Promise.resolve({ status: health })
      : Promise.reject({ code: Status.NOT_FOUND, details: `unknown service "${req.service}"` }));
  server.serverStream(H.watch.path, healthpb.HealthCheckRequest, healthpb.HealthCheckResponse, (_req, call) => { call.write({ status: health }); call.end(); });
  // Plugin output stays on the real stdout/stderr pipes (the host reads those); the stream is held open, empty,
  // as go-plugin hosts ≥1.2 expect, and ended on shutdown (GrpcServer.close) so it never blocks draining.
  server.serverStream(gopluginpb.GRPCStdioService.streamStdio.path, NO_MESSAGE, gopluginpb.StdioData, () => undefined);

  const socket: { cleanup?: () => void } = {};
  let stopping: Promise<void> | undefined;
  let parentTimer: NodeJS.Timeout | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const graceMs = opts.shutdownGraceMs ?? 2000;
      health = SERVING.NOT_SERVING;
      if (parentTimer) clearInterval(parentTimer);
      // Drain in-flight calls first, then run the shutdown hook (it may flush what those calls produced).
      const drained = server.close(graceMs);
      // The listener is closed now; open connections do not need the socket file, so a host that loses patience
      // and SIGKILLs us during the drain still finds no socket left behind.
      socket.cleanup?.();
      await drained;
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
  server.unary(gopluginpb.GRPCControllerService.shutdown.path, gopluginpb.Empty, gopluginpb.Empty, async () => {
    setImmediate(() => stopAndExit('controller Shutdown'));
    return {};
  });

  const listening: Listening = await listen(server.http2, opts.network ?? 'unix', env, { mkdtemp: mkdtempSync, rm: (d) => rmSync(d, { recursive: true, force: true }), tmpdir });
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


