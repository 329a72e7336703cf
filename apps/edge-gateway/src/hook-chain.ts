// Runs one hook type's chain against the plugin manager and turns each outcome into continue / stop, honouring the
// plugin's fail mode: fail-open skips a failed or timed-out plugin, fail-closed stops the request with a coded error.
import type { PluginManager } from '@plugway/runtime';
import type { HookMethod, HookOutcome, HookRequest, HookResponse } from '@plugway/plugin-host';
import type { pluginpb } from '@plugway/proto';
import { EdgeError } from './error.js';
import type { EdgeMetrics } from './metrics.js';

const UNIMPLEMENTED = 12;

export interface ChainLink { id: string; failMode: 'open' | 'closed' }

/** A link's answer: its response, or `skip` (failed open), or a stop with the error to answer. */
export type LinkResult<R> = { kind: 'ok'; response: R } | { kind: 'skip' } | { kind: 'stop'; error: EdgeError };

export class HookRunner {
  constructor(private readonly manager: PluginManager, private readonly metrics?: EdgeMetrics) {}

  chain(hookType: Parameters<PluginManager['chain']>[0]): ChainLink[] {
    return this.manager.chain(hookType);
  }

  async call<M extends HookMethod>(link: ChainLink, method: M, request: pluginpb.DeepPartial<HookRequest<M>>, signal?: AbortSignal): Promise<LinkResult<HookResponse<M>>> {
    const out: HookOutcome<HookResponse<M>> = await this.manager.callHook(link.id, method, request, signal ? { signal } : {});
    this.metrics?.hookCalls.inc({ plugin: link.id, hook: method, outcome: out.status });
    if ('durationMs' in out) this.metrics?.hookDuration.observe({ hook: method }, out.durationMs / 1000);
    if (out.status === 'ok') return { kind: 'ok', response: out.response };
    if (link.failMode === 'open') return { kind: 'skip' };
    // A plugin that does not implement this method (gRPC UNIMPLEMENTED) simply takes no part in it.
    if (out.status === 'failed' && out.error.details?.['grpcCode'] === UNIMPLEMENTED) return { kind: 'skip' };
    if (out.status === 'timeout') {
      return { kind: 'stop', error: new EdgeError({ code: 'EDGE_PLUGIN_TIMEOUT', message: `plugin ${link.id} did not answer ${method} in time`, details: { plugin: link.id, hook: method } }) };
    }
    const causeCode = out.error.code;
    const code = causeCode === 'PLUGIN_UNAVAILABLE' || causeCode === 'PLUGIN_CLOSED' ? 'EDGE_PLUGIN_UNAVAILABLE' : 'EDGE_PLUGIN_FAILED';
    return { kind: 'stop', error: new EdgeError({ code, message: `plugin ${link.id} failed in ${method}`, cause: out.error, details: { plugin: link.id, hook: method, causeCode } }) };
  }
}
