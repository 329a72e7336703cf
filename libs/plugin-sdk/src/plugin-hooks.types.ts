import type { pluginpb } from '@plugway/proto';

/** What a hook gets besides the request. */
export interface HookContext {
  /** Aborted when the host cancels the call or its deadline passes. */
  signal: AbortSignal;
  /** The call's gRPC metadata (string values only). */
  metadata: Readonly<Record<string, string>>;
}

/**
 * Hook implementations for the gateway RPCs of PluginService; every one is optional and async (the studio-side RPCs
 * — assets, UI calls, agents, object hooks, endpoints, resources, sessions — answer UNIMPLEMENTED). A hook returns a partial
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
  /** on_response, headers (OnBeforeWriteHeaders). */
  onBeforeWriteHeaders?(req: pluginpb.HeadersRequest, ctx: HookContext): Promise<Partial<pluginpb.HeadersResponse>>;
  /** on_response, body (OnBeforeWrite). */
  onBeforeWrite?(req: pluginpb.ResponseWriteRequest, ctx: HookContext): Promise<Partial<pluginpb.ResponseWriteResponse>>;
  /** on_response, end of a streamed response (OnStreamComplete): the whole response as it was sent. */
  onStreamComplete?(req: pluginpb.StreamCompleteRequest, ctx: HookContext): Promise<Partial<pluginpb.StreamCompleteResponse> | void>;
  /** Data collection (HandleProxyLog). */
  handleProxyLog?(req: pluginpb.ProxyLogRequest, ctx: HookContext): Promise<void>;
  /** Data collection (HandleAnalytics). */
  handleAnalytics?(req: pluginpb.AnalyticsRequest, ctx: HookContext): Promise<void>;
  /** Data collection (HandleBudgetUsage). */
  handleBudgetUsage?(req: pluginpb.BudgetUsageRequest, ctx: HookContext): Promise<void>;
  /** GetConfigSchema: a JSON Schema object (default: the `configSchema` option). */
  getConfigSchema?(): Promise<Record<string, unknown>>;
  /** GetManifest: the manifest object (default: the `manifest` option). */
  getManifest?(): Promise<Record<string, unknown>>;
  /** Called on the Shutdown RPC and before the process exits (controller Shutdown, SIGTERM). */
  shutdown?(): Promise<void>;
}
