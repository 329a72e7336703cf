import * as grpc from '@grpc/grpc-js';
import { pluginpb } from '@plugway/proto';
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
    processRestResponse: unary('ProcessRESTResponse', log, async (res: pluginpb.ResponseData, ctx) => P.ResponseData.fromPartial({ ...res, ...(h.restResponse ? await h.restResponse(res, ctx) : {}) })),
    processStreamChunk: (call: grpc.ServerDuplexStream<pluginpb.StreamChunk, pluginpb.StreamChunk>) => {
      // Chunks go through the streamChunk hook one at a time, in order (pass through without one); a hook error ends
      // the stream with its status. The stream ends when the host ends it.
      const ac = new AbortController();
      call.once('cancelled', () => ac.abort(new Error('ProcessStreamChunk cancelled by the host')));
      call.on('error', () => undefined);
      let chain = Promise.resolve();
      let failed = false;
      call.on('data', (chunk: pluginpb.StreamChunk) => {
        chain = chain.then(async () => {
          if (failed) return;
          const out = h.streamChunk ? await h.streamChunk(chunk, { signal: ac.signal, metadata: {} }) : undefined;
          call.write(P.StreamChunk.fromPartial({ ...chunk, ...(out ?? {}) }));
        }).catch((err: unknown) => {
          failed = true;
          const status = toStatus(err);
          log.error('ProcessStreamChunk failed', { error: status.details });
          call.emit('error', status);
        });
      });
      call.on('end', () => { void chain.then(() => { if (!failed) call.end(); }); });
    },
    onBeforeWriteHeaders: unary('OnBeforeWriteHeaders', log, async (req: pluginpb.HeadersRequest, ctx) =>
      P.HeadersResponse.fromPartial(h.onBeforeWriteHeaders ? await h.onBeforeWriteHeaders(req, ctx) : { modified: false, headers: req.headers })),
    onBeforeWrite: unary('OnBeforeWrite', log, async (req: pluginpb.ResponseWriteRequest, ctx) =>
      P.ResponseWriteResponse.fromPartial(h.onBeforeWrite ? await h.onBeforeWrite(req, ctx) : { modified: false, body: req.body, headers: req.headers })),
    handleProxyLog: unary('HandleProxyLog', log, async (req: pluginpb.ProxyLogRequest, ctx) => { await h.handleProxyLog?.(req, ctx); return P.DataCollectionResponse.fromPartial({ success: true }); }),
    handleAnalytics: unary('HandleAnalytics', log, async (req: pluginpb.AnalyticsRequest, ctx) => { await h.handleAnalytics?.(req, ctx); return P.DataCollectionResponse.fromPartial({ success: true }); }),
    getConfigSchema: unary('GetConfigSchema', log, async () =>
      P.GetConfigSchemaResponse.fromPartial({ schemaJson: JSON.stringify((h.getConfigSchema ? await h.getConfigSchema() : opts.configSchema) ?? { type: 'object' }) })),
    getManifest: unary('GetManifest', log, async () =>
      P.GetManifestResponse.fromPartial({ manifestJson: JSON.stringify((h.getManifest ? await h.getManifest() : opts.manifest) ?? {}) })),
  };
}
