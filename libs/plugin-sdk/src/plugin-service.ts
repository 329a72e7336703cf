import type { EventEmitter } from 'node:events';
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { configproviderpb, pluginpb } from '@plugway/proto';
import { isPlugwayError, NOOP_LOGGER, type Logger } from '@plugway/core';
import type { PluginHooks } from './plugin-hooks.types.js';
import { Status, type Codec, type StatusError, type UnaryHandler } from './grpc-server.js';

export interface PluginServiceOptions {
  hooks: PluginHooks;
  /** Returned by GetManifest as JSON when there is no getManifest hook. */
  manifest?: Record<string, unknown>;
  /** JSON Schema returned by GetConfigSchema when there is no getConfigSchema hook. */
  configSchema?: Record<string, unknown>;
  logger?: Logger;
}

const MAX_DETAIL = 1000;

// A hook's exception becomes a gRPC status the host can act on: `CODE: message`, INVALID_ARGUMENT for bad
// configuration, INTERNAL otherwise; a grpc-style `{ code: <status>, details }` error passes through unchanged.
function toStatus(err: unknown): StatusError {
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  if (typeof e?.code === 'number' && e.code > 0 && e.code < 17 && typeof e.details === 'string') return { code: e.code, details: e.details };
  const code = isPlugwayError(err) ? err.code : 'SDK_HOOK_FAILED';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const details = `${code}: ${message}`.slice(0, MAX_DETAIL);
  return { code: code.endsWith('_CONFIG_INVALID') || code.endsWith('_INVALID_REQUEST') ? Status.INVALID_ARGUMENT : Status.INTERNAL, details };
}

/** One served RPC, independent of the transport: its path, message codecs, the hook call, and its error answer. */
export interface HookMethod<Req = unknown, Res = unknown> {
  path: string;
  request: Codec<Req>;
  response: Codec<Res>;
  run: UnaryHandler<Req, Res>;
  /** Logs a failed call and gives the status to answer it with. */
  error(err: unknown): StatusError;
}

type Def = { path: string };

function method<Req, Res>(def: Def, request: Codec<Req>, response: Codec<Res>, name: string, logger: Logger, run: UnaryHandler<Req, Res>): HookMethod {
  const error = (err: unknown): StatusError => {
    const status = toStatus(err);
    logger.error(`${name} failed`, { error: status.details });
    return status;
  };
  return { path: def.path, request, response, run, error } as HookMethod;
}

/** The RPCs of `plugin.PluginService` this SDK answers, by their grpc-js name; the others answer UNIMPLEMENTED. */
export function pluginMethods(opts: PluginServiceOptions): Partial<Record<keyof typeof pluginpb.PluginServiceService, HookMethod>> {
  const h = opts.hooks;
  const log = opts.logger ?? NOOP_LOGGER;
  const P = pluginpb;
  const S = pluginpb.PluginServiceService;
  const passThrough = (req: pluginpb.PluginRequest | undefined): pluginpb.PluginResponse =>
    P.PluginResponse.fromPartial({ modified: false, headers: req?.headers ?? {} });
  return {
    initialize: method(S.initialize, P.InitRequest, P.InitResponse, 'Initialize', log, async (req, ctx) => P.InitResponse.fromPartial({ success: true, ...(await h.initialize?.(req, ctx)) })),
    ping: method(S.ping, P.PingRequest, P.PingResponse, 'Ping', log, async (req) => P.PingResponse.fromPartial({ timestamp: req.timestamp, healthy: true })),
    shutdown: method(S.shutdown, P.ShutdownRequest, P.ShutdownResponse, 'Shutdown', log, async () => { await h.shutdown?.(); return P.ShutdownResponse.fromPartial({ success: true }); }),
    processPreAuth: method(S.processPreAuth, P.PluginRequest, P.PluginResponse, 'ProcessPreAuth', log,
      h.preAuth ? async (req, ctx) => P.PluginResponse.fromPartial(await h.preAuth!(req, ctx)) : async (req) => passThrough(req)),
    authenticate: method(S.authenticate, P.AuthRequest, P.AuthResponse, 'Authenticate', log, async (req, ctx) =>
      P.AuthResponse.fromPartial(h.authenticate ? await h.authenticate(req, ctx) : { authenticated: false, errorMessage: 'this plugin has no authenticate hook' })),
    processPostAuth: method(S.processPostAuth, P.EnrichedRequest, P.PluginResponse, 'ProcessPostAuth', log,
      h.postAuth ? async (req, ctx) => P.PluginResponse.fromPartial(await h.postAuth!(req, ctx)) : async (req) => passThrough(req.request)),
    onBeforeWriteHeaders: method(S.onBeforeWriteHeaders, P.HeadersRequest, P.HeadersResponse, 'OnBeforeWriteHeaders', log, async (req, ctx) =>
      P.HeadersResponse.fromPartial(h.onBeforeWriteHeaders ? await h.onBeforeWriteHeaders(req, ctx) : { modified: false, headers: req.headers })),
    onBeforeWrite: method(S.onBeforeWrite, P.ResponseWriteRequest, P.ResponseWriteResponse, 'OnBeforeWrite', log, async (req, ctx) =>
      P.ResponseWriteResponse.fromPartial(h.onBeforeWrite ? await h.onBeforeWrite(req, ctx) : { modified: false, body: req.body, headers: req.headers })),
    handleProxyLog: method(S.handleProxyLog, P.ProxyLogRequest, P.DataCollectionResponse, 'HandleProxyLog', log, async (req, ctx) => { await h.handleProxyLog?.(req, ctx); return P.DataCollectionResponse.fromPartial({ success: true }); }),
    onStreamComplete: method(S.onStreamComplete, P.StreamCompleteRequest, P.StreamCompleteResponse, 'OnStreamComplete', log, async (req, ctx) => P.StreamCompleteResponse.fromPartial((await h.onStreamComplete?.(req, ctx)) ?? {})),
    handleAnalytics: method(S.handleAnalytics, P.AnalyticsRequest, P.DataCollectionResponse, 'HandleAnalytics', log, async (req, ctx) => { await h.handleAnalytics?.(req, ctx); return P.DataCollectionResponse.fromPartial({ success: true }); }),
    handleBudgetUsage: method(S.handleBudgetUsage, P.BudgetUsageRequest, P.DataCollectionResponse, 'HandleBudgetUsage', log, async (req, ctx) => { await h.handleBudgetUsage?.(req, ctx); return P.DataCollectionResponse.fromPartial({ success: true }); }),
    getConfigSchema: method(S.getConfigSchema, P.GetConfigSchemaRequest, P.GetConfigSchemaResponse, 'GetConfigSchema', log, async () => P.GetConfigSchemaResponse.fromPartial(await configSchema(opts))),
    getManifest: method(S.getManifest, P.GetManifestRequest, P.GetManifestResponse, 'GetManifest', log, async () => P.GetManifestResponse.fromPartial(await manifest(opts))),
    // Registrations of studio-side features this SDK does not offer: none.
    getObjectHookRegistrations: method(S.getObjectHookRegistrations, P.GetObjectHookRegistrationsRequest, P.GetObjectHookRegistrationsResponse, 'GetObjectHookRegistrations', log, async () => P.GetObjectHookRegistrationsResponse.fromPartial({})),
    getEndpointRegistrations: method(S.getEndpointRegistrations, P.GetEndpointRegistrationsRequest, P.GetEndpointRegistrationsResponse, 'GetEndpointRegistrations', log, async () => P.GetEndpointRegistrationsResponse.fromPartial({})),
    getResourceTypeRegistrations: method(S.getResourceTypeRegistrations, P.GetResourceTypeRegistrationsRequest, P.GetResourceTypeRegistrationsResponse, 'GetResourceTypeRegistrations', log, async () => P.GetResourceTypeRegistrationsResponse.fromPartial({})),
  };
}

/** The UNIMPLEMENTED answer of an RPC this SDK does not serve (studio-side features, streaming RPCs). */
export function unimplementedStatus(path: string): StatusError {
  return { code: Status.UNIMPLEMENTED, details: `${path.slice(path.lastIndexOf('/') + 1)} is not implemented by this plugin` };
}

/**
 * Builds the grpc-js implementation of `plugin.PluginService` from hooks. Missing hooks answer "pass through"
 * (the request's headers/body unchanged, `modified: false`); Authenticate without a hook answers not authenticated.
 * (servePlugin serves the same methods on its own node:http2 server; this is for serving in-process or in tests.)
 */
export function pluginServiceImpl(opts: PluginServiceOptions): pluginpb.PluginServiceServer {
  const methods = pluginMethods(opts);
  const impl: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(pluginpb.PluginServiceService)) {
    const m = methods[key as keyof typeof methods];
    if (m) impl[key] = grpcJsUnary(m);
    else if (def.responseStream) impl[key] = (call: EventEmitter) => call.emit('error', unimplementedStatus(def.path));
    else impl[key] = (_call: unknown, cb: (e: StatusError) => void) => cb(unimplementedStatus(def.path));
  }
  return impl as unknown as pluginpb.PluginServiceServer;
}

// A HookMethod as a grpc-js unary handler; the host's deadline or cancellation aborts the hook's signal.
function grpcJsUnary(m: HookMethod): (call: ServerUnaryCall<unknown, unknown>, cb: sendUnaryData<unknown>) => void {
  return (call, cb) => {
    const ac = new AbortController();
    const onCancel = (): void => ac.abort(new Error(`${m.path} cancelled by the host (deadline or cancel)`));
    call.once('cancelled', onCancel);
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(call.metadata?.getMap() ?? {})) if (typeof v === 'string') metadata[k] = v;
    let pending: Promise<unknown>;
    try {
      pending = m.run(call.request, { signal: ac.signal, metadata });
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (res) => { call.off('cancelled', onCancel); cb(null, res); },
      (err: unknown) => { call.off('cancelled', onCancel); cb(m.error(err)); },
    );
  };
}

/** The config schema and manifest answers, shared by PluginService and the config-only ConfigProviderService. */
export async function configSchema(opts: PluginServiceOptions): Promise<{ success: boolean; schemaJson: string }> {
  return { success: true, schemaJson: JSON.stringify((opts.hooks.getConfigSchema ? await opts.hooks.getConfigSchema() : opts.configSchema) ?? { type: 'object' }) };
}

export async function manifest(opts: PluginServiceOptions): Promise<{ success: boolean; manifestJson: string }> {
  return { success: true, manifestJson: JSON.stringify((opts.hooks.getManifest ? await opts.hooks.getManifest() : opts.manifest) ?? {}) };
}

/**
 * `config_provider.ConfigProviderService`, what a host dispenses as plugin "config" to load a plugin config-only
 * (schema and manifest without running hooks).
 */
export function configProviderMethods(opts: PluginServiceOptions): HookMethod[] {
  const log = opts.logger ?? NOOP_LOGGER;
  const C = configproviderpb;
  const S = configproviderpb.ConfigProviderServiceService;
  return [
    method(S.getConfigSchema, C.ConfigSchemaRequest, C.ConfigSchemaResponse, 'config.GetConfigSchema', log, async () => C.ConfigSchemaResponse.fromPartial(await configSchema(opts))),
    method(S.getManifest, C.GetManifestRequest, C.GetManifestResponse, 'config.GetManifest', log, async () => C.GetManifestResponse.fromPartial(await manifest(opts))),
    method(S.ping, C.ConfigPingRequest, C.ConfigPingResponse, 'config.Ping', log, async (req) => C.ConfigPingResponse.fromPartial({ timestamp: req.timestamp, healthy: true })),
  ];
}
