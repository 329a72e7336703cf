import type { pluginpb } from '@plugway/proto';
import type { AppliedSandbox, CallOptions, ConfigInfo, HealthStatus, HookMethod, HookOutcome, HookRequest, HookResponse, PluginConnection, PluginSupervisor } from '@plugway/plugin-host';

/**
 * One running copy of a plugin (a supervised process or a remote connection) with an in-flight counter, so a
 * reload can switch to a new instance and stop this one only after its last call has returned.
 */
export class Instance {
  private inflight = 0;
  private idle: Array<() => void> = [];

  /** `info.sandbox` is updated by every (re)launch of a process plugin. */
  constructor(readonly target: PluginSupervisor | PluginConnection, readonly info: { sandbox?: AppliedSandbox } = {}) {}

  get pid(): number | undefined { return this.target.pid; }
  get restarts(): number { return 'restarts' in this.target ? this.target.restarts : 0; }

  call<M extends HookMethod>(method: M, request: pluginpb.DeepPartial<HookRequest<M>>, opts?: CallOptions): Promise<HookOutcome<HookResponse<M>>> {
    this.inflight++;
    let pending: Promise<HookOutcome<HookResponse<M>>>;
    try {
      pending = this.target.callHook(method, request, opts);
    } catch (e) {
      this.done();
      return Promise.reject(e);
    }
    // One `then` both counts the call out and passes the answer on (no extra async frame per hook call).
    return pending.then((out) => { this.done(); return out; }, (e: unknown) => { this.done(); throw e; });
  }

  private done(): void {
    if (--this.inflight === 0) for (const r of this.idle.splice(0)) r();
  }

  configInfo(): Promise<ConfigInfo> {
    return this.target.configInfo();
  }

  health(): Promise<HealthStatus> {
    return this.target.health();
  }

  /** Waits (up to `drainMs`) for in-flight calls, then stops the plugin. */
  async stop(drainMs = 10_000): Promise<void> {
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, drainMs);
        this.idle.push(() => { clearTimeout(t); resolve(); });
      });
    }
    await ('stop' in this.target ? this.target.stop() : this.target.close());
  }
}
