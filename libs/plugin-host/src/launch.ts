import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { GO_PLUGIN_HEALTH_SERVICE, GO_PLUGIN_LEGACY_COOKIE, gopluginpb } from '@plugway/proto';
import { NOOP_LOGGER, type Logger } from '@plugway/core';
import { PluginHostError } from './error.js';
import { DEFAULT_HANDSHAKE, parseHandshakeLine, type HandshakeConfig, type HandshakeLine } from './handshake.js';
import { buildChildEnv } from './child-env.js';
import { GrpcConnection, type PluginConnection } from './connection.js';
import { forwardPluginLog } from './plugin-log.js';
import { readStdio, runBroker } from './go-plugin-services.js';
import { track, untrack } from './reaper.js';
import { spawnPluginProcess, type PluginProcess, type SpawnVia } from './spawner.js';
import { prepareSandboxedSpawn, type AppliedSandbox, type SandboxPlan } from './sandbox.js';

export interface LaunchOptions {
  /** Absolute path of the plugin executable (the policy's realpath). */
  path: string;
  args?: string[];
  /** Extra environment for the plugin; the host's own environment is NOT inherited beyond PATH/HOME/LANG/TZ/TMPDIR. */
  env?: Record<string, string>;
  /** Host environment to take PATH etc. from (default: none — pass `process.env` from the app). */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  id?: string;
  handshake?: HandshakeConfig;
  startupTimeoutMs?: number;
  callTimeoutMs?: number;
  /** Time the plugin gets to exit after the controller Shutdown before SIGTERM, and after SIGTERM before SIGKILL. */
  shutdownTimeoutMs?: number;
  logger?: Logger;
  /** Run with least privilege (uid/gid, private working directory, limits, umask 077, stdio only): see resolveSandbox. */
  sandbox?: SandboxPlan;
  /** Told what the sandboxed process got, before the handshake is read. */
  onSandbox?: (applied: AppliedSandbox) => void;
  /**
   * Where the plugin process is started from (default `'worker'`): a worker thread of the host, so the host's main
   * thread runs no child-process or stream code for plugins; `'direct'`: the calling thread.
   */
  spawnVia?: SpawnVia;
}

/** What the host keeps of a plugin's stderr for a start-up error: the last lines, at most this many bytes. */
const STDERR_KEEP_BYTES = 8 * 1024;

/**
 * Starts a go-plugin executable, reads its handshake, connects over gRPC and checks grpc.health.v1 ("plugin").
 * @throws PluginHostError PLUGIN_INVALID_OPTIONS, PLUGIN_SANDBOX_FAILED, PLUGIN_SPAWN_FAILED, PLUGIN_HANDSHAKE_FAILED, PLUGIN_HANDSHAKE_TIMEOUT,
 *   PLUGIN_PROTOCOL_UNSUPPORTED, PLUGIN_EXITED, PLUGIN_CONNECT_FAILED, PLUGIN_UNHEALTHY
 */
export async function launchPlugin(opts: LaunchOptions): Promise<PluginConnection> {
  if (!opts.path || !opts.path.startsWith('/')) {
    throw new PluginHostError({ code: 'PLUGIN_INVALID_OPTIONS', message: `plugin path must be absolute, got "${opts.path}"` });
  }
  const handshake = opts.handshake ?? DEFAULT_HANDSHAKE;
  const id = opts.id ?? randomUUID();
  const logger = (opts.logger ?? NOOP_LOGGER).child({ plugin: id });
  const startupTimeoutMs = opts.startupTimeoutMs ?? 10_000;
  const env = buildChildEnv({ handshake, hostEnv: opts.hostEnv ?? {}, ...(opts.env ? { pluginEnv: opts.env } : {}) });

  const run = opts.sandbox
    ? await prepareSandboxedSpawn(id, opts.path, opts.args ?? [], env, opts.sandbox)
    : { command: opts.path, args: opts.args ?? [], env, cwd: opts.cwd, cleanup: async () => undefined };
  let child: PluginProcess;
  try {
    child = spawnPluginProcess({ command: run.command, args: run.args, env: run.env, cwd: run.cwd, ...('uid' in run ? { uid: run.uid, gid: run.gid } : {}) }, opts.spawnVia);
  } catch (cause) {
    await run.cleanup();
    throw spawnFailed(opts.path, cause as Error);
  }
  track(child);
  // The working directory goes with the process. A stop and a failed start wait for it, so a host that exits right after
  // stopping its plugins (SIGTERM) leaves nothing behind in PLUGIN_WORK_DIR.
  let cleaning: Promise<void> | undefined;
  const clean = (): Promise<void> => (cleaning ??= run.cleanup());
  child.once('exit', () => void clean()).once('error', () => void clean());
  if ('applied' in run) opts.onSandbox?.(run.applied);
  const stderrTail = new StderrTail(STDERR_KEEP_BYTES);
  child.on('line', (fd: 1 | 2, line: string) => {
    if (fd !== 2) return;
    stderrTail.push(line);
    forwardPluginLog(logger, 'stderr', line);
  });

  let info: HandshakeLine;
  try {
    info = await readHandshake(child, handshake, cookieSent(env, handshake), startupTimeoutMs, stderrTail, opts.path, logger);
  } catch (e) {
    await killHard(child);
    await clean();
    throw e;
  }
  logger.debug('plugin handshake', { network: info.network, address: info.address, appVersion: info.appVersion });

  const target = info.network === 'unix' ? `unix:${info.address}` : info.address;
  const colon = info.address.lastIndexOf(':');
  const conn = new ProcessConnection(child, {
    id, target, credentials: grpc.credentials.createInsecure(),
    hookTarget: info.network === 'unix' ? { kind: 'unix', path: info.address } : { kind: 'tcp', host: info.address.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(info.address.slice(colon + 1)) },
    callTimeoutMs: opts.callTimeoutMs ?? 5_000, healthService: GO_PLUGIN_HEALTH_SERVICE,
  }, opts.shutdownTimeoutMs ?? 3_000, logger, clean);
  try {
    const readyMs = Math.max(1000, startupTimeoutMs);
    await conn.waitReady(readyMs);
    const status = await conn.health({ deadlineMs: readyMs });
    if (status === 'NOT_SERVING') {
      throw new PluginHostError({ code: 'PLUGIN_UNHEALTHY', message: `plugin ${opts.path} is not serving health service "${GO_PLUGIN_HEALTH_SERVICE}"`, details: { path: opts.path } });
    }
  } catch (e) {
    await conn.close();
    throw e;
  }
  conn.startGoPluginServices();
  return conn;
}

function spawnFailed(path: string, cause: Error): PluginHostError {
  return new PluginHostError({ code: 'PLUGIN_SPAWN_FAILED', message: `could not start plugin ${path}: ${cause.message}`, cause, details: { path } });
}

/** The last lines a plugin wrote to stderr, bounded in bytes (older lines are dropped first). */
class StderrTail {
  private readonly lines: string[] = [];
  private bytes = 0;
  private dropped = false;
  constructor(private readonly max: number) {}
  push(line: string): void {
    const l = line.length > this.max ? `${line.slice(0, this.max)}…` : line;
    this.lines.push(l);
    this.bytes += l.length + 1;
    while (this.bytes > this.max && this.lines.length > 1) { this.bytes -= this.lines.shift()!.length + 1; this.dropped = true; }
  }
  get text(): string { return (this.dropped ? '…\n' : '') + this.lines.join('\n'); }
  get all(): string[] { return this.lines.slice(); }
}

/** How the error names the cookie the host sent: `AI_STUDIO_PLUGIN=v1` (and the legacy one it sets too). */
function cookieSent(env: Record<string, string>, handshake: HandshakeConfig): string {
  const sent = [`${handshake.magicCookieKey}=${handshake.magicCookieValue}`];
  if (handshake.magicCookieKey !== GO_PLUGIN_LEGACY_COOKIE.magicCookieKey && env[GO_PLUGIN_LEGACY_COOKIE.magicCookieKey] !== undefined) {
    sent.push(`${GO_PLUGIN_LEGACY_COOKIE.magicCookieKey}=${env[GO_PLUGIN_LEGACY_COOKIE.magicCookieKey]}`);
  }
  return sent.join(' and ');
}

function readHandshake(child: PluginProcess, handshake: HandshakeConfig, cookie: string, timeoutMs: number, stderrTail: StderrTail, path: string, logger: Logger): Promise<HandshakeLine> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | undefined, value?: HandshakeLine): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      child.off('line', onLine);
      // After the handshake, stdout is plugin output: log it (the spawner always drains it, so the plugin never blocks on a full pipe).
      child.on('line', (fd: 1 | 2, line: string) => { if (fd === 1) forwardPluginLog(logger, 'stdout', line); });
      if (err) reject(err); else resolve(value!);
    };
    const timer = setTimeout(() => finish(new PluginHostError({
      code: 'PLUGIN_HANDSHAKE_TIMEOUT', message: `plugin ${path} printed no handshake within ${timeoutMs} ms`, details: { path, cookie, stderr: stderrTail.all },
    })), timeoutMs);
    const onExit = (code: number | null, signal: string | null): void => {
      // Give the stderr reader a moment to collect go-plugin's "This binary is a plugin…" message: a plugin checking
      // another magic cookie exits with it, so the error says which cookie the host sent and what the plugin printed.
      setTimeout(() => finish(new PluginHostError({
        code: 'PLUGIN_EXITED',
        message: `plugin ${path} exited before its handshake (code ${code}, signal ${signal}); the host sent the magic cookie ${cookie}`
          + (stderrTail.all.length ? `; the plugin printed:\n${stderrTail.text}` : '; the plugin printed nothing on stderr'),
        details: { path, exitCode: code, signal, cookie, stderr: stderrTail.all },
      })), 50);
    };
    const onError = (err: Error): void => finish(spawnFailed(path, err));
    child.once('exit', onExit);
    child.once('error', onError);
    const onLine = (fd: 1 | 2, line: string): void => {
      if (fd !== 1) return;
      if (!line.trim()) return;
      try {
        finish(undefined, parseHandshakeLine(line, handshake.appProtocolVersions));
      } catch (e) {
        finish(e as Error);
      }
    };
    child.on('line', onLine);
  });
}

function exited(child: PluginProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: PluginProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => { child.off('exit', on); resolve(false); }, ms);
    const on = (): void => { clearTimeout(t); resolve(true); };
    child.once('exit', on);
  });
}

async function killHard(child: PluginProcess): Promise<void> {
  if (!exited(child)) child.kill('SIGKILL');
  await waitExit(child, 5000);
  untrack(child);
}

class ProcessConnection extends GrpcConnection implements PluginConnection {
  readonly kind = 'process' as const;
  private closing: Promise<void> | undefined;
  private expectedExit = false;
  private readonly stopServices: Array<() => void> = [];

  constructor(
    private readonly child: PluginProcess, opts: ConstructorParameters<typeof GrpcConnection>[0], private readonly shutdownTimeoutMs: number,
    private readonly logger: Logger, private readonly cleanup: () => Promise<void>,
  ) {
    super(opts);
    child.once('exit', (code, signal) => {
      untrack(child);
      if (!this.expectedExit) this.logger.warn('plugin exited unexpectedly', { exitCode: code, signal });
      for (const stop of this.stopServices.splice(0)) stop();
      this.closeChannel();
      this.emit('exit', { code, signal, expected: this.expectedExit });
    });
  }

  get pid(): number | undefined { return this.child.pid; }

  /** go-plugin ≥ 1.2's stdio stream into the plugin's log, and the broker stream (refusing host-service requests). */
  startGoPluginServices(): void {
    this.stopServices.push(readStdio(this.plugin, this.opts.target, this.logger), runBroker(this.plugin, this.opts.target, this.logger));
  }

  /** Graceful stop: controller Shutdown, then SIGTERM, then SIGKILL; always reaps the child and removes its working directory. */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    this.expectedExit = true;
    if (!exited(this.child) && !this.closed) {
      const controller = new gopluginpb.GRPCControllerClient(this.opts.target, this.opts.credentials, { channelOverride: this.plugin.getChannel() });
      await new Promise<void>((resolve) => controller.shutdown({}, new grpc.Metadata(), { deadline: Date.now() + this.shutdownTimeoutMs }, () => resolve()));
      controller.close();
    }
    if (!(await waitExit(this.child, this.shutdownTimeoutMs))) {
      this.child.kill('SIGTERM');
      if (!(await waitExit(this.child, this.shutdownTimeoutMs))) await killHard(this.child);
    }
    for (const stop of this.stopServices.splice(0)) stop();
    this.closeChannel();
    await this.cleanup();
  }
}
