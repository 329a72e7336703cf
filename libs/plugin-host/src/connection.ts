import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { encodeGrpcFrame, healthpb, pluginpb, type GrpcFrameCodec } from '@plugway/proto';
import { PluginHostError, type PluginHostErrorCode } from './error.js';
import { readConfigInfo, type ConfigInfo } from './config-info.js';
import { H2UnaryClient, type H2Target } from './h2-client.js';

/** Milliseconds since `started`, to the microsecond. */
function took(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

/** Request and response type of the unary PluginService RPCs a gateway host calls, by grpc-js client method name. */
export interface HookTypes {
  initialize: [pluginpb.InitRequest, pluginpb.InitResponse];
  ping: [pluginpb.PingRequest, pluginpb.PingResponse];
  shutdown: [pluginpb.ShutdownRequest, pluginpb.ShutdownResponse];
  processPreAuth: [pluginpb.PluginRequest, pluginpb.PluginResponse];
  authenticate: [pluginpb.AuthRequest, pluginpb.AuthResponse];
  getAppByCredential: [pluginpb.GetAppRequest, pluginpb.GetAppResponse];
  getUserByCredential: [pluginpb.GetUserRequest, pluginpb.GetUserResponse];
  processPostAuth: [pluginpb.EnrichedRequest, pluginpb.PluginResponse];
  onBeforeWriteHeaders: [pluginpb.HeadersRequest, pluginpb.HeadersResponse];
  onBeforeWrite: [pluginpb.ResponseWriteRequest, pluginpb.ResponseWriteResponse];
  onStreamComplete: [pluginpb.StreamCompleteRequest, pluginpb.StreamCompleteResponse];
  handleProxyLog: [pluginpb.ProxyLogRequest, pluginpb.DataCollectionResponse];
  handleAnalytics: [pluginpb.AnalyticsRequest, pluginpb.DataCollectionResponse];
  handleBudgetUsage: [pluginpb.BudgetUsageRequest, pluginpb.DataCollectionResponse];
  getConfigSchema: [pluginpb.GetConfigSchemaRequest, pluginpb.GetConfigSchemaResponse];
  getManifest: [pluginpb.GetManifestRequest, pluginpb.GetManifestResponse];
}
export type HookMethod = keyof HookTypes;
export type HookRequest<M extends HookMethod> = HookTypes[M][0];
export type HookResponse<M extends HookMethod> = HookTypes[M][1];


/** Result of one hook call: a normal answer the caller branches on (fail-open or fail-closed is its choice). */
export type HookOutcome<R> =
  | { status: 'ok'; response: R; durationMs: number }
  | { status: 'failed'; error: PluginHostError; durationMs: number }
  | { status: 'timeout'; error: PluginHostError; durationMs: number };

export type HealthStatus = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN';

export interface CallOptions {
  /** Per-call deadline in milliseconds (default: the connection's callTimeoutMs). */
  deadlineMs?: number;
  signal?: AbortSignal;
  /**
   * The request is a complete message (every field set, as the generated `create`/`fromPartial` return): it is encoded
   * as it is, without the defaults-filling copy a partial request gets. A request that is not complete fails the call
   * (PLUGIN_CALL_FAILED) instead of being sent.
   */
  complete?: boolean;
}

export interface PluginExitInfo { code: number | null; signal: string | null; expected: boolean }

/** A live plugin: a child process speaking go-plugin, or a remote grpc:// service. */
export interface PluginConnection {
  readonly id: string;
  readonly kind: 'process' | 'remote';
  readonly pid: number | undefined;
  readonly closed: boolean;
  callHook<M extends HookMethod>(method: M, request: pluginpb.DeepPartial<HookRequest<M>>, opts?: CallOptions): Promise<HookOutcome<HookResponse<M>>>;
  health(opts?: { deadlineMs?: number }): Promise<HealthStatus>;
  /** Config schema and manifest through the `config` service (config-only, no hook runs). @throws PluginHostError PLUGIN_CONFIG_INFO_FAILED */
  configInfo(): Promise<ConfigInfo>;
  close(): Promise<void>;
  on(event: 'exit', listener: (info: PluginExitInfo) => void): this;
  off(event: 'exit', listener: (info: PluginExitInfo) => void): this;
}

type Fns = GrpcFrameCodec<unknown> & { fromPartial(o: unknown): unknown };
// The message codec of each method's request, to fill defaults from a partial request.
const REQUEST_CODECS: Record<HookMethod, Fns> = {
  initialize: pluginpb.InitRequest, ping: pluginpb.PingRequest, shutdown: pluginpb.ShutdownRequest,
  processPreAuth: pluginpb.PluginRequest, authenticate: pluginpb.AuthRequest,
  getAppByCredential: pluginpb.GetAppRequest, getUserByCredential: pluginpb.GetUserRequest, processPostAuth: pluginpb.EnrichedRequest,
  onBeforeWriteHeaders: pluginpb.HeadersRequest, onBeforeWrite: pluginpb.ResponseWriteRequest, onStreamComplete: pluginpb.StreamCompleteRequest,
  handleProxyLog: pluginpb.ProxyLogRequest, handleAnalytics: pluginpb.AnalyticsRequest, handleBudgetUsage: pluginpb.BudgetUsageRequest,
  getConfigSchema: pluginpb.GetConfigSchemaRequest, getManifest: pluginpb.GetManifestRequest,
};

export const HOOK_METHODS = Object.freeze(Object.keys(REQUEST_CODECS)) as readonly HookMethod[];

export interface GrpcConnectionOptions {
  id: string;
  target: string;
  credentials: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
  callTimeoutMs: number;
  /** Health service name to check (go-plugin registers "plugin"). */
  healthService: string;
  /**
   * Where hook calls go over the lean node:http2 client (see h2-client.ts); without it they use grpc-js. Connecting,
   * health checks and the go-plugin controller always use grpc-js (cold path).
   */
  hookTarget?: H2Target;
}

type UnaryFn = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => grpc.ClientUnaryCall;

/** gRPC side shared by process and remote plugins. */
export class GrpcConnection extends EventEmitter {
  readonly plugin: pluginpb.PluginServiceClient;
  readonly healthClient: healthpb.HealthClient;
  readonly opts: GrpcConnectionOptions;
  private isClosed = false;
  private readonly h2: H2UnaryClient | undefined;
  // One Metadata for every grpc-js hook call (nothing is ever added to it).
  private readonly metadata = new grpc.Metadata();

  constructor(opts: GrpcConnectionOptions) {
    super();
    this.opts = opts;
    const channelOptions = { 'grpc.max_receive_message_length': 64 * 1024 * 1024, ...opts.channelOptions };
    this.plugin = new pluginpb.PluginServiceClient(opts.target, opts.credentials, channelOptions);
    // Share the plugin client's channel so health checks see the same connection.
    this.healthClient = new healthpb.HealthClient(opts.target, opts.credentials, { ...channelOptions, channelOverride: this.plugin.getChannel() });
    this.h2 = opts.hookTarget ? new H2UnaryClient(opts.hookTarget, channelOptions['grpc.max_receive_message_length']) : undefined;
  }

  get id(): string { return this.opts.id; }
  get closed(): boolean { return this.isClosed; }

  /** Waits until the channel is connected. @throws PluginHostError PLUGIN_CONNECT_FAILED */
  async waitReady(timeoutMs: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.plugin.waitForReady(Date.now() + timeoutMs, (err) =>
        err ? reject(new PluginHostError({ code: 'PLUGIN_CONNECT_FAILED', message: `could not connect to plugin at ${this.opts.target}: ${err.message}`, cause: err, details: { target: this.opts.target } })) : resolve(),
      );
    });
  }

  async health(opts?: { deadlineMs?: number }): Promise<HealthStatus> {
    if (this.isClosed) return 'NOT_SERVING';
    return new Promise((resolve) => {
      this.healthClient.check({ service: this.opts.healthService }, new grpc.Metadata(), { deadline: Date.now() + (opts?.deadlineMs ?? 2000) }, (err, res) => {
        if (err) return resolve(err.code === grpc.status.UNIMPLEMENTED ? 'UNKNOWN' : 'NOT_SERVING');
        const s = res.status;
        resolve(s === healthpb.HealthCheckResponse_ServingStatus.SERVING ? 'SERVING' : s === healthpb.HealthCheckResponse_ServingStatus.NOT_SERVING ? 'NOT_SERVING' : 'UNKNOWN');
      });
    });
  }

  callHook<M extends HookMethod>(method: M, request: pluginpb.DeepPartial<HookRequest<M>>, opts: CallOptions = {}): Promise<HookOutcome<HookResponse<M>>> {
    const started = performance.now();
    const codec = REQUEST_CODECS[method];
    if (!codec) return Promise.resolve(this.failure(method, started, opts, grpc.status.UNKNOWN, '', undefined, 'PLUGIN_UNKNOWN_METHOD', `unknown plugin method "${String(method)}"`));
    if (this.isClosed) return Promise.resolve(this.failure(method, started, opts, grpc.status.UNAVAILABLE, '', undefined, 'PLUGIN_CLOSED', `plugin ${this.opts.id} is closed`));
    if (opts.signal?.aborted) return Promise.resolve(this.failure(method, started, opts, grpc.status.CANCELLED, '', undefined, 'PLUGIN_CALL_ABORTED', 'call aborted before it started'));
    const deadlineMs = opts.deadlineMs ?? this.opts.callTimeoutMs;
    const def = pluginpb.PluginServiceService[method];
    if (this.h2) {
      // The hot path: the request is encoded straight into its gRPC frame, one promise and one `then` per call.
      let framed: Buffer;
      try {
        framed = encodeGrpcFrame(codec, opts.complete ? request : codec.fromPartial(request));
      } catch (e) {
        return Promise.resolve(this.failure(method, started, opts, grpc.status.INTERNAL, '', e, 'PLUGIN_CALL_FAILED', `the ${method} request does not encode: ${(e as Error).message}`));
      }
      return this.h2.unaryFramed(def.path, framed, { deadlineMs, signal: opts.signal }).then((out): HookOutcome<HookResponse<M>> => {
        if (!out.ok) return this.failure(method, started, opts, out.code, out.details);
        let response: HookResponse<M>;
        try {
          response = def.responseDeserialize(out.message) as HookResponse<M>;
        } catch (e) {
          return this.failure(method, started, opts, grpc.status.INTERNAL, `the answer does not decode: ${(e as Error).message}`, e);
        }
        return { status: 'ok', response, durationMs: took(started) };
      });
    }
    const fn = (this.plugin as unknown as Record<string, UnaryFn>)[method]!;
    return new Promise((resolve) => {
      const call = fn.call(this.plugin, opts.complete ? request : codec.fromPartial(request), this.metadata, { deadline: Date.now() + deadlineMs }, (err, res) => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (!err) return resolve({ status: 'ok', response: res as HookResponse<M>, durationMs: took(started) });
        resolve(this.failure(method, started, opts, err.code, err.details || err.message, err));
      });
      const onAbort = (): void => call.cancel();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A failed or timed-out outcome from a gRPC status (`code` overrides the error code derived from it). */
  private failure<R>(method: HookMethod, started: number, opts: CallOptions, grpcCode: number, message: string, cause?: unknown, code?: PluginHostErrorCode, plain?: string): HookOutcome<R> {
    const durationMs = took(started);
    if (code) return { status: 'failed', durationMs, error: new PluginHostError({ code, message: plain ?? message }) };
    const details = { plugin: this.opts.id, method, grpcCode };
    if (grpcCode === grpc.status.DEADLINE_EXCEEDED) {
      const deadlineMs = opts.deadlineMs ?? this.opts.callTimeoutMs;
      return { status: 'timeout', durationMs, error: new PluginHostError({ code: 'PLUGIN_CALL_TIMEOUT', message: `${method} on plugin ${this.opts.id} exceeded its ${deadlineMs} ms deadline`, details }) };
    }
    const errorCode = grpcCode === grpc.status.CANCELLED && opts.signal?.aborted ? 'PLUGIN_CALL_ABORTED' : grpcCode === grpc.status.UNAVAILABLE ? 'PLUGIN_UNAVAILABLE' : 'PLUGIN_CALL_FAILED';
    return { status: 'failed', durationMs, error: new PluginHostError({ code: errorCode, message: `${method} on plugin ${this.opts.id} failed: ${message}`, ...(cause ? { cause } : {}), details }) };
  }

  configInfo(): Promise<ConfigInfo> {
    return readConfigInfo(this.plugin, this.opts.target, this.opts.callTimeoutMs);
  }

  /** Closes the gRPC channel (idempotent). */
  closeChannel(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.h2?.close();
    this.healthClient.close();
    this.plugin.close();
  }
}
