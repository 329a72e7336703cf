import { isPlugwayError, NOOP_LOGGER, type Logger } from '@plugway/core';
import { type CommandError, parseCommand, type PluginCommand } from '@plugway/command';
import { createPolicy, evaluateCommand, type Decision, type Finding, type Policy } from '@plugway/security-policy';
import { connectRemote, launchPlugin, PluginHostError, PluginSupervisor, resolveSandbox, type AppliedSandbox, type CallOptions, type ConfigInfo, type HealthStatus, type HookMethod, type HookOutcome, type HookRequest, type HookResponse } from '@plugway/plugin-host';
import type { pluginpb } from '@plugway/proto';
import type { PluginRuntime } from '@plugway/oci';
import { RuntimeError } from './error.js';
import { createOciPuller, type OciPuller, type TagResolution } from './oci-puller.js';
import { Instance } from './instance.js';
import { describeRuntime, launchCommand, withRuntime, type NodeRuntime } from './plugin-runtime.js';
import { pluginSpecSchema, runtimeSettingsSchema, type FailMode, type HookType, type PluginSpec, type PluginSpecInput, type RuntimeSettings, type RuntimeSettingsInput } from './options.js';



/** The warning an OCI plugin that no signature verified carries (signatures not required). */
export const UNSIGNED_OCI_WARNING = 'RUNTIME_WARN_OCI_UNSIGNED';
export type Resolver = (host: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;

export interface ManagerDeps {
  logger?: Logger;
  /** DNS resolver for the policy (tests inject one). */
  resolve?: Resolver;
  /** Environment plugins may inherit PATH/HOME/LANG/TZ/TMPDIR from (apps pass process.env). */
  hostEnv?: Readonly<Record<string, string | undefined>>;
  /** OCI pull + verify (default: built from settings.oci when OCI is enabled). */
  ociPuller?: OciPuller;
  /** Decorates the default OCI puller (built with this manager's policy), e.g. to check a checksum after each pull. */
  wrapOciPuller?: (puller: OciPuller) => OciPuller;
  /** docker config.json used as the credential fallback. */
  dockerConfigPath?: string;
  /** The Node packaged plugins (runtime `node`) run with (default: this process's own). */
  node?: NodeRuntime;
}

export type PluginState = 'starting' | 'running' | 'restarting' | 'failed' | 'error' | 'inactive' | 'stopped';

/** What apps show about a plugin. Never holds secrets (the command is shown without query credentials). */
export interface PluginStatus {
  id: string;
  name: string;
  slug: string;
  hookType: HookType;
  scheme: PluginCommand['scheme'];
  failMode: FailMode;
  order: number;
  state: PluginState;
  pid?: number;
  restarts: number;
  target?: string;
  /** sha256 of the plugin file that runs (oci://). */
  digest?: string;
  /** The digest the oci:// reference resolved to: what `plugway push` printed and what signatures cover. */
  artifactDigest?: string;
  verifiedBy?: string;
  /** What the running process got: user, uid/gid, private working directory, limits, umask (process plugins only). */
  sandbox?: AppliedSandbox;
  /** The runtime a packaged plugin asked for, e.g. `node >= 20.19.0`. */
  runtime?: string;
  /** oci:// by tag: the digest the tag resolved to, when, and the age of that answer (re-asked after the tag TTL). */
  resolved?: { digest: string; resolvedAt: string; ageSeconds: number; ttlSeconds: number };
  warnings: Finding[];
  error?: { code: string; message: string; causeCode?: string };
}

export interface RunChainOptions<M extends HookMethod> {
  signal?: AbortSignal;
  next?: (request: pluginpb.DeepPartial<HookRequest<M>>, response: HookResponse<M>, pluginId: string) => pluginpb.DeepPartial<HookRequest<M>> | undefined;
}

export interface ChainStep<R> { id: string; failMode: FailMode; outcome: HookOutcome<R> }

/** Result of `runChain`: completed (possibly with fail-open skips in `steps`) or stopped by a plugin or a fail-closed failure. */
export type ChainResult<R> =
  | { status: 'completed'; steps: Array<ChainStep<R>>; request: unknown }
  | { status: 'stopped'; reason: 'failed' | 'timeout' | 'plugin'; by: ChainStep<R>; steps: Array<ChainStep<R>>; request: unknown };

export interface CheckResult {
  command: PluginCommand;
  decision: Decision;
}

interface Entry {
  spec: PluginSpec;
  command: PluginCommand;
  warnings: Finding[];
  instance?: Instance;
  state: PluginState;
  target?: string;
  digest?: string;
  artifactDigest?: string;
  verifiedBy?: string;
  runtime?: PluginRuntime;
  resolved?: TagResolution;
  error?: { code: string; message: string; causeCode?: string };
}

/** What a reload did to an oci:// plugin's artifact: the digest before and after re-resolving its reference. */
export interface ReloadInfo {
  from?: string;
  to?: string;
  changed: boolean;
}

/** zod issues as `{ path, message }` for error details. */
function issuesOf(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): Array<{ path: string; message: string }> {
  return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

/** @throws RuntimeError RUNTIME_INVALID_SPEC */
function parseSpec(input: unknown): PluginSpec {
  const parsed = pluginSpecSchema.safeParse(input);
  if (!parsed.success) throw new RuntimeError({ code: 'RUNTIME_INVALID_SPEC', message: 'invalid plugin spec', details: { issues: issuesOf(parsed.error) } });
  return parsed.data;
}

function codeOf(e: unknown): { code: string; message: string; causeCode?: string } {
  if (!isPlugwayError(e)) return { code: 'RUNTIME_LAUNCH_FAILED', message: (e as Error)?.message ?? String(e) };
  const causeCode = e.details?.causeCode;
  return { code: e.code, message: e.message, ...(typeof causeCode === 'string' ? { causeCode } : {}) };
}

/**
 * Composes command → policy → (OCI pull + verify) → plugin host for both the studio and the edge gateway.
 * The two runtimes differ only in the settings object they pass.
 */
export class PluginManager {
  readonly settings: RuntimeSettings;
  private readonly policy: Policy;
  private readonly entries = new Map<string, Entry>();
  private readonly logger: Logger;
  private closed = false;
  private gen = 0;

  private deps: ManagerDeps;

  constructor(settings: RuntimeSettingsInput, deps: ManagerDeps = {}) {
    this.deps = deps;
    const parsed = runtimeSettingsSchema.safeParse(settings);
    if (!parsed.success) {
      throw new RuntimeError({ code: 'RUNTIME_INVALID_SETTINGS', message: 'invalid runtime settings', details: { issues: issuesOf(parsed.error) } });
    }
    this.settings = parsed.data;
    this.policy = createPolicy(this.settings.policy as Parameters<typeof createPolicy>[0]);
    this.logger = deps.logger ?? NOOP_LOGGER;
    if (this.settings.oci.enabled && !deps.ociPuller) {
      if (!this.settings.oci.cacheDir) throw new RuntimeError({ code: 'RUNTIME_INVALID_SETTINGS', message: 'OCI is enabled but no cache directory is set' });
      const puller = createOciPuller(this.settings, { logger: this.logger, policy: this.policy, ...(deps.resolve ? { resolve: deps.resolve } : {}), ...(deps.dockerConfigPath ? { dockerConfigPath: deps.dockerConfigPath } : {}) });
      this.deps = { ...deps, ociPuller: deps.wrapOciPuller ? deps.wrapOciPuller(puller) : puller };
    }
  }

  /**
   * Changes whenever a plugin is added, removed, updated, reloaded or first comes up, so callers can cache what
   * `chain()` answers and rebuild it only when this number moves.
   */
  get generation(): number { return this.gen; }

  /** For subclasses that change what `chain()` answers (e.g. the edge's placeholders for plugins it could not load). */
  protected bumpGeneration(): void { this.gen++; }

  /**
   * Parses and evaluates a command without starting anything (dry run for APIs and the CLI).
   * @throws RuntimeError RUNTIME_COMMAND_INVALID (details.causeCode = COMMAND_*), RUNTIME_OCI_DISABLED
   */
  async check(raw: string, opts: { signal?: AbortSignal } = {}): Promise<CheckResult> {
    let command: PluginCommand;
    try {
      command = parseCommand(raw);
    } catch (e) {
      const ce = e as CommandError;
      throw new RuntimeError({ code: 'RUNTIME_COMMAND_INVALID', message: ce.message, cause: e, details: { causeCode: ce.code } });
    }
    if (command.scheme === 'oci' && !this.settings.oci.enabled) {
      throw new RuntimeError({ code: 'RUNTIME_OCI_DISABLED', message: 'oci:// plugins are disabled: set the OCI cache directory (AI_STUDIO_OCI_CACHE_DIR for the studio) to enable them' });
    }
    const decision = await evaluateCommand(command, this.policy, { ...(this.deps.resolve ? { resolve: this.deps.resolve } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
    return { command, decision };
  }

  /**
   * Like check, but a denial throws RUNTIME_POLICY_DENIED with the violations in details.
   * @throws RuntimeError RUNTIME_COMMAND_INVALID, RUNTIME_OCI_DISABLED, RUNTIME_POLICY_DENIED
   */
  async checkAllowed(raw: string): Promise<CheckResult & { decision: Extract<Decision, { allowed: true }> }> {
    const res = await this.check(raw);
    if (!res.decision.allowed) {
      throw new RuntimeError({ code: 'RUNTIME_POLICY_DENIED', message: `command denied by the security policy: ${res.decision.violations.map((v) => v.code).join(', ')}`, details: { violations: res.decision.violations, warnings: res.decision.warnings } });
    }
    return res as CheckResult & { decision: Extract<Decision, { allowed: true }> };
  }

  /**
   * Validates, policy-checks and starts a plugin. Input problems throw; a plugin that fails to start is kept in state
   * `error` (with its code) so it can be reloaded later.
   * @throws RuntimeError RUNTIME_INVALID_SPEC, RUNTIME_DUPLICATE_PLUGIN, RUNTIME_COMMAND_INVALID, RUNTIME_POLICY_DENIED, RUNTIME_OCI_DISABLED, RUNTIME_CLOSED
   */
  async register(input: PluginSpecInput): Promise<{ plugin: PluginStatus; warnings: Finding[] }> {
    this.assertOpen();
    const spec = parseSpec(input);
    if (this.entries.has(spec.id)) throw new RuntimeError({ code: 'RUNTIME_DUPLICATE_PLUGIN', message: `plugin ${spec.id} is already registered` });
    const { command, decision } = await this.checkAllowed(spec.command);
    const entry: Entry = { spec, command, warnings: decision.warnings, state: spec.isActive ? 'starting' : 'inactive' };
    this.entries.set(spec.id, entry);
    this.gen++;
    if (spec.isActive) await this.startInto(entry, decision);
    return { plugin: this.status(entry), warnings: entry.warnings };
  }

  private async startInto(entry: Entry, decision: Extract<Decision, { allowed: true }>): Promise<void> {
    entry.state = 'starting';
    try {
      const inst = await this.startInstance(entry, decision);
      if (this.closed || !this.entries.has(entry.spec.id)) { await inst.stop(0); return; }
      entry.instance = inst;
      entry.state = 'running';
      this.gen++;
      delete entry.error;
      this.logger.info('plugin started', { plugin: entry.spec.id, scheme: entry.command.scheme, pid: inst.pid });
    } catch (e) {
      entry.state = 'error';
      entry.error = codeOf(e);
      this.gen++;
      this.logger.error('plugin failed to start', { plugin: entry.spec.id, code: entry.error.code, message: entry.error.message });
    }
  }

  /**
   * The plugin's config schema and manifest (JSON text) through its `config` service. A running plugin is asked
   * directly; one that is not running (inactive, failed) is loaded config-only: started without Initialize, asked,
   * and stopped again.
   * @throws RuntimeError RUNTIME_PLUGIN_NOT_FOUND, RUNTIME_POLICY_DENIED, RUNTIME_CONFIG_INFO_FAILED (details.causeCode)
   */
  async configInfo(id: string): Promise<ConfigInfo> {
    const entry = this.get(id);
    const wrap = (e: unknown): RuntimeError => {
      const c = codeOf(e);
      return new RuntimeError({ code: 'RUNTIME_CONFIG_INFO_FAILED', message: c.message, cause: e, details: { plugin: id, causeCode: c.code } });
    };
    if (entry.instance && entry.state === 'running') return entry.instance.configInfo().catch((e: unknown) => { throw wrap(e); });
    const { decision } = await this.checkAllowed(entry.spec.command);
    let inst: Instance;
    try {
      inst = await this.startInstance(entry, decision, { configOnly: true });
    } catch (e) {
      throw wrap(e);
    }
    try {
      return await inst.configInfo();
    } catch (e) {
      throw wrap(e);
    } finally {
      await inst.stop(0);
    }
  }

  private async startInstance(entry: Entry, decision: Extract<Decision, { allowed: true }>, opts: { refresh?: boolean; configOnly?: boolean } = {}): Promise<Instance> {
    const { spec, command } = entry;
    const host = this.settings.pluginHost;
    const target = decision.target;
    let inst: Instance;
    if (command.scheme === 'grpc') {
      if (target.kind !== 'grpc') throw new RuntimeError({ code: 'RUNTIME_LAUNCH_FAILED', message: 'policy returned no resolved address for a grpc:// plugin' });
      entry.target = `${target.address}:${target.port}`;
      inst = new Instance(await connectRemote({ id: spec.id, address: target.address, port: target.port, serverName: command.host, connectTimeoutMs: host.startupTimeoutMs, callTimeoutMs: host.callTimeoutMs }));
    } else {
      let path: string;
      if (command.scheme === 'oci') {
        if (!this.deps.ociPuller) throw new RuntimeError({ code: 'RUNTIME_OCI_PULL_FAILED', message: 'no OCI puller is configured for this runtime' });
        try {
          const pulled = await this.deps.ociPuller(command, { refresh: opts.refresh === true });
          path = pulled.path;
          Object.assign(entry, { digest: pulled.digest, artifactDigest: pulled.artifactDigest, verifiedBy: pulled.verifiedBy, runtime: pulled.runtime, resolved: pulled.resolved });
          entry.warnings = entry.warnings.filter((w) => w.code !== UNSIGNED_OCI_WARNING);
          if (!pulled.verifiedBy) {
            // Signatures are not required here: say so where the operator looks (API response and log).
            entry.warnings.push({ code: UNSIGNED_OCI_WARNING, message: `${command.reference.registry}/${command.reference.repository} (${pulled.digest}) runs without a verified signature; set the require-signature setting and a public key to refuse unsigned plugins`, details: { digest: pulled.digest } });
            this.logger.warn('OCI plugin runs without a verified signature', { plugin: spec.id, digest: pulled.digest });
          }
        } catch (e) {
          const c = codeOf(e);
          throw new RuntimeError({ code: 'RUNTIME_OCI_PULL_FAILED', message: c.message, cause: e, details: { causeCode: c.code } });
        }
      } else {
        if (target.kind !== 'file') throw new RuntimeError({ code: 'RUNTIME_LAUNCH_FAILED', message: 'policy returned no resolved path for a file:// plugin' });
        path = target.path;
      }
      entry.target = path;
      const logger = this.logger.child({ plugin: spec.id });
      const { sandbox: base } = host;
      const own = spec.sandbox ?? {};
      const user = own.user ?? base.user;
      const group = own.group ?? base.group;
      const sandbox = await resolveSandbox({
        ...(user !== undefined ? { user } : {}), ...(group !== undefined ? { group } : {}), allowRoot: base.allowRoot,
        ...(base.workDir ? { workRoot: base.workDir } : {}), limits: { ...base.limits, ...own.limits },
      });
      const info: { sandbox?: AppliedSandbox } = {};
      const node = this.deps.node ?? { path: process.execPath, version: process.versions.node };
      const runtime = command.scheme === 'oci' ? entry.runtime : undefined;
      const exec = launchCommand(spec.id, path, runtime, node);
      const sup = new PluginSupervisor({
        launch: () => launchPlugin({
          id: spec.id, ...exec, hostEnv: this.deps.hostEnv ?? {}, startupTimeoutMs: host.startupTimeoutMs, callTimeoutMs: host.callTimeoutMs, shutdownTimeoutMs: host.shutdownTimeoutMs, logger, sandbox, onSandbox: (a) => { info.sandbox = a; },
          ...(spec.handshake ? { handshake: { magicCookieKey: spec.handshake.magicCookieKey, magicCookieValue: spec.handshake.magicCookieValue, appProtocolVersions: [spec.handshake.appProtocolVersion] } } : {}),
        }).catch((e: unknown) => { throw withRuntime(e, runtime, node); }),
        restart: { maxRestarts: host.maxRestarts, windowMs: host.restartWindowMs, initialBackoffMs: host.restartBackoffMs },
        logger,
      });
      await sup.start();
      inst = new Instance(sup, info);
      if (opts.configOnly) return inst;
      // A restarted process has lost its configuration: initialise it again.
      sup.on('restart', () => void this.initialize(spec, inst).catch(() => undefined));
      sup.on('state', (s: string) => { if (this.entries.get(spec.id)?.instance === inst) this.entries.get(spec.id)!.state = s as PluginState; });
    }
    if (opts.configOnly) return inst;
    try {
      await this.initialize(spec, inst);
    } catch (e) {
      await inst.stop(0);
      throw e;
    }
    return inst;
  }

  private async initialize(spec: PluginSpec, inst: Instance): Promise<void> {
    const flat: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.config)) flat[k] = typeof v === 'string' ? v : JSON.stringify(v);
    const out = await inst.call('initialize', { config: flat, configJson: JSON.stringify(spec.config) });
    if (out.status === 'ok' && !out.response.success) {
      throw new RuntimeError({ code: 'RUNTIME_LAUNCH_FAILED', message: `plugin ${spec.id} rejected its configuration: ${out.response.errorMessage}` });
    }
    // A remote service without Initialize (UNIMPLEMENTED) is fine; other failures are logged, not fatal.
    if (out.status !== 'ok') this.logger.warn('plugin initialize failed', { plugin: spec.id, code: out.error.code });
  }

  /**
   * Replaces a plugin's instance with a fresh one (re-checking the policy), switches over atomically and stops the old
   * instance after its in-flight calls finish: no request is dropped. An oci:// reference by tag is re-resolved
   * (one manifest HEAD, whatever the pull policy) and pulled and verified when its digest moved; a digest-pinned one
   * is served from the cache without touching the registry. `reload` tells the artifact digest before and after.
   */
  async reload(id: string): Promise<PluginStatus & { reload: ReloadInfo }> {
    this.assertOpen();
    const entry = this.get(id);
    const { decision } = await this.checkAllowed(entry.spec.command);
    entry.warnings = decision.warnings;
    const from = entry.artifactDigest;
    const info = (to: string | undefined): ReloadInfo => ({ ...(from ? { from } : {}), ...(to ? { to } : {}), changed: from !== to });
    if (!entry.spec.isActive) return { ...this.status(entry), reload: info(from) };
    const old = entry.instance;
    const shadow: Entry = { ...entry, state: 'starting' };
    const inst = await this.startInstance(shadow, decision, { refresh: true }).catch((e: unknown) => { entry.error = codeOf(e); return undefined; });
    if (!inst) {
      if (!old) entry.state = 'error';
      this.logger.error('plugin reload failed', { plugin: id, code: entry.error?.code });
      return { ...this.status(entry), reload: info(from) };
    }
    const { target, digest, artifactDigest, verifiedBy, runtime, resolved, warnings } = shadow;
    Object.assign(entry, { instance: inst, state: 'running', target, digest, artifactDigest, verifiedBy, runtime, resolved, warnings });
    this.gen++;
    delete entry.error;
    this.logger.info('plugin reloaded', { plugin: id, pid: inst.pid, ...(artifactDigest ? { from, to: artifactDigest } : {}) });
    await old?.stop();
    return { ...this.status(entry), reload: info(artifactDigest) };
  }

  /**
   * Changes a plugin's spec (command, config, hook, activity …). The new definition is validated and policy-checked first
   * (a refused update changes nothing), then a new instance is started, the entry is switched atomically and the old
   * instance is stopped after its in-flight calls finish — the hook chain is never without the plugin in between.
   * @throws RuntimeError RUNTIME_INVALID_SPEC, RUNTIME_COMMAND_INVALID, RUNTIME_POLICY_DENIED, RUNTIME_OCI_DISABLED, RUNTIME_PLUGIN_NOT_FOUND, RUNTIME_CLOSED
   */
  async update(id: string, patch: Partial<PluginSpecInput>): Promise<{ plugin: PluginStatus; warnings: Finding[] }> {
    this.assertOpen();
    const entry = this.get(id);
    const spec = parseSpec({ ...entry.spec, ...patch, id });
    const { command, decision } = await this.checkAllowed(spec.command);
    const next: Entry = { spec, command, warnings: decision.warnings, state: spec.isActive ? 'starting' : 'inactive' };
    if (spec.isActive) {
      try {
        next.instance = await this.startInstance(next, decision);
        next.state = 'running';
      } catch (e) {
        next.state = 'error';
        next.error = codeOf(e);
        this.logger.error('plugin failed to start after an update', { plugin: id, code: next.error.code });
      }
    }
    if (this.closed || this.entries.get(id) !== entry) {
      // Removed (or replaced) while the new instance was starting: do not resurrect it.
      await next.instance?.stop(0);
      throw new RuntimeError({ code: this.closed ? 'RUNTIME_CLOSED' : 'RUNTIME_PLUGIN_NOT_FOUND', message: `plugin ${id} changed while it was being updated` });
    }
    this.entries.set(id, next);
    this.gen++;
    entry.state = 'stopped';
    this.logger.info('plugin updated', { plugin: id, state: next.state, pid: next.instance?.pid });
    await entry.instance?.stop();
    return { plugin: this.status(next), warnings: next.warnings };
  }

  async unregister(id: string): Promise<void> {
    const entry = this.get(id);
    this.entries.delete(id);
    this.gen++;
    entry.state = 'stopped';
    await entry.instance?.stop();
    this.logger.info('plugin removed', { plugin: id });
  }

  async health(id: string): Promise<{ state: PluginState; health: HealthStatus; pid?: number; restarts: number }> {
    const entry = this.get(id);
    const health = entry.instance && entry.state === 'running' ? await entry.instance.health() : 'NOT_SERVING';
    return { state: entry.state, health, ...(entry.instance?.pid ? { pid: entry.instance.pid } : {}), restarts: entry.instance?.restarts ?? 0 };
  }

  list(): PluginStatus[] {
    return [...this.entries.values()].map((e) => this.status(e));
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  getStatus(id: string): PluginStatus {
    return this.status(this.get(id));
  }

  /**
   * Active plugins of one hook type, in chain order (order, then id). A plugin still starting for the first time is not
   * part of the chain yet (traffic behaves as before it was added); one that failed or crashed stays in, so a fail-closed
   * plugin keeps refusing traffic instead of being bypassed.
   */
  chain(hookType: HookType): Array<{ id: string; failMode: FailMode; config: Record<string, unknown> }> {
    return [...this.entries.values()]
      .filter((e) => e.spec.hookType === hookType && e.spec.isActive && !(e.state === 'starting' && !e.instance))
      .sort((a, b) => a.spec.order - b.spec.order || a.spec.id.localeCompare(b.spec.id))
      .map((e) => ({ id: e.spec.id, failMode: e.spec.failMode ?? this.settings.defaultFailMode, config: e.spec.config }));
  }

  /** Calls one hook on one plugin; a plugin that is not running answers a failed outcome (never throws). */
  // Not async: the instance's promise is handed back as it is (one promise less per hook call on the edge's hot path).
  callHook<M extends HookMethod>(id: string, method: M, request: pluginpb.DeepPartial<HookRequest<M>>, opts?: CallOptions): Promise<HookOutcome<HookResponse<M>>> {
    const inst = this.entries.get(id)?.instance;
    if (!inst) {
      return Promise.resolve({ status: 'failed', durationMs: 0, error: new PluginHostError({ code: 'PLUGIN_UNAVAILABLE', message: `plugin ${id} is not running` }) });
    }
    return inst.call(method, request, opts);
  }

  /**
   * Runs one hook type's chain (active plugins in `order`, then id) with `method`, honouring each plugin's fail mode:
   * a failed or timed-out fail-open plugin is skipped, a fail-closed one stops the chain. `next` turns a plugin's answer
   * into the request for the following plugin, or returns undefined to stop the chain (e.g. the plugin blocked).
   * Never throws; the caller maps the result onto its protocol.
   */
  async runChain<M extends HookMethod>(hookType: HookType, method: M, request: pluginpb.DeepPartial<HookRequest<M>>, opts: RunChainOptions<M> = {}): Promise<ChainResult<HookResponse<M>>> {
    const steps: Array<ChainStep<HookResponse<M>>> = [];
    let current = request;
    for (const link of this.chain(hookType)) {
      const outcome = await this.callHook(link.id, method, current, opts.signal ? { signal: opts.signal } : {});
      const step = { id: link.id, failMode: link.failMode, outcome };
      steps.push(step);
      if (outcome.status !== 'ok') {
        if (link.failMode === 'open') continue;
        return { status: 'stopped', reason: outcome.status, by: step, steps, request: current };
      }
      if (opts.next) {
        const n = opts.next(current, outcome.response, link.id);
        if (n === undefined) return { status: 'stopped', reason: 'plugin', by: step, steps, request: current };
        current = n;
      }
    }
    return { status: 'completed', steps, request: current };
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    this.gen++;
    await Promise.all(all.map((e) => e.instance?.stop(2000)));
  }

  private get(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new RuntimeError({ code: 'RUNTIME_PLUGIN_NOT_FOUND', message: `no plugin with id ${id}` });
    return e;
  }

  private assertOpen(): void {
    if (this.closed) throw new RuntimeError({ code: 'RUNTIME_CLOSED', message: 'the plugin manager is closed' });
  }

  private status(e: Entry): PluginStatus {
    return {
      id: e.spec.id, name: e.spec.name, slug: e.spec.slug, hookType: e.spec.hookType, scheme: e.command.scheme,
      failMode: e.spec.failMode ?? this.settings.defaultFailMode, order: e.spec.order, state: e.state,
      ...(e.instance?.pid ? { pid: e.instance.pid } : {}), restarts: e.instance?.restarts ?? 0,
      ...(e.target ? { target: e.target } : {}), ...(e.digest ? { digest: e.digest } : {}), ...(e.artifactDigest ? { artifactDigest: e.artifactDigest } : {}),
      ...(e.verifiedBy ? { verifiedBy: e.verifiedBy } : {}), ...(e.runtime ? { runtime: describeRuntime(e.runtime) } : {}),
      ...(e.instance?.info.sandbox ? { sandbox: e.instance.info.sandbox } : {}),
      ...(e.resolved ? { resolved: resolutionView(e.resolved) } : {}),
      warnings: e.warnings, ...(e.error ? { error: e.error } : {}),
    };
  }
}

function resolutionView(r: TagResolution): NonNullable<PluginStatus['resolved']> {
  return { digest: r.digest, resolvedAt: r.resolvedAt, ageSeconds: Math.max(0, Math.floor((Date.now() - Date.parse(r.resolvedAt)) / 1000)), ttlSeconds: Math.floor(r.ttlMs / 1000) };
}

export function createPluginManager(settings: RuntimeSettingsInput, deps?: ManagerDeps): PluginManager {
  return new PluginManager(settings, deps);
}
