import * as grpc from '@grpc/grpc-js';
import { configproviderpb, pluginpb } from '@plugway/proto';
import { isPlugwayError, NOOP_LOGGER, type Logger } from '@plugway/core';
import type { HookContext, PluginHooks } from './plugin-hooks.types.js';

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
function toStatus(err: unknown): grpc.ServiceError {
  const e = err as { code?: unknown; details?: unknown; message?: unknown };
  if (typeof e?.code === 'number' && e.code > 0 && e.code < 17 && typeof e.details === 'string') {
    return Object.assign(new Error(e.details), { code: e.code, details: e.details, metadata: new grpc.Metadata() });
  }
  const code = isPlugwayError(err) ? err.code : 'SDK_HOOK_FAILED';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const details = `${code}: ${message}`.slice(0, MAX_DETAIL);
  const status = code.endsWith('_CONFIG_INVALID') || code.endsWith('_INVALID_REQUEST') ? grpc.status.INVALID_ARGUMENT : grpc.status.INTERNAL;
  return Object.assign(new Error(details), { code: status, details, metadata: new grpc.Metadata() });
}

function unary<Req, Res>(name: string, logger: Logger, fn: (req: Req, ctx: HookContext) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, cb) => {
    // The host's deadline or cancellation aborts the hook's signal, so a hook can stop upstream work it started.
    const ac = new AbortController();
    const onCancel = (): void => ac.abort(new Error(`${name} cancelled by the host (deadline or cancel)`));
    call.once('cancelled', onCancel);
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(call.metadata?.getMap() ?? {})) if (typeof v === 'string') metadata[k] = v;
    let pending: Promise<Res>;
    try {
      pending = fn(call.request, { signal: ac.signal, metadata });
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then((res) => { call.off('cancelled', onCancel); cb(null, res); }, (err: unknown) => {
      call.off('cancelled', onCancel);
      const status = toStatus(err);
      logger.error(`${name} failed`, { error: status.details });
      cb(status);
    });
  };
}

/**
 * Builds the grpc-js implementation of `plugin.PluginService` from hooks. Missing hooks answer "pass through"
 * (the request's headers/body unchanged, `modified: false`); Authenticate without a hook answers not authenticated.
 */
export function pluginServiceImpl(opts: PluginServiceOptions): pluginpb.PluginServiceServer {
  const h = opts.hooks;
  const log = opts.logger ?? NOOP_LOGGER;
  const P = pluginpb;
  const passThrough = (req: pluginpb.PluginRequest | undefined): pluginpb.PluginResponse =>
    P.PluginResponse.fromPartial({ modified: false, headers: req?.headers ?? {} });
  return {
    initialize: unary('Initialize', log, async (req: pluginpb.InitRequest, ctx) => P.InitResponse.fromPartial({ success: true, ...(await h.initialize?.(req, ctx)) })),
    ping: unary('Ping', log, async (req: pluginpb.PingRequest) => P.PingResponse.fromPartial({ timestamp: req.timestamp, healthy: true })),
    shutdown: unary('Shutdown', log, async () => { await h.shutdown?.(); return P.ShutdownResponse.fromPartial({ success: true }); }),
    processPreAuth: unary('ProcessPreAuth', log, async (req: pluginpb.PluginRequest, ctx) => h.preAuth ? P.PluginResponse.fromPartial(await h.preAuth(req, ctx)) : passThrough(req)),
    authenticate: unary('Authenticate', log, async (req: pluginpb.AuthRequest, ctx) =>
      P.AuthResponse.fromPartial(h.authenticate ? await h.authenticate(req, ctx) : { authenticated: false, errorMessage: 'this plugin has no authenticate hook' })),
    processPostAuth: unary('ProcessPostAuth', log, async (req: pluginpb.EnrichedRequest, ctx) => h.postAuth ? P.PluginResponse.fromPartial(await h.postAuth(req, ctx)) : passThrough(req.request)),
    onBeforeWriteHeaders: unary('OnBeforeWriteHeaders', log, async (req: pluginpb.HeadersRequest, ctx) =>
      P.HeadersResponse.fromPartial(h.onBeforeWriteHeaders ? await h.onBeforeWriteHeaders(req, ctx) : { modified: false, headers: req.headers })),
    onBeforeWrite: unary('OnBeforeWrite', log, async (req: pluginpb.ResponseWriteRequest, ctx) =>
      P.ResponseWriteResponse.fromPartial(h.onBeforeWrite ? await h.onBeforeWrite(req, ctx) : { modified: false, body: req.body, headers: req.headers })),
    handleProxyLog: unary('HandleProxyLog', log, async (req: pluginpb.ProxyLogRequest, ctx) => { await h.handleProxyLog?.(req, ctx); return P.DataCollectionResponse.fromPartial({ success: true }); }),
    onStreamComplete: unary('OnStreamComplete', log, async (req: pluginpb.StreamCompleteRequest, ctx) => P.StreamCompleteResponse.fromPartial((await h.onStreamComplete?.(req, ctx)) ?? {})),
    handleAnalytics: unary('HandleAnalytics', log, async (req: pluginpb.AnalyticsRequest, ctx) => { await h.handleAnalytics?.(req, ctx); return P.DataCollectionResponse.fromPartial({ success: true }); }),
    handleBudgetUsage: unary('HandleBudgetUsage', log, async (req: pluginpb.BudgetUsageRequest, ctx) => { await h.handleBudgetUsage?.(req, ctx); return P.DataCollectionResponse.fromPartial({ success: true }); }),
    getConfigSchema: unary('GetConfigSchema', log, async () => P.GetConfigSchemaResponse.fromPartial(await configSchema(opts))),
    getManifest: unary('GetManifest', log, async () => P.GetManifestResponse.fromPartial(await manifest(opts))),
    // Registrations of studio-side features this SDK does not offer: none.
    getObjectHookRegistrations: unary('GetObjectHookRegistrations', log, async () => P.GetObjectHookRegistrationsResponse.fromPartial({})),
    getEndpointRegistrations: unary('GetEndpointRegistrations', log, async () => P.GetEndpointRegistrationsResponse.fromPartial({})),
    getResourceTypeRegistrations: unary('GetResourceTypeRegistrations', log, async () => P.GetResourceTypeRegistrationsResponse.fromPartial({})),
    getAppByCredential: unimplemented('GetAppByCredential'), getUserByCredential: unimplemented('GetUserByCredential'),
    getAsset: unimplemented('GetAsset'), listAssets: unimplemented('ListAssets'), call: unimplemented('Call'), portalCall: unimplemented('PortalCall'),
    handleAgentMessage: unimplementedStream('HandleAgentMessage'), handleObjectHook: unimplemented('HandleObjectHook'),
    executeScheduledTask: unimplemented('ExecuteScheduledTask'), acceptEdgePayload: unimplemented('AcceptEdgePayload'),
    handleEndpointRequest: unimplemented('HandleEndpointRequest'), handleEndpointRequestStream: unimplementedStream('HandleEndpointRequestStream'),
    listResourceInstances: unimplemented('ListResourceInstances'), getResourceInstance: unimplemented('GetResourceInstance'),
    validateResourceSelection: unimplemented('ValidateResourceSelection'), createResourceInstance: unimplemented('CreateResourceInstance'),
    openSession: unimplemented('OpenSession'), closeSession: unimplemented('CloseSession'),
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
export function configProviderImpl(opts: PluginServiceOptions): configproviderpb.ConfigProviderServiceServer {
  const log = opts.logger ?? NOOP_LOGGER;
  const C = configproviderpb;
  return {
    getConfigSchema: unary('config.GetConfigSchema', log, async () => C.ConfigSchemaResponse.fromPartial(await configSchema(opts))),
    getManifest: unary('config.GetManifest', log, async () => C.GetManifestResponse.fromPartial(await manifest(opts))),
    ping: unary('config.Ping', log, async (req: configproviderpb.ConfigPingRequest) => C.ConfigPingResponse.fromPartial({ timestamp: req.timestamp, healthy: true })),
  };
}

function unimplemented<Req, Res>(name: string): grpc.handleUnaryCall<Req, Res> {
  return (_call, cb) => cb({ code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented by this plugin` });
}

function unimplementedStream<Req, Res>(name: string): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented by this plugin` });
}
