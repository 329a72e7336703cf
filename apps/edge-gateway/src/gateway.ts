// The reverse proxy: pre_auth → auth → post_auth → upstream → on_response (headers, body) → data_collection (async).
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { PassThrough, type Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { NOOP_LOGGER, type Logger } from '@plugway/core';
import type { CallOptions } from '@plugway/plugin-host';
import type { PluginManager } from '@plugway/runtime';
import type { pluginpb } from '@plugway/proto';
import { EdgeError } from './error.js';
import { HookRunner, type ChainLink, type LinkResult, type RouteChains } from './hook-chain.js';
import { credentialOf, forwardable, forwardableRaw, readBody, sendError, sendJson, toHeaderMap } from './http-util.js';
import type { EdgeMetrics } from './metrics.js';
import { RouteTable, type RouteSpec } from './routes.js';
import { applyContextUpdates, applyIdentity, newRequestContext, type UpstreamLlm } from './request-context.js';
import { Upstream } from './upstream.js';

export interface GatewayOptions {
  manager: PluginManager;
  /** Where traffic goes; may be changed later with `setUpstream`. */
  upstreamUrl?: string;
  logger?: Logger;
  metrics?: EdgeMetrics;
  /** Largest request (or response, when on_response plugins run) body buffered for plugins. Default 10 MiB. */
  maxBodyBytes?: number;
  /** Bytes of each body handed to data-collection plugins. Default 64 KiB. */
  captureBytes?: number;
  /** Called by `POST /admin/reload` (loopback clients only) and SIGHUP in main. */
  onReload?: () => Promise<unknown>;
  /** Routes plugins attach to (may be changed later with `setRoutes`); without routes every plugin runs on every request. */
  routes?: readonly RouteSpec[];
  /** Extra /health fields (where the plugin set came from); `degraded: true` makes the status degraded. */
  health?: () => { degraded: boolean } & Record<string, unknown>;
  /** The LLM behind the upstream, for PluginContext.llm_id / llm_slug / vendor; may be changed with `setLlm`. */
  llm?: UpstreamLlm;
}

/** Headers a client may not set and data-collection plugins never see. */
const INTERNAL_HEADERS = new Set(['x-plugway-user-id', 'x-plugway-app-id']);
const EMPTY = Buffer.alloc(0);
/** Response headers as the upstream client parses them (lower-case names; a repeated header's values as a list). */
type UpstreamHeaders = Readonly<Record<string, string | string[] | undefined>>;
/** The context of a request no hook sees (never handed to a plugin, never changed). */
const NO_CONTEXT: pluginpb.PluginContext = Object.freeze({ requestId: '', vendor: '', llmId: 0, llmSlug: '', appId: 0, userId: 0, metadata: {}, traceContext: {} });
/**
 * Client headers that do not go upstream as they are: what the proxy sets itself (the client's values are replaced or
 * extended), and Expect, which this server answers (Node sends the 100 Continue) and the upstream client does not take.
 */
const NOT_FORWARDED = new Set([...INTERNAL_HEADERS, 'host', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-request-id', 'expect']);

/** A response with its request's context, for the one `close` listener every response shares. */
interface CtxResponse extends ServerResponse { [CTX]?: Ctx }
const CTX = Symbol('ctx');

interface Ctx {
  /** The gateway's `finished` (one function for all requests). */
  finish: (ctx: Ctx, status: number) => void;
  requestId: string;
  /** What every hook of this request gets as PluginContext; grows with identity and context_updates. */
  context: pluginpb.PluginContext;
  started: number;
  method: string;
  path: string;
  /** The request headers as plugins see them; only built when a request-side or data-collection hook runs. */
  headers: Record<string, string> | undefined;
  /** Whether a plugin replaced the headers or the body: the request then goes upstream from `headers` and `body`. */
  rewritten: boolean;
  body: Buffer | undefined;
  /**
   * The options of this request's fast-path hook calls (one object per connection): the signal that cancels hook calls
   * when the client goes away, and complete requests. Only made when a request-side or on_response hook runs.
   */
  callOptions: ConnectionCallOptions | undefined;
  chains: RouteChains;
  status?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: Buffer;
  /** First bytes of a streamed request body, for data collection. */
  requestCapture?: Buffer;
  /** The streamed upstream exchange, aborted when the client goes away first (the read path aborts by `callOptions.signal`). */
  upstream?: Dispatcher.DispatchController;
  clientGone?: boolean;
}

export class Gateway {
  readonly server: http.Server;
  /** The upstream and its keep-alive connection pool. */
  private upstream: Upstream | undefined;
  private readonly runner: HookRunner;
  private readonly logger: Logger;
  private readonly maxBody: number;
  private readonly capture: number;
  private llm: UpstreamLlm | undefined;
  /** `finished`, bound once: every request's context carries it to the shared `close` listener. */
  private readonly finish = (ctx: Ctx, status: number): void => this.finished(ctx, status);

  constructor(private readonly opts: GatewayOptions) {
    this.runner = new HookRunner(opts.manager, opts.metrics);
    if (opts.routes) this.setRoutes(opts.routes);
    this.logger = opts.logger ?? NOOP_LOGGER;
    this.maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
    this.capture = opts.captureBytes ?? 64 * 1024;
    this.setUpstream(opts.upstreamUrl);
    this.llm = opts.llm;
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 5_000;
  }

  /** Switches the upstream; the previous one's pool closes once its exchanges in flight are done. */
  setUpstream(url: string | undefined): void {
    if (url === this.upstream?.url.href) return;
    const previous = this.upstream;
    this.upstream = url ? new Upstream(url) : undefined;
    void previous?.close();
  }

  /** Replaces the routes plugins attach to; the chains are rebuilt on the next request. */
  setRoutes(routes: readonly RouteSpec[]): void {
    this.runner.setRoutes(new RouteTable(routes));
  }

  setLlm(llm: UpstreamLlm | undefined): void {
    this.llm = llm;
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => { this.server.off('error', reject); resolve(); });
    });
    return this.server.address() as AddressInfo;
  }

  /** Stops accepting connections and waits (up to `graceMs`) for in-flight requests. */
  async close(graceMs = 5_000): Promise<void> {
    const t = setTimeout(() => this.server.closeAllConnections(), graceMs);
    await new Promise<void>((resolve) => { this.server.close(() => resolve()); this.server.closeIdleConnections(); });
    clearTimeout(t);
    await this.upstream?.destroy();
  }

  // Synchronous up to the first hook call: a request that runs no request-side hook goes upstream without a promise.
  private handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      const path = req.url ?? '/';
      if (path === '/health' && (req.method === 'GET' || req.method === 'HEAD')) return this.health(res);
      if (path === '/metrics' && req.method === 'GET' && this.opts.metrics) {
        const reg = this.opts.metrics.registry;
        reg.metrics().then((text) => res.writeHead(200, { 'content-type': reg.contentType }).end(text), (e: unknown) => this.failed(res, e));
        return;
      }
      if (path === '/admin/reload' && req.method === 'POST') return void this.adminReload(req, res).catch((e: unknown) => this.failed(res, e));
      this.proxy(req, res);
    } catch (e) {
      this.failed(res, e);
    }
  }

  /** Whatever went wrong unexpectedly while proxying: logged, and answered with a coded error (never a crash). */
  private failed(res: ServerResponse, e: unknown): void {
    this.logger.error('request failed', { message: (e as Error)?.message });
    sendError(res, new EdgeError({ code: 'EDGE_UPSTREAM_UNAVAILABLE', message: 'the request could not be proxied' }));
  }

  private health(res: ServerResponse): void {
    const plugins = this.opts.manager.list().map((p) => ({ id: p.id, hookType: p.hookType, state: p.state, restarts: p.restarts, ...(p.error ? { error: { code: p.error.code } } : {}) }));
    const { degraded, ...extra } = this.opts.health?.() ?? { degraded: false };
    const ok = !degraded && plugins.every((p) => p.state === 'running' || p.state === 'inactive');
    sendJson(res, 200, { status: ok ? 'ok' : 'degraded', upstream: this.upstream ? 'configured' : 'missing', plugins, ...extra }, { 'cache-control': 'no-store' });
  }

  private async adminReload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const from = req.socket.remoteAddress ?? '';
    if (!['127.0.0.1', '::1', '::ffff:127.0.0.1'].includes(from)) {
      return sendError(res, new EdgeError({ code: 'EDGE_FORBIDDEN', message: 'the admin endpoint only answers loopback clients' }));
    }
    if (!this.opts.onReload) return sendError(res, new EdgeError({ code: 'EDGE_NOT_FOUND', message: 'reload is not configured' }));
    const result = await this.opts.onReload();
    sendJson(res, 200, { data: result ?? { reloaded: true } });
  }

  private proxy(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const chains = this.runner.chains(this.runner.route(method, req.headers.host, path));
    const clientId = req.headers['x-request-id'];
    const requestId = (Array.isArray(clientId) ? clientId.join(', ') : clientId) || randomUUID();
    // Header map and PluginContext only when some hook of this route will see them.
    let headers: Record<string, string> | undefined;
    if (chains.any) {
      headers = toHeaderMap(req.headers, INTERNAL_HEADERS);
      headers['x-request-id'] = requestId;
    }
    const context = headers ? newRequestContext(requestId, headers, this.llm) : NO_CONTEXT;
    const ctx: Ctx = { finish: this.finish, requestId, context, started: performance.now(), method, path, headers, rewritten: false, body: undefined, callOptions: undefined, chains };
    (res as CtxResponse)[CTX] = ctx;
    // `close` is emitted once per response: `on` spares the once-wrapper.
    res.on('close', onResponseClose);
    if (!this.upstream) return sendError(res, new EdgeError({ code: 'EDGE_NO_UPSTREAM', message: 'no upstream is configured' }));
    // Only origin-form targets ("/path?query"); absolute-form (forward-proxy style) requests are not relayed.
    if (!path.startsWith('/')) return sendError(res, new EdgeError({ code: 'EDGE_BAD_REQUEST', message: 'the request target must be a path (origin-form)' }));
    // Hook calls in flight are cancelled when the client goes away; a request without such hooks pays nothing for it.
    if (chains.requestSide || chains.on_response.length) ctx.callOptions = closeOptions(req.socket);
    if (!chains.requestSide) return this.forward(req, res, ctx);
    // Plugins see the body, so it is buffered only when a request-side hook runs; otherwise it streams.
    const bodiless = hasNoBody(req);
    if (bodiless && !chains.auth.length && !chains.post_auth.length) {
      ctx.body = EMPTY;
      return this.preAuthOnly(req, res, ctx, 0);
    }
    this.requestHooks(req, res, ctx, bodiless).catch((e: unknown) => this.failed(res, e));
  }

  /** The PluginRequest of the request as it stands (headers and body as earlier hooks left them). */
  private pluginRequest(req: IncomingMessage, ctx: Ctx): pluginpb.PluginRequest {
    return { method: ctx.method, path: ctx.path, headers: ctx.headers ?? {}, body: ctx.body ?? EMPTY, remoteAddr: req.socket.remoteAddress ?? '', context: ctx.context };
  }

  /**
   * The common hooked request (pre_auth hooks only, no body to read) without an async frame: each link's answer
   * continues the chain from its one `then`, then the request goes upstream.
   */
  private preAuthOnly(req: IncomingMessage, res: ServerResponse, ctx: Ctx, i: number): void {
    const pre = ctx.chains.pre_auth;
    if (i === pre.length) return this.forward(req, res, ctx);
    const link = pre[i]!;
    this.runner.callThen(link, 'processPreAuth', this.pluginRequest(req, ctx), ctx.callOptions!, (r) => {
      try {
        if (this.applyRequestHook(link, r, ctx, res)) this.preAuthOnly(req, res, ctx, i + 1);
      } catch (e) {
        this.failed(res, e);
      }
    }, (e: unknown) => this.failed(res, e));
  }

  /** pre_auth → auth → post_auth, then upstream (unless a hook answered the client). */
  private async requestHooks(req: IncomingMessage, res: ServerResponse, ctx: Ctx, bodiless: boolean): Promise<void> {
    const { pre_auth: pre, auth, post_auth: post } = ctx.chains;
    const body = bodiless ? EMPTY : await readBody(req, this.maxBody);
    if (body === 'closed') { res.destroy(); return; }
    if (body === 'too-large') return sendError(res, new EdgeError({ code: 'EDGE_BODY_TOO_LARGE', message: `the request body is larger than ${this.maxBody} bytes` }));
    ctx.body = body;
    const pluginRequest = () => this.pluginRequest(req, ctx);

    for (const link of pre) if (!(await this.requestHook(link, 'processPreAuth', pluginRequest(), ctx, res))) return;

    let identity: { userId: string; appId: string; claims: Record<string, string> } | undefined;
    if (auth.length) {
      let rejected: string | undefined;
      const { credential, authType } = credentialOf(ctx.headers ?? {});
      for (const link of auth) {
        const r = await this.runner.call(link, 'authenticate', { credential, authType, request: pluginRequest(), context: ctx.context }, ctx.callOptions?.signal);
        if (r.kind === 'stop') return sendError(res, r.error);
        if (r.kind === 'skip') continue;
        if (r.response.authenticated) {
          identity = { userId: r.response.userId, appId: r.response.appId, claims: r.response.claims };
          applyIdentity(ctx.context, identity.userId, identity.appId);
          break;
        }
        rejected ??= r.response.errorMessage || 'authentication failed';
      }
      if (!identity && rejected !== undefined) {
        res.setHeader('www-authenticate', 'Bearer');
        return sendError(res, new EdgeError({ code: 'EDGE_AUTH_REJECTED', message: rejected }));
      }
    }

    for (const link of post) {
      const enriched = { request: pluginRequest(), userId: identity?.userId ?? '', appId: identity?.appId ?? '', authClaims: identity?.claims ?? {}, authenticated: Boolean(identity) };
      if (!(await this.requestHook(link, 'processPostAuth', enriched, ctx, res))) return;
    }
    if (identity?.userId) ctx.headers!['x-plugway-user-id'] = identity.userId;
    if (identity?.appId) ctx.headers!['x-plugway-app-id'] = identity.appId;
    this.forward(req, res, ctx);
  }

  /** One pre_auth / post_auth plugin: applies its modifications; answers the client and resolves false when it blocks or fails closed. */
  private requestHook(link: ChainLink, method: 'processPreAuth' | 'processPostAuth', request: Parameters<HookRunner['call']>[2], ctx: Ctx, res: ServerResponse): Promise<boolean> {
    return this.runner.call(link, method, request as never, ctx.callOptions?.signal).then((r) => this.applyRequestHook(link, r, ctx, res));
  }

  private applyRequestHook(link: ChainLink, r: LinkResult<pluginpb.PluginResponse>, ctx: Ctx, res: ServerResponse): boolean {
    if (r.kind === 'stop') { sendError(res, r.error); return false; }
    if (r.kind === 'skip') return true;
    const out: pluginpb.PluginResponse = r.response;
    applyContextUpdates(ctx.context, out.contextUpdates);
    if (out.block) {
      const status = out.statusCode >= 400 && out.statusCode <= 599 ? out.statusCode : 403;
      if (out.body.length) {
        res.writeHead(status, { 'content-type': 'application/octet-stream', ...forwardable(out.headers), 'content-length': out.body.length }).end(Buffer.from(out.body));
      } else {
        sendError(res, new EdgeError({ code: 'EDGE_REQUEST_BLOCKED', message: out.errorMessage || `blocked by plugin ${link.id}`, details: { plugin: link.id } }), status);
      }
      return false;
    }
    if (out.modified) {
      if (Object.keys(out.headers).length) { ctx.headers = { ...out.headers, 'x-request-id': ctx.requestId }; ctx.rewritten = true; }
      if (out.body.length) { ctx.body = Buffer.from(out.body); ctx.rewritten = true; }
    }
    return true;
  }

  private forward(req: IncomingMessage, res: ServerResponse, ctx: Ctx): void {
    if (ctx.clientGone) return;
    const up = this.upstream!;
    const from = req.socket.remoteAddress;
    let headers: Record<string, string> | string[];
    // Plugins replaced the headers or the body, or a read body goes on from memory: forward the map.
    if (ctx.chains.requestSide && (ctx.rewritten || ctx.body!.length > 0)) {
      const map = forwardable(ctx.headers!);
      const xff = map['x-forwarded-for'];
      delete map['expect'];
      map['host'] = up.host;
      map['x-forwarded-for'] = xff && from ? `${xff}, ${from}` : (xff || from || '');
      map['x-forwarded-host'] = ctx.headers!['host'] ?? '';
      map['x-forwarded-proto'] = 'http';
      map['x-request-id'] = ctx.requestId;
      if (ctx.body) map['content-length'] = String(ctx.body.length);
      headers = map;
    } else {
      // No plugin touched the request (and no body was read): the client's header lines go on as a flat list, without
      // building header maps; the identity an auth plugin returned is added.
      const xffIn = req.headers['x-forwarded-for'];
      const xff = Array.isArray(xffIn) ? xffIn.join(', ') : xffIn;
      headers = forwardableRaw(req.rawHeaders, NOT_FORWARDED);
      headers.push('host', up.host, 'x-forwarded-for', xff && from ? `${xff}, ${from}` : (xff || from || ''), 'x-forwarded-host', req.headers.host ?? '',
        'x-forwarded-proto', 'http', 'x-request-id', ctx.requestId);
      const identity = ctx.headers;
      if (identity?.['x-plugway-user-id']) headers.push('x-plugway-user-id', identity['x-plugway-user-id']);
      if (identity?.['x-plugway-app-id']) headers.push('x-plugway-app-id', identity['x-plugway-app-id']);
    }
    let body: Buffer | Readable | null;
    if (ctx.body) body = ctx.body.length ? ctx.body : null;
    // Nothing to stream: Node's server drains the ended request itself when the response finishes.
    else if (hasNoBody(req)) body = null;
    else {
      body = req;
      if (ctx.chains.data_collection.length || ctx.chains.on_response.length) {
        // Data collection and OnStreamComplete get the first `captureBytes` of the streamed body, copied on the way
        // through. The body goes upstream through a PassThrough, which holds it (with backpressure) until the upstream
        // client reads: a listener on the request alone would start the flow before that.
        const captured: Buffer[] = [];
        let size = 0;
        body = req.pipe(new PassThrough());
        req.on('data', (c: Buffer) => { if (size < this.capture) { captured.push(c); size += c.length; } });
        req.on('end', () => { ctx.requestCapture = Buffer.concat(captured); });
      }
    }
    const request = { method: ctx.method, path: ctx.path, headers, body };
    // Streaming path, no plugin needs the response: the answer goes to the client as it arrives.
    if (ctx.chains.on_response.length === 0) return up.dispatch(request, new ToClient(this.logger, res, ctx, this.capture));
    up.request(request, ctx.callOptions?.signal).then(
      (r) => this.respond(r.body, r.headers, res, ctx, r.statusCode).catch((e: unknown) => {
        r.body.destroy();
        sendError(res, new EdgeError({ code: 'EDGE_UPSTREAM_UNAVAILABLE', message: (e as Error).message }));
      }),
      (e: unknown) => upstreamFailed(this.logger, res, ctx, e),
    );
  }

  /** The response through the on_response hooks (headers, then the body whole or, for event streams, chunk by chunk). */
  private async respond(upRes: Readable, upHeaders: UpstreamHeaders, res: ServerResponse, ctx: Ctx, status: number): Promise<void> {
    const chain = ctx.chains.on_response;
    let headers = forwardable(toHeaderMap(upHeaders));
    const context = ctx.context;
    for (const link of chain) {
      const r = await this.runner.call(link, 'onBeforeWriteHeaders', { headers, context }, ctx.callOptions?.signal);
      if (r.kind === 'stop') { upRes.destroy(); return sendError(res, r.error); }
      if (r.kind === 'ok' && r.response.modified && Object.keys(r.response.headers).length) headers = r.response.headers;
    }
    // Responses without a body (HEAD, 204, 304) skip the body hooks; their Content-Length must stay as it is.
    const bodiless = ctx.method === 'HEAD' || status === 204 || status === 304;
    if (bodiless) {
      const out = forwardable(headers);
      res.writeHead(status, withRepeated(out, upHeaders));
      ctx.responseHeaders = out;
      upRes.once('error', () => res.destroy());
      upRes.pipe(res);
      return;
    }
    if (/^text\/event-stream\b/i.test(headers['content-type'] ?? '')) return this.respondStream(upRes, upHeaders, res, ctx, status, headers, chain);
    const read = await readBody(upRes, this.maxBody);
    if (read === 'closed') return sendError(res, new EdgeError({ code: 'EDGE_UPSTREAM_UNAVAILABLE', message: 'the upstream closed the response early' }));
    if (read === 'too-large') return sendError(res, new EdgeError({ code: 'EDGE_BODY_TOO_LARGE', message: `the upstream response is larger than ${this.maxBody} bytes` }), 502);
    let body: Buffer = read;
    for (const link of chain) {
      const current: Buffer = body;
      const r = await this.runner.call(link, 'onBeforeWrite', { body: current, headers, isStreamChunk: false, context }, ctx.callOptions?.signal);
      if (r.kind === 'stop') return sendError(res, r.error);
      if (r.kind === 'ok' && r.response.modified) {
        body = Buffer.from(r.response.body);
        if (Object.keys(r.response.headers).length) headers = r.response.headers;
      }
    }
    const out = forwardable(headers);
    delete out['content-length'];
    res.writeHead(status, { ...withRepeated(out, upHeaders), 'content-length': String(body.length) });
    res.end(body);
    ctx.responseHeaders = out;
    ctx.responseBody = body;
  }

  /**
   * A streamed (text/event-stream) response with on_response plugins, as AI Studio's gateway runs them: each chunk goes
   * through OnBeforeWrite (`is_stream_chunk: true`) and is written at once; after the end, OnStreamComplete gets the
   * whole response (first `maxBodyBytes`) and the chunk count. Headers are already sent, so a fail-closed plugin
   * failing on a chunk cuts the stream.
   */
  private async respondStream(upRes: Readable, upHeaders: UpstreamHeaders, res: ServerResponse, ctx: Ctx, status: number, headers: Record<string, string>, chain: readonly ChainLink[]): Promise<void> {
    const out = forwardable(headers);
    delete out['content-length'];
    res.writeHead(status, withRepeated(out, upHeaders));
    const sent: Buffer[] = [];
    let size = 0;
    let chunks = 0;
    for await (const raw of upRes) {
      let chunk = Buffer.from(raw as Buffer);
      for (const link of chain) {
        const r = await this.runner.call(link, 'onBeforeWrite', { body: chunk, headers, isStreamChunk: true, context: ctx.context }, ctx.callOptions?.signal);
        if (r.kind === 'stop') { upRes.destroy(); res.destroy(); return; }
        if (r.kind === 'ok' && r.response.modified) chunk = Buffer.from(r.response.body);
      }
      chunks++;
      if (size < this.maxBody) { sent.push(chunk); size += chunk.length; }
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
    ctx.responseHeaders = out;
    ctx.responseBody = Buffer.concat(sent);
    const complete = {
      accumulatedResponse: ctx.responseBody.subarray(0, this.maxBody), headers, statusCode: status, context: ctx.context, chunkCount: chunks,
      requestBody: ctx.body ?? ctx.requestCapture ?? Buffer.alloc(0),
    };
    // The response is complete: the client closing its connection now must not cancel these calls (their deadline bounds them).
    for (const link of chain) await this.runner.call({ ...link, failMode: 'open' }, 'onStreamComplete', complete);
  }

  /** Metrics, and the data-collection hooks fired after the response (never awaited by the client). */
  private finished(ctx: Ctx, status: number): void {
    const seconds = (performance.now() - ctx.started) / 1000;
    this.opts.metrics?.observeRequest(ctx.method, status, seconds);
    const chain = ctx.chains.data_collection;
    if (!chain.length) return;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const { context } = ctx;
    const who = { appId: context.appId, userId: context.userId, vendor: context.vendor };
    const log = {
      requestId: ctx.requestId, responseCode: status, timestamp, context, ...who,
      requestBody: (ctx.body ?? ctx.requestCapture ?? Buffer.alloc(0)).subarray(0, this.capture), responseBody: (ctx.responseBody ?? Buffer.alloc(0)).subarray(0, this.capture),
    };
    for (const link of chain) {
      // Fire and forget: a slow or failing collector never delays or fails the response.
      const open = { ...link, failMode: 'open' as const };
      void this.runner.call(open, 'handleProxyLog', log);
      // The edge does not read token counts or cost from LLM responses: those fields stay 0.
      void this.runner.call(open, 'handleAnalytics', { requestId: ctx.requestId, timestamp, context, ...who, llmId: context.llmId });
    }
  }
}

/**
 * The plugin protocol carries headers as map<string,string>; repeated upstream headers (Set-Cookie) were joined for it.
 * Restores the original list for every header whose joined value no plugin changed.
 */
function withRepeated(map: Record<string, string>, raw: UpstreamHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = { ...map };
  for (const [k, v] of Object.entries(map)) {
    const orig = raw[k];
    if (Array.isArray(orig) && orig.join(', ') === v) out[k] = orig;
  }
  return out;
}

/** A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 §6.3): nothing to read or pipe. */
function hasNoBody(req: IncomingMessage): boolean {
  return req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
}

/** The upstream exchange failed (no answer, or the answer broke off): a coded error, or the response cut when it had begun. */
function upstreamFailed(logger: Logger, res: ServerResponse, ctx: Ctx, e: unknown): void {
  if (!ctx.clientGone) logger.warn('upstream request failed', { requestId: ctx.requestId, message: e instanceof Error ? e.message : String(e) });
  // A request body the upstream stopped reading is left unread: the connection closes after the answer instead of
  // waiting for the rest of it.
  if (!res.headersSent && !res.req.complete) res.setHeader('connection', 'close');
  sendError(res, new EdgeError({ code: 'EDGE_UPSTREAM_UNAVAILABLE', message: 'the upstream did not answer' }));
}

/**
 * The streaming path's answer (no on_response hook): it goes to the client as it arrives, a full client socket pausing
 * the upstream; data collection gets the headers and the first `capture` bytes of the body, copied on the way through.
 */
class ToClient implements Dispatcher.DispatchHandler {
  private captured: Buffer[] | undefined;
  private size = 0;

  constructor(private readonly logger: Logger, private readonly res: ServerResponse, private readonly ctx: Ctx, private readonly capture: number) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.ctx.clientGone) return controller.abort(new Error('the client went away'));
    this.ctx.upstream = controller;
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: UpstreamHeaders): void {
    if (status < 200) return;   // 1xx informational answers are not relayed
    const out = forwardable(headers);
    this.res.writeHead(status, out);
    if (this.ctx.chains.data_collection.length) {
      this.captured = [];
      this.ctx.responseHeaders ??= toHeaderMap(out);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.captured && this.size < this.capture) { this.captured.push(chunk); this.size += chunk.length; }
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    // The capture is complete before the response finishes (the `close` listener reads it).
    if (this.captured) this.ctx.responseBody = Buffer.concat(this.captured);
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, e: Error): void {
    upstreamFailed(this.logger, this.res, this.ctx, e);
  }
}

/**
 * The one `close` listener of every response: a finished one is counted (and handed to data collection), an unfinished
 * one (the client went away) cancels the upstream exchange. It finds its request through the response.
 */
function onResponseClose(this: CtxResponse): void {
  const ctx = this[CTX]!;
  if (this.writableFinished) return ctx.finish(ctx, this.statusCode);
  ctx.clientGone = true;
  ctx.upstream?.abort(new Error('the client went away'));
}

// One AbortSignal per client connection, aborted when the socket closes. HTTP/1.1 answers one request at a time per
// connection and a response only ends early when its socket closes, so this cancels exactly what a per-request
// controller would, made once per connection instead of once per request. It comes in the call options of the
// connection's fast-path hook calls, which send complete requests.
type ConnectionCallOptions = CallOptions & { signal: AbortSignal };
const socketOptions = new WeakMap<Socket, ConnectionCallOptions>();
function closeOptions(socket: Socket): ConnectionCallOptions {
  let opts = socketOptions.get(socket);
  if (!opts) {
    const ac = new AbortController();
    socket.once('close', () => ac.abort());
    socketOptions.set(socket, opts = Object.freeze({ signal: ac.signal, complete: true }));
  }
  return opts;
}

export function createGateway(opts: GatewayOptions): Gateway {
  return new Gateway(opts);
}
