import * as grpc from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gopluginpb, healthpb, pluginpb } from '@plugway/proto';
import { isPlugwayError } from '@plugway/core';
import { SdkError } from './error.js';

type P = typeof pluginpb;
/** Hook implementations; every one is optional and async. Missing hooks answer "pass through". */
export interface PluginHooks {
  initialize?(req: pluginpb.InitRequest): Promise<Partial<pluginpb.InitResponse> | void>;
  preAuth?(req: pluginpb.PluginRequest): Promise<Partial<pluginpb.PluginResponse>>;
  authenticate?(req: pluginpb.AuthRequest): Promise<Partial<pluginpb.AuthResponse>>;
  postAuth?(req: pluginpb.EnrichedRequest): Promise<Partial<pluginpb.PluginResponse>>;
  restResponse?(res: pluginpb.ResponseData): Promise<Partial<pluginpb.ResponseData>>;
  onBeforeWriteHeaders?(req: pluginpb.HeadersRequest): Promise<Partial<pluginpb.HeadersResponse>>;
  onBeforeWrite?(req: pluginpb.ResponseWriteRequest): Promise<Partial<pluginpb.ResponseWriteResponse>>;
  handleProxyLog?(req: pluginpb.ProxyLogRequest): Promise<void>;
  handleAnalytics?(req: pluginpb.AnalyticsRequest): Promise<void>;
  shutdown?(): Promise<void>;
}

export interface ServeOptions {
  hooks: PluginHooks;
  /** Returned by GetManifest (as JSON). */
  manifest?: Record<string, unknown>;
  /** JSON Schema returned by GetConfigSchema. */
  configSchema?: Record<string, unknown>;
  handshake?: { magicCookieKey: string; magicCookieValue: string; appProtocolVersion: number };
  /** Environment to read the handshake from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** 'unix' (default) or 'tcp' on 127.0.0.1 within PLUGIN_MIN_PORT..PLUGIN_MAX_PORT. */
  network?: 'unix' | 'tcp';
}

export const SDK_DEFAULT_HANDSHAKE = Object.freeze({ magicCookieKey: 'MICROGATEWAY_PLUGIN', magicCookieValue: 'v1', appProtocolVersion: 1 });

// go-plugin's own words, so operators recognise the situation from Go plugins too.
const NOT_A_PROGRAM = 'This binary is a plugin. These are not meant to be executed directly.\nPlease execute the program that consumes these plugins, which will\nload any plugins automatically\n';

export interface RunningPlugin {
  /** What was printed on stdout. */
  handshakeLine: string;
  stop(): Promise<void>;
}

function log(level: string, message: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(JSON.stringify({ '@level': level, '@message': message, '@timestamp': new Date().toISOString(), ...fields }) + '\n');
}

function wrap<Req, Res>(name: string, fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, cb) => {
    fn(call.request).then((res) => cb(null, res), (err: unknown) => {
      const code = isPlugwayError(err) ? err.code : 'SDK_HOOK_FAILED';
      log('error', `${name} failed`, { error: (err as Error)?.message });
      cb({ code: grpc.status.INTERNAL, details: `${code}: ${(err as Error)?.message ?? String(err)}` });
    });
  };
}

/** Builds the PluginService implementation from hooks (exported for in-process tests). */
export function pluginServiceImpl(opts: Pick<ServeOptions, 'hooks' | 'manifest' | 'configSchema'>): pluginpb.PluginServiceServer {
  const h = opts.hooks;
  const P: P = pluginpb;
  const passThrough = (req: pluginpb.PluginRequest | undefined): pluginpb.PluginResponse =>
    P.PluginResponse.fromPartial({ modified: false, headers: req?.headers ?? {} });
  return {
    initialize: wrap('Initialize', async (req: pluginpb.InitRequest) => P.InitResponse.fromPartial({ success: true, ...(await h.initialize?.(req)) })),
    ping: wrap('Ping', async (req: pluginpb.PingRequest) => P.PingResponse.fromPartial({ timestamp: req.timestamp, healthy: true })),
    shutdown: wrap('Shutdown', async () => { await h.shutdown?.(); return P.ShutdownResponse.fromPartial({ success: true }); }),
    processPreAuth: wrap('ProcessPreAuth', async (req: pluginpb.PluginRequest) => h.preAuth ? P.PluginResponse.fromPartial(await h.preAuth(req)) : passThrough(req)),
    authenticate: wrap('Authenticate', async (req: pluginpb.AuthRequest) => P.AuthResponse.fromPartial(h.authenticate ? await h.authenticate(req) : { authenticated: false, errorMessage: 'no authenticate hook' })),
    processPostAuth: wrap('ProcessPostAuth', async (req: pluginpb.EnrichedRequest) => h.postAuth ? P.PluginResponse.fromPartial(await h.postAuth(req)) : passThrough(req.request)),
    processRestResponse: wrap('ProcessRESTResponse', async (res: pluginpb.ResponseData) => P.ResponseData.fromPartial({ ...res, ...(h.restResponse ? await h.restResponse(res) : {}) })),
    processStreamChunk: (call: grpc.ServerDuplexStream<pluginpb.StreamChunk, pluginpb.StreamChunk>) => {
      call.on('data', (chunk: pluginpb.StreamChunk) => call.write(chunk));
      call.on('end', () => call.end());
    },
    onBeforeWriteHeaders: wrap('OnBeforeWriteHeaders', async (req: pluginpb.HeadersRequest) => P.HeadersResponse.fromPartial(h.onBeforeWriteHeaders ? await h.onBeforeWriteHeaders(req) : { modified: false, headers: req.headers })),
    onBeforeWrite: wrap('OnBeforeWrite', async (req: pluginpb.ResponseWriteRequest) => P.ResponseWriteResponse.fromPartial(h.onBeforeWrite ? await h.onBeforeWrite(req) : { modified: false, body: req.body, headers: req.headers })),
    handleProxyLog: wrap('HandleProxyLog', async (req: pluginpb.ProxyLogRequest) => { await h.handleProxyLog?.(req); return P.DataCollectionResponse.fromPartial({ success: true }); }),
    handleAnalytics: wrap('HandleAnalytics', async (req: pluginpb.AnalyticsRequest) => { await h.handleAnalytics?.(req); return P.DataCollectionResponse.fromPartial({ success: true }); }),
    getConfigSchema: wrap('GetConfigSchema', async () => P.GetConfigSchemaResponse.fromPartial({ schemaJson: JSON.stringify(opts.configSchema ?? { type: 'object' }) })),
    getManifest: wrap('GetManifest', async () => P.GetManifestResponse.fromPartial({ manifestJson: JSON.stringify(opts.manifest ?? {}) })),
  };
}

/**
 * Serves a plugin over the go-plugin protocol: checks the magic cookie (exits 1 with go-plugin's message when it is
 * missing), negotiates the app protocol version, serves PluginService + grpc.health.v1 ("plugin") + GRPCController,
 * and prints the handshake line on stdout. Exits on controller Shutdown or SIGTERM/SIGINT.
 */
export async function servePlugin(opts: ServeOptions): Promise<RunningPlugin> {
  const env = opts.env ?? process.env;
  const hs = opts.handshake ?? SDK_DEFAULT_HANDSHAKE;
  if (env[hs.magicCookieKey] !== hs.magicCookieValue) {
    process.stderr.write(NOT_A_PROGRAM);
    process.exit(1);
  }
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? String(hs.appProtocolVersion)).split(',').map((v) => Number(v.trim()));
  if (!offered.includes(hs.appProtocolVersion)) {
    throw new SdkError({ code: 'SDK_PROTOCOL_MISMATCH', message: `host offers protocol versions ${offered.join(',')}, plugin speaks ${hs.appProtocolVersion}` });
  }

  const server = new grpc.Server();
  server.addService(pluginpb.PluginServiceService, pluginServiceImpl(opts));
  const health = { status: healthpb.HealthCheckResponse_ServingStatus.SERVING };
  server.addService(healthpb.HealthService, {
    check: (call: grpc.ServerUnaryCall<healthpb.HealthCheckRequest, healthpb.HealthCheckResponse>, cb: grpc.sendUnaryData<healthpb.HealthCheckResponse>) =>
      ['', 'plugin'].includes(call.request.service) ? cb(null, { status: health.status }) : cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' }),
    watch: (call: grpc.ServerWritableStream<healthpb.HealthCheckRequest, healthpb.HealthCheckResponse>) => { call.write({ status: health.status }); call.end(); },
  });

  let dir: string | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      health.status = healthpb.HealthCheckResponse_ServingStatus.NOT_SERVING;
      await opts.hooks.shutdown?.().catch(() => undefined);
      await new Promise<void>((r) => server.tryShutdown(() => r()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };
  const exit = (): void => { void stop().finally(() => process.exit(0)); };
  server.addService(gopluginpb.GRPCControllerService, {
    shutdown: (_c: unknown, cb: grpc.sendUnaryData<gopluginpb.Empty>) => { cb(null, {}); setTimeout(exit, 5); },
  });
  server.addService(gopluginpb.GRPCStdioService, {
    // stdout/stderr go straight to the host's pipes; the stream stays open until shutdown.
    streamStdio: () => undefined,
  });

  let bindAddr: string;
  let network = opts.network ?? 'unix';
  if (network === 'unix') {
    dir = mkdtempSync(join(env.PLUGIN_UNIX_SOCKET_DIR ?? tmpdir(), 'plugway-plugin-'));
    bindAddr = `unix:${join(dir, 'plugin.sock')}`;
  } else {
    bindAddr = '127.0.0.1:0';
    network = 'tcp';
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(bindAddr, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(new SdkError({ code: 'SDK_BIND_FAILED', message: `cannot listen on ${bindAddr}: ${err.message}`, cause: err })) : resolve(p))));
  const address = network === 'unix' ? bindAddr.slice('unix:'.length) : `127.0.0.1:${port}`;
  const handshakeLine = `1|${hs.appProtocolVersion}|${network}|${address}|grpc`;
  process.stdout.write(handshakeLine + '\n');
  process.once('SIGTERM', exit);
  process.once('SIGINT', exit);
  log('info', 'plugin serving', { network, address });
  return { handshakeLine, stop };
}
