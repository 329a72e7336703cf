import type { pluginpb } from '@plugway/proto';

/** What a hook gets besides the request. */
export interface HookContext {
  /** Aborted when the host cancels the call or its deadline passes. */
  signal: AbortSignal;
  /** The call's gRPC metadata (string values only). */
  metadata: Readonly<Record<string, string>>;
}

/**
 * Hook implementations, one per PluginService RPC; every one is optional and async. A hook returns a partial
 * response (unset fields take their proto defaults); a missing hook answers "pass through". A hook that throws is
 * answered with a gRPC error `CODE: message` (see the README's codes table).
 */
export interface PluginHooks {
  /** Initialize: the config (see `parsePluginConfig`). Return `{ success: false, errorMessage }` to refuse it. */
  initialize?(req: pluginpb.InitRequest, ctx: HookContext): Promise<Partial<pluginpb.InitResponse> | void>;
  /** pre_auth (ProcessPreAuth). */
  preAuth?(req: pluginpb.PluginRequest, ctx: HookContext): Promise<Partial<pluginpb.PluginResponse>>;
  /** auth (Authenticate). */
  authenticate?(req: pluginpb.AuthRequest, ctx: HookContext): Promise<Partial<pluginpb.AuthResponse>>;
  /** post_auth (ProcessPostAuth). */
  postAuth?(req: pluginpb.EnrichedRequest, ctx: HookContext): Promise<Partial<pluginpb.PluginResponse>>;
  /** ProcessRESTResponse: fields returned replace the response's. */
  restResponse?(res: pluginpb.ResponseData, ctx: HookContext): Promise<Partial<pluginpb.ResponseData>>;
  /** ProcessStreamChunk, per chunk in order: fields returned replace the chunk's (void = unchanged). */
  streamChunk?(chunk: pluginpb.StreamChunk, ctx: HookContext): Promise<Partial<pluginpb.StreamChunk> | void>;
  /** on_response, headers (OnBeforeWriteHeaders). */
  onBeforeWriteHeaders?(req: pluginpb.HeadersRequest, ctx: HookContext): Promise<Partial<pluginpb.HeadersResponse>>;
  /** on_response, body (OnBeforeWrite). */
  onBeforeWrite?(req: pluginpb.ResponseWriteRequest, ctx: HookContext): Promise<Partial<pluginpb.ResponseWriteResponse>>;
  /** Data collection (HandleProxyLog). */
  handleProxyLog?(req: pluginpb.ProxyLogRequest, ctx: HookContext): Promise<void>;
  /** Data collection (HandleAnalytics). */
  handleAnalytics?(req: pluginpb.AnalyticsRequest, ctx: HookContext): Promise<void>;
  /** GetConfigSchema: a JSON Schema object (default: the `configSchema` option). */
  getConfigSchema?(): Promise<Record<string, unknown>>;
  /** GetManifest: the manifest object (default: the `manifest` option). */
  getManifest?(): Promise<Record<string, unknown>>;
  /** Called on the Shutdown RPC and before the process exits (controller Shutdown, SIGTERM). */
  shutdown?(): Promise<void>;
}
