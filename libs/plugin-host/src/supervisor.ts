import { EventEmitter } from 'node:events';
import { backoffDelay, NOOP_LOGGER, type Logger } from '@plugway/core';
import { PluginHostError } from './error.js';
import type { CallOptions, HealthStatus, HookMethod, HookOutcome, HookRequest, HookResponse, PluginConnection } from './connection.js';
import type { pluginpb } from '@plugway/proto';
import type { ConfigInfo } from './config-info.js';

export interface RestartPolicy {
  /** Restarts allowed within `windowMs` before the supervisor gives up (state 'failed'). */
  maxRestarts: number;
  windowMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({ maxRestarts: 5, windowMs: 60_000, initialBackoffMs: 200, maxBackoffMs: 10_000 });

export type SupervisorState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

export interface SupervisorOptions {
  /** Starts one instance (e.g. `() => launchPlugin(opts)`). */
  launch: () => Promise<PluginConnection>;
  restart?: Partial<RestartPolicy>;
  logger?: Logger;
}

/**
 * Keeps one plugin instance running: restarts it with exponential backoff when it crashes, up to
 * `maxRestarts` within `windowMs`. Hook calls go to the current instance.
 */
export class PluginSupervisor extends EventEmitter {
  private current: PluginConnection | undefined;
  private stateValue: SupervisorState = 'starting';
  private restartTimes: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly policy: RestartPolicy;
  private readonly logger: Logger;
  private lastError: PluginHostError | undefined;
  restarts = 0;

  constructor(private readonly opts: SupervisorOptions) {
    super();
    this.policy = { ...DEFAULT_RESTART_POLICY, ...opts.restart };
    this.logger = opts.logger ?? NOOP_LOGGER;
  }

  get state(): SupervisorState { return this.stateValue; }
  get connection(): PluginConnection | undefined { return this.current; }
  get pid(): number | undefined { return this.current?.pid; }
  get error(): PluginHostError | undefined { return this.lastError; }

  /** Starts the first instance; a failure here is thrown (no retry: the command itself is likely wrong). */
  async start(): Promise<void> {
    this.attach(await this.opts.launch());
    this.setState('running');
  }

  private attach(conn: PluginConnection): void {
    this.current = conn;
    conn.on('exit', (info) => {
      if (info.expected || this.stateValue === 'stopped' || this.current !== conn) return;
      this.current = undefined;
      this.scheduleRestart();
    });
  }

  private setState(s: SupervisorState): void {
    this.stateValue = s;
    this.emit('state', s);
  }

  private scheduleRestart(): void {
    const now = Date.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < this.policy.windowMs);
    if (this.restartTimes.length >= this.policy.maxRestarts) {
      this.lastError = new PluginHostError({ code: 'PLUGIN_RESTART_LIMIT', message: `plugin crashed ${this.restartTimes.length + 1} times within ${this.policy.windowMs} ms; giving up` });
      this.logger.error('plugin restart limit reached', { restarts: this.restarts });
      this.setState('failed');
      return;
    }
    const backoff = backoffDelay(this.restartTimes.length, this.policy.initialBackoffMs, this.policy.maxBackoffMs);
    this.restartTimes.push(now);
    this.setState('restarting');
    this.logger.warn('plugin crashed; restarting', { backoffMs: backoff, attempt: this.restartTimes.length });
    this.timer = setTimeout(() => void this.restartNow(), backoff);
  }

  private async restartNow(): Promise<void> {
    if (this.stateValue === 'stopped') return;
    try {
      const conn = await this.opts.launch();
      if ((this.stateValue as SupervisorState) === 'stopped') { await conn.close(); return; }
      this.restarts++;
      this.attach(conn);
      this.setState('running');
      this.emit('restart', { restarts: this.restarts, pid: conn.pid });
    } catch (e) {
      this.lastError = e as PluginHostError;
      this.scheduleRestart();
    }
  }

  callHook<M extends HookMethod>(method: M, request: pluginpb.DeepPartial<HookRequest<M>>, opts?: CallOptions): Promise<HookOutcome<HookResponse<M>>> {
    const conn = this.current;
    if (!conn) {
      return Promise.resolve({ status: 'failed', durationMs: 0, error: new PluginHostError({ code: 'PLUGIN_UNAVAILABLE', message: `plugin is ${this.stateValue}`, ...(this.lastError ? { cause: this.lastError } : {}) }) });
    }
    return conn.callHook(method, request, opts);
  }

  async configInfo(): Promise<ConfigInfo> {
    if (!this.current) throw new PluginHostError({ code: 'PLUGIN_UNAVAILABLE', message: `plugin is ${this.stateValue}` });
    return this.current.configInfo();
  }

  async health(): Promise<HealthStatus> {
    return this.current ? this.current.health() : 'NOT_SERVING';
  }

  /** Stops the instance and any pending restart. */
  async stop(): Promise<void> {
    this.setState('stopped');
    clearTimeout(this.timer);
    const conn = this.current;
    this.current = undefined;
    await conn?.close();
  }
}
