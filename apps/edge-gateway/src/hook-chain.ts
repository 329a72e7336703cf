// Runs one hook type's chain against the plugin manager and turns each outcome into continue / stop, honouring the
// plugin's fail mode: fail-open skips a failed or timed-out plugin, fail-closed stops the request with a coded error.
import type { HookType, PluginManager } from '@plugway/runtime';
import type { CallOptions, HookMethod, HookOutcome, HookRequest, HookResponse } from '@plugway/plugin-host';
import type { pluginpb } from '@plugway/proto';
import { EdgeError } from './error.js';
import type { EdgeMetrics } from './metrics.js';
import { RouteTable } from './routes.js';

const UNIMPLEMENTED = 12;
const NO_OPTIONS = Object.freeze({});

export interface ChainLink { id: string; failMode: 'open' | 'closed' }

/** A link's answer: its response, or `skip` (failed open), or a stop with the error to answer. */
export type LinkResult<R> = { kind: 'ok'; response: R } | { kind: 'skip' } | { kind: 'stop'; error: EdgeError };

/** The chains one route runs, by hook type; `any` is false when the route runs no plugin at all. */
export interface RouteChains {
  pre_auth: readonly ChainLink[];
  auth: readonly ChainLink[];
  post_auth: readonly ChainLink[];
  on_response: readonly ChainLink[];
  data_collection: readonly ChainLink[];
  /** Whether a request-side hook (pre_auth, auth, post_auth) runs: the request body is then buffered. */
  requestSide: boolean;
  any: boolean;
}

export class HookRunner {
  private routes = new RouteTable();
  // Chains per route index (+1, so index 0 holds requests matching no route), rebuilt when the manager's plugin set
  // or the routes change: a request looks its chains up instead of sorting and filtering the plugin list each time.
  private cache: Array<RouteChains | undefined> = [];
  private cachedGeneration = -1;

  constructor(private readonly manager: PluginManager, private readonly metrics?: EdgeMetrics) {}

  setRoutes(routes: RouteTable): void {
    this.routes = routes;
    this.cache = [];
  }

  /** The route index a request matches (-1: none). */
  route(method: string, host: string | undefined, path: string): number {
    return this.routes.size ? this.routes.match(method, host, path) : -1;
  }

  /** The chains of route `index` (-1: requests that match no route). */
  chains(index = -1): RouteChains {
    if (this.cachedGeneration !== this.manager.generation) { this.cache = []; this.cachedGeneration = this.manager.generation; }
    return (this.cache[index + 1] ??= this.build(index));
  }

  chain(hookType: HookType, index = -1): readonly ChainLink[] {
    return this.chains(index)[hookType];
  }

  private build(index: number): RouteChains {
    const pick = (t: HookType): readonly ChainLink[] =>
      Object.freeze(this.manager.chain(t).filter((l) => this.routes.runs(l.id, index)).map((l) => Object.freeze({ id: l.id, failMode: l.failMode })));
    const pre = pick('pre_auth'), auth = pick('auth'), post = pick('post_auth'), response = pick('on_response'), collect = pick('data_collection');
    const requestSide = pre.length + auth.length + post.length > 0;
    return Object.freeze({ pre_auth: pre, auth, post_auth: post, on_response: response, data_collection: collect, requestSide, any: requestSide || response.length + collect.length > 0 });
  }

  // Not async: the manager's promise and one `then` (no extra async frame per hook call).
  call<M extends HookMethod>(link: ChainLink, method: M, request: pluginpb.DeepPartial<HookRequest<M>>, signal?: AbortSignal): Promise<LinkResult<HookResponse<M>>> {
    return this.manager.callHook(link.id, method, request, signal ? { signal } : NO_OPTIONS).then((out) => this.result(link, method, out));
  }

  /**
   * `call` with its continuation: the link's result goes to `next` from the call's own `then` (one promise less per
   * call). The request is a complete message and `opts` the caller's (kept, not rebuilt per call).
   */
  callThen(link: ChainLink, method: 'processPreAuth', request: pluginpb.PluginRequest, opts: CallOptions, next: (r: LinkResult<pluginpb.PluginResponse>) => void, fail: (e: unknown) => void): void {
    this.manager.callHook(link.id, method, request, opts).then((out) => next(this.result(link, method, out)), fail);
  }

  private result<M extends HookMethod>(link: ChainLink, method: M, out: HookOutcome<HookResponse<M>>): LinkResult<HookResponse<M>> {
    this.metrics?.observeHook(link.id, method, out.status, out.durationMs / 1000);
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
