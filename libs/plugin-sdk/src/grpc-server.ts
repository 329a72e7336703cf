// A lean gRPC server on node:http2 (h2c, as go-plugin speaks over its unix socket or loopback port): the SDK's hot
// path without @grpc/grpc-js. It does what a go-plugin plugin serves and nothing else: unary and server-streaming
// methods, 5-byte length-prefixed messages, `grpc-status`/`grpc-message` trailers (or a trailers-only answer),
// `grpc-timeout` deadlines, cancellation on RST_STREAM, string metadata; no compression, no client streaming.
// Any bad input is answered with a status (unknown method → UNIMPLEMENTED, malformed frame → INTERNAL), never a crash.
import http2, { type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { encodeGrpcFrame, type GrpcFrameCodec } from '@plugway/proto';
import type { HookContext } from './plugin-hooks.types.js';

/** The gRPC status codes this server sends (the values are gRPC's). */
export const Status = { OK: 0, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13 } as const;

/** What a handler rejects with to answer a specific status (grpc-js's `{ code, details }` shape). */
export interface StatusError { code: number; details: string }

// ts-proto's message functions: decode from bytes, encode into a (reusable) BinaryWriter.
export interface Codec<T> extends GrpcFrameCodec<T> {
  decode(input: Uint8Array): T;
}

export type UnaryHandler<Req, Res> = (req: Req, ctx: HookContext) => Promise<Res>;

/** One server-streaming call as its handler sees it. */
export interface ServerStreamCall<Res> {
  readonly ctx: HookContext;
  write(message: Res): void;
  /** Ends the call with OK (or the given status). */
  end(status?: StatusError): void;
}
export type StreamHandler<Req, Res> = (req: Req, call: ServerStreamCall<Res>) => void;

export interface GrpcServerOptions {
  /** Largest request message accepted (default 4 MiB, grpc-js's and grpc-go's default); larger → RESOURCE_EXHAUSTED. */
  maxReceiveBytes?: number;
}

/** Maps what a handler threw to the status to answer (default: a `{ code, details }` as is, anything else INTERNAL). */
export type ErrorMapper = (err: unknown) => StatusError;

interface Method {
  readonly request: Codec<unknown>;
  readonly response: Codec<unknown>;
  readonly unary: UnaryHandler<unknown, unknown> | undefined;
  readonly stream: StreamHandler<unknown, unknown> | undefined;
  readonly error: ErrorMapper;
}

const RESPONSE_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };
const OK_TRAILERS = { 'grpc-status': '0' };
// gRPC answers carry no Date header (grpc-go sends none either); node:http2 would format one per answer.
const RESPOND_WITH_TRAILERS = { waitForTrailers: true, sendDate: false };
const END_STREAM = { endStream: true, sendDate: false };
const MAX_TIMER_MS = 2 ** 31 - 1;
// Headers that are transport, not metadata (what grpc-js's server removes too).
const NOT_METADATA = new Set(['content-type', 'te', 'grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding']);
const TIMEOUT_UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
const ignore = (): void => undefined;
function sendOkTrailers(this: ServerHttp2Stream): void { if (!this.destroyed && !this.closed) this.sendTrailers(OK_TRAILERS); }

// grpc-message is percent-encoded: everything outside printable ASCII, and '%' itself.
export function encodeGrpcMessage(text: string): string {
  if (/^[\x20-\x24\x26-\x7e]*$/.test(text)) return text;
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

// `grpc-timeout`: up to 8 digits and a unit (Hours, Minutes, Seconds, milli, micro, nano) → ms; undefined if malformed.
export function parseGrpcTimeout(value: string): number | undefined {
  const m = /^(\d{1,8})([HMSmun])$/.exec(value);
  return m ? Number(m[1]) * TIMEOUT_UNIT_MS[m[2]!]! : undefined;
}

function statusOf(err: unknown): StatusError {
  const e = err as { code?: unknown; details?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'number' && Number.isInteger(e.code) && e.code > 0 && e.code < 17) {
    return { code: e.code, details: typeof e.details === 'string' ? e.details : typeof e.message === 'string' ? e.message : '' };
  }
  return { code: Status.INTERNAL, details: typeof e?.message === 'string' ? e.message : String(err) };
}

// Stream calls below can still throw when the session went away in between (the host died); that is not ours to crash on.
function endWithStatus(stream: ServerHttp2Stream, s: StatusError, httpStatus = 200): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  try {
    stream.respond({ ':status': httpStatus, 'content-type': 'application/grpc', 'grpc-status': String(s.code), 'grpc-message': encodeGrpcMessage(s.details) }, END_STREAM);
  } catch {
    stream.destroy();
  }
}

// The hook's view of a call. The AbortController and the metadata object are made only if a hook asks for them:
// most hooks do not, and the hot path should not pay for them.
class CallContext implements HookContext {
  private controller: AbortController | undefined;
  private reason: Error | undefined;
  private md: Record<string, string> | undefined;

  constructor(private readonly headers: IncomingHttpHeaders) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  get metadata(): Readonly<Record<string, string>> {
    if (!this.md) {
      const md: Record<string, string> = {};
      for (const k of Object.keys(this.headers)) {
        // As grpc-js's `Metadata.getMap()`: string values only (no `-bin`), the first of repeated ones.
        const raw = this.headers[k];
        const v = Array.isArray(raw) ? raw[0] : raw;
        if (typeof v === 'string' && k[0] !== ':' && !k.endsWith('-bin') && !NOT_METADATA.has(k)) md[k] = v;
      }
      this.md = md;
    }
    return this.md;
  }

  abort(why: string): void {
    if (this.reason) return;
    this.reason = new Error(why);
    this.controller?.abort(this.reason);
  }
}

export class GrpcServer {
  /** The node:http2 server; listen with its `listen()`. */
  readonly http2: Http2Server;
  private readonly methods = new Map<string, Method>();
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly openStreams = new Set<ServerStreamCall<unknown>>();
  private readonly maxReceiveBytes: number;

  constructor(opts: GrpcServerOptions = {}) {
    this.maxReceiveBytes = opts.maxReceiveBytes ?? 4 * 1024 * 1024;
    // As grpc-js's server: no cap on header blocks, and node's session memory limit effectively off (node degrades
    // badly when it is reached under large messages).
    this.http2 = http2.createServer({ maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER, maxSessionMemory: Number.MAX_SAFE_INTEGER });
    this.http2.on('session', (s: ServerHttp2Session) => {
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
      s.on('error', ignore);
    });
    this.http2.on('sessionError', ignore);
    this.http2.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => this.onStream(stream, headers));
  }

  /** Serves a unary method at `path` (e.g. `/plugin.PluginService/ProcessPreAuth`). */
  unary<Req, Res>(path: string, request: Codec<Req>, response: Codec<Res>, handler: UnaryHandler<Req, Res>, error: ErrorMapper = statusOf): void {
    this.methods.set(path, { request, response, unary: handler as UnaryHandler<unknown, unknown>, stream: undefined, error });
  }

  /** Serves a server-streaming method at `path`. */
  serverStream<Req, Res>(path: string, request: Codec<Req>, response: Codec<Res>, handler: StreamHandler<Req, Res>): void {
    this.methods.set(path, { request, response, unary: undefined, stream: handler as StreamHandler<unknown, unknown>, error: statusOf });
  }

  /**
   * Graceful stop: ends open server streams with OK, stops accepting connections, lets in-flight calls finish
   * (GOAWAY), and after `graceMs` closes what is left. Resolves when every session is gone.
   */
  async close(graceMs: number): Promise<void> {
    for (const call of [...this.openStreams]) call.end();
    this.http2.close();
    for (const s of this.sessions) s.close();
    if (this.sessions.size === 0) return;
    await new Promise<void>((resolve) => {
      const check = (): void => { if (this.sessions.size === 0) { clearTimeout(hard); resolve(); } };
      const hard = setTimeout(() => { for (const s of this.sessions) s.destroy(); resolve(); }, graceMs);
      for (const s of this.sessions) s.once('close', () => setImmediate(check));
    });
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', ignore);
    const path = headers[':path'];
    const method = typeof path === 'string' ? this.methods.get(path) : undefined;
    if (method === undefined) return endWithStatus(stream, { code: Status.UNIMPLEMENTED, details: `unknown method ${String(path)}` });
    const contentType = headers['content-type'];
    if (headers[':method'] !== 'POST' || typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
      return endWithStatus(stream, { code: Status.INTERNAL, details: `not a gRPC request (${String(headers[':method'])} ${String(contentType)})` }, 415);
    }
    let timeoutMs: number | undefined;
    const timeout = headers['grpc-timeout'];
    if (timeout !== undefined) {
      timeoutMs = parseGrpcTimeout(String(timeout));
      if (timeoutMs === undefined) return endWithStatus(stream, { code: Status.INTERNAL, details: `malformed grpc-timeout "${String(timeout)}"` });
    }
    this.serve(stream, headers, method, timeoutMs);
  }

  // One call: collect the request frame, run the handler, answer; the deadline and an early close abort the context.
  private serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, method: Method, timeoutMs: number | undefined): void {
    const ctx = new CallContext(headers);
    let chunk: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let streamCall: ServerStreamCall<unknown> | undefined;
    const fail = (s: StatusError): void => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      endWithStatus(stream, s);
    };
    stream.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > this.maxReceiveBytes + 5) {
        ctx.abort('the request is too large');
        return fail({ code: Status.RESOURCE_EXHAUSTED, details: `request larger than ${this.maxReceiveBytes} bytes` });
      }
      if (chunk === undefined) chunk = c;
      else (chunks ??= [chunk]).push(c);
    });
    stream.on('close', () => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      ctx.abort('cancelled by the host');
    });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        ctx.abort('deadline exceeded');
        const s = { code: Status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' };
        if (streamCall) streamCall.end(s);
        else fail(s);
      }, Math.min(timeoutMs, MAX_TIMER_MS));
    }
    stream.on('end', () => {
      if (done) return;
      const body = chunks ? Buffer.concat(chunks, size) : chunk;
      const message = this.messageOf(body, headers);
      if (!Buffer.isBuffer(message)) return fail(message);
      let req: unknown;
      try {
        req = method.request.decode(message);
      } catch (e) {
        return fail({ code: Status.INTERNAL, details: `cannot decode the request: ${(e as Error).message}` });
      }
      if (method.stream) {
        streamCall = this.startStream(stream, ctx, method, req, () => { done = true; if (timer) clearTimeout(timer); });
        return;
      }
      let pending: Promise<unknown>;
      try {
        pending = method.unary!(req, ctx);
      } catch (e) {
        pending = Promise.reject(e);
      }
      pending.then((res) => {
        if (done) return;
        let frame: Buffer;
        try {
          frame = encodeGrpcFrame(method.response, res);
        } catch (e) {
          return fail({ code: Status.INTERNAL, details: `cannot encode the answer: ${(e as Error).message}` });
        }
        done = true;
        if (timer) clearTimeout(timer);
        if (stream.destroyed || stream.closed) return;
        try {
          stream.respond(RESPONSE_HEADERS, RESPOND_WITH_TRAILERS);
          stream.once('wantTrailers', sendOkTrailers);
          stream.end(frame);
        } catch {
          stream.destroy();
        }
      }, (e: unknown) => fail(method.error(e)));
    });
  }

  // The single message of a unary or server-streaming request, or the status that answers a malformed one.
  private messageOf(body: Buffer | undefined, headers: IncomingHttpHeaders): Buffer | StatusError {
    if (body === undefined || body.length < 5) return { code: Status.INTERNAL, details: 'malformed gRPC frame: no request message' };
    if (body[0] !== 0) {
      const encoding = headers['grpc-encoding'];
      return body[0] === 1 && encoding !== undefined && encoding !== 'identity'
        ? { code: Status.UNIMPLEMENTED, details: `grpc-encoding "${String(encoding)}" is not supported` }
        : { code: Status.INTERNAL, details: `malformed gRPC frame: flag ${body[0]}` };
    }
    const len = body.readUInt32BE(1);
    if (body.length !== 5 + len) return { code: Status.INTERNAL, details: `malformed gRPC frame: ${body.length - 5} bytes for a message of ${len}` };
    return body.subarray(5);
  }

  private startStream(stream: ServerHttp2Stream, ctx: CallContext, method: Method, req: unknown, settle: () => void): ServerStreamCall<unknown> {
    let ended = false;
    const call: ServerStreamCall<unknown> = {
      ctx,
      write: (message) => {
        if (ended || stream.destroyed || stream.closed) return;
        if (!stream.headersSent) {
          stream.respond(RESPONSE_HEADERS, RESPOND_WITH_TRAILERS);
          stream.once('wantTrailers', sendOkTrailers);
        }
        stream.write(encodeGrpcFrame(method.response, message));
      },
      end: (s) => {
        if (ended) return;
        ended = true;
        this.openStreams.delete(call);
        settle();
        if (stream.destroyed || stream.closed) return;
        if (s && s.code !== Status.OK) {
          if (!stream.headersSent) return endWithStatus(stream, s);
          stream.removeListener('wantTrailers', sendOkTrailers);
          stream.once('wantTrailers', () => { if (!stream.destroyed && !stream.closed) stream.sendTrailers({ 'grpc-status': String(s.code), 'grpc-message': encodeGrpcMessage(s.details) }); });
          stream.end();
          return;
        }
        if (stream.headersSent) stream.end();
        else endWithStatus(stream, { code: Status.OK, details: '' });
      },
    };
    this.openStreams.add(call);
    stream.once('close', () => { ended = true; this.openStreams.delete(call); });
    try {
      method.stream!(req, call);
    } catch (e) {
      call.end(statusOf(e));
    }
    return call;
  }
}
