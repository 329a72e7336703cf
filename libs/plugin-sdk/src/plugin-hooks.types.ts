import type { pluginpb } from '@plugway/proto';

/**
 * Hook implementations, one per PluginService RPC; every one is optional and async. A hook returns a partial
 * response (unset fields take their proto defaults); a missing hook answers "pass through". A hook that throws is
 * answered with a gRPC error `CODE: message` (see the README's codes table).
 */
export interface PluginHooks {
  /** Initialize: the config (see `parsePluginConfig`). Return `{ success: false, errorMessage }` to refuse it. */
  initialize?(req: pluginpb.InitRequest): Promise<Partial<pluginpb.InitResponse> | void>;
  /** pre_auth (ProcessPreAuth). */
  preAuth?(req: pluginpb.PluginRequest): Promise<Partial<pluginpb.PluginResponse>>;
  /** auth (Authenticate). */
  authenticate?(req: pluginpb.AuthRequest): Promise<Partial<pluginpb.AuthResponse>>;
  /** post_auth (ProcessPostAuth). */
  postAuth?(req: pluginpb.EnrichedRequest): Promise<Partial<pluginpb.PluginResponse>>;
  /** ProcessRESTResponse: fields returned replace the response's. */
  restResponse?(res: pluginpb.ResponseData): Promise<Partial<pluginpb.ResponseData>>;
  /** on_response, headers (OnBeforeWriteHeaders). */
  onBeforeWriteHeaders?(req: pluginpb.HeadersRequest): Promise<Partial<pluginpb.HeadersResponse>>;
  /** on_response, body (OnBeforeWrite). */
  onBeforeWrite?(req: pluginpb.ResponseWriteRequest): Promise<Partial<pluginpb.ResponseWriteResponse>>;
  /** Data collection (HandleProxyLog). */
  handleProxyLog?(req: pluginpb.ProxyLogRequest): Promise<void>;
  /** Data collection (HandleAnalytics). */
  handleAnalytics?(req: pluginpb.AnalyticsRequest): Promise<void>;
  /** GetConfigSchema: a JSON Schema object (default: the `configSchema` option). */
  getConfigSchema?(): Promise<Record<string, unknown>>;
  /** GetManifest: the manifest object (default: the `manifest` option). */
  getManifest?(): Promise<Record<string, unknown>>;
  /** Called on the Shutdown RPC and before the process exits (controller Shutdown, SIGTERM). */
  shutdown?(): Promise<void>;
}
