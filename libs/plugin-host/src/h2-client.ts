// A unary gRPC client on node:http2 for the hook hot path: one HTTP/2 session per plugin, gRPC length-prefixed
// framing, `grpc-timeout` deadlines enforced locally too, cancellation by RST_STREAM(CANCEL), status and message from
// the trailers (or a trailers-only answer), custom metadata as headers, TLS/mTLS for remote plugins, and a new session
// on the next call after the old one closed (reconnect). It does what a hook call needs and nothing else: no
// compression, no streaming RPCs, no retries.
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
// The status codes only (grpc-js's enum, the one the rest of the host uses); the calls themselves never go through grpc-js.
import { status as GrpcStatus } from '@grpc/grpc-js';

export type H2Target =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number; authority?: string; tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string } };

export type UnaryResult = { ok: true; message: Buffer } | { ok: false; code: number; details: string };

/** A gRPC length-prefixed message (flag byte 0, big-endian length, the message): what `unaryFramed` sends. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

export interface UnaryOptions {
  deadlineMs: number;
  signal?: AbortSignal | undefined;
  /** Extra request headers (gRPC metadata, lower-case ASCII names). */
  metadata?: Readonly<Record<string, string>> | undefined;
}

const { HTTP2_HEADER_AUTHORITY, HTTP2_HEADER_METHOD, HTTP2_HEADER_PATH, HTTP2_HEADER_STATUS, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_TE, NGHTTP2_CANCEL } = http2.constants;

// The HTTP status of a failed non-gRPC answer → gRPC status (gRPC's "HTTP to gRPC status code mapping").
function fromHttpStatus(status: number): number {
  if (status === 400) return GrpcStatus.INTERNAL;
  if (status === 401) return GrpcStatus.UNAUTHENTICATED;
  if (status === 403) return GrpcStatus.PERMISSION_DENIED;
  if (status === 404) return GrpcStatus.UNIMPLEMENTED;
  if (status === 429 || status === 502 || status === 503 || status === 504) return GrpcStatus.UNAVAILABLE;
  return GrpcStatus.UNKNOWN;
}

function decodeMessage(v: unknown): string {
  if (typeof v !== 'string') return '';
  try { return decodeURIComponent(v); } catch { return v; }
}

// One call in flight. The stream's listeners are shared module functions that find the call through the stream (no
// closures per call), a signal gets one abort listener for all the calls it ever cancels (`watch`), and deadlines go
// through the client's one timer (`Deadlines`) instead of a timer per call.
interface CallStream extends ClientHttp2Stream { [CALL]?: Call }
const CALL = Symbol('call');

class Call {
  done = false;
  status: number | undefined = undefined;
  grpcStatus: unknown = undefined;
  grpcMessage: unknown = undefined;
  chunks: Buffer[] = [];
  size = 0;
  constructor(
    readonly stream: CallStream, readonly resolve: (r: UnaryResult) => void, readonly deadline: number, readonly deadlineMs: number,
    readonly signal: AbortSignal | undefined, readonly maxBytes: number, readonly deadlines: Deadlines,
  ) {}

  finish(r: UnaryResult): void {
    if (this.done) return;
    this.done = true;
    this.deadlines.delete(this);
    if (this.signal) watched.get(this.signal)?.delete(this);
    this.resolve(r);
  }

  cancel(r: UnaryResult): void {
    this.stream.close(NGHTTP2_CANCEL);
    this.finish(r);
  }

  abort(): void {
    this.cancel({ ok: false, code: GrpcStatus.CANCELLED, details: 'cancelled' });
  }

  expire(): void {
    this.cancel({ ok: false, code: GrpcStatus.DEADLINE_EXCEEDED, details: `deadline of ${this.deadlineMs} ms exceeded` });
  }

  /** The answer once the stream has closed (trailers, or a trailers-only answer, or nothing). */
  settle(): void {
    if (this.done) return;
    if (this.grpcStatus === undefined) {
      const status = this.status;
      const code = status !== undefined && status !== 200 ? fromHttpStatus(status) : GrpcStatus.UNAVAILABLE;
      return this.finish({ ok: false, code, details: status !== undefined ? `HTTP ${status} without a gRPC status` : 'the stream closed without an answer' });
    }
    const code = Number(this.grpcStatus);
    if (code !== GrpcStatus.OK) return this.finish({ ok: false, code: Number.isInteger(code) ? code : GrpcStatus.UNKNOWN, details: decodeMessage(this.grpcMessage) });
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    if (body.length < 5) return this.finish({ ok: false, code: GrpcStatus.INTERNAL, details: 'the answer has no message' });
    if (body[0] !== 0) return this.finish({ ok: false, code: GrpcStatus.INTERNAL, details: 'the answer is compressed, which was not offered' });
    const len = body.readUInt32BE(1);
    if (body.length < 5 + len) return this.finish({ ok: false, code: GrpcStatus.INTERNAL, details: 'the answer is truncated' });
    this.finish({ ok: true, message: body.subarray(5, 5 + len) });
  }
}

// The calls in flight per signal. A caller that reuses one signal for many calls (the edge: one per client connection)
// pays one abort listener per signal instead of an add and a remove per call.
const watched = new WeakMap<AbortSignal, Set<Call>>();
function watch(signal: AbortSignal, call: Call): void {
  let calls = watched.get(signal);
  if (!calls) {
    const set = calls = new Set();
    watched.set(signal, set);
    signal.addEventListener('abort', () => { for (const c of set) c.abort(); }, { once: true });
  }
  calls.add(call);
}

function onHeaders(this: CallStream, h: IncomingHttpHeaders & IncomingHttpStatusHeader): void {
  const call = this[CALL]!;
  if (h[HTTP2_HEADER_STATUS] !== undefined) call.status = Number(h[HTTP2_HEADER_STATUS]);
  if (h['grpc-status'] !== undefined) { call.grpcStatus = h['grpc-status']; call.grpcMessage = h['grpc-message']; }
}
function onData(this: CallStream, c: Buffer): void {
  const call = this[CALL]!;
  call.size += c.length;
  if (call.size > call.maxBytes + 5) return call.cancel({ ok: false, code: GrpcStatus.RESOURCE_EXHAUSTED, details: `response larger than ${call.maxBytes} bytes` });
  call.chunks.push(c);
}
function onError(this: CallStream, e: Error): void {
  this[CALL]!.finish({ ok: false, code: GrpcStatus.UNAVAILABLE, details: e.message });
}
function onClose(this: CallStream): void {
  this[CALL]!.settle();
}

/**
 * The deadlines of a client's calls in flight, with one timer armed for the earliest. Calls mostly share one deadline
 * length, so the timer rarely moves: it stays armed while calls come and go (unref'd while none is in flight, so an
 * idle client never keeps the process alive), and when it fires it expires what is due and re-arms for the next.
 */
class Deadlines {
  private readonly calls = new Set<Call>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  add(call: Call): void {
    this.calls.add(call);
    if (call.deadline < this.armedFor) this.arm(call.deadline);
    else if (this.calls.size === 1) this.timer?.ref();
  }

  delete(call: Call): void {
    if (this.calls.delete(call) && this.calls.size === 0) this.timer?.unref();
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - performance.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const c of this.calls) {
      if (c.deadline <= now) c.expire();
      else if (c.deadline < next) next = c.deadline;
    }
    if (next !== Infinity) this.arm(next);
  }
}

export class H2UnaryClient {
  private session: ClientHttp2Session | undefined;
  private closed = false;
  private readonly authority: string;
  private readonly authorityHeader: string;
  private readonly deadlines = new Deadlines();
  // `grpc-timeout` of the last deadline length used (calls mostly share one).
  private timeoutFor = -1;
  private timeoutHeader = '';

  constructor(private readonly target: H2Target, private readonly maxMessageBytes = 64 * 1024 * 1024) {
    // The :authority is the plugin's name (remote: the grpc:// host); the socket always dials the resolved address.
    this.authority = target.kind === 'unix' ? 'http://localhost'
      : `${target.tls ? 'https' : 'http'}://${target.authority ?? (net.isIPv6(target.host) ? `[${target.host}]` : target.host)}:${target.port}`;
    this.authorityHeader = target.kind === 'unix' ? 'localhost' : target.authority ?? new URL(this.authority).host;
  }

  // One session, made on first use and again after it closed or failed (a restarted plugin, a dropped connection).
  private connect(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const t = this.target;
    const s = http2.connect(this.authority, {
      createConnection: () => {
        if (t.kind === 'unix') return net.connect(t.path);
        if (!t.tls) return net.connect(t.port, t.host);
        const { ca, cert, key, servername } = t.tls;
        return tls.connect({ host: t.host, port: t.port, servername: servername ?? t.host, ALPNProtocols: ['h2'], ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) });
      },
    });
    const drop = (): void => { if (this.session === s) this.session = undefined; };
    s.on('close', drop);
    s.on('goaway', drop);
    s.on('error', drop);
    // An idle session must not keep the process alive.
    s.unref();
    this.session = s;
    return s;
  }

  /** One unary call with an encoded message; never throws (a transport failure is UNAVAILABLE, a local deadline DEADLINE_EXCEEDED). */
  unary(path: string, request: Uint8Array, opts: UnaryOptions): Promise<UnaryResult> {
    return this.unaryFramed(path, frame(request), opts);
  }

  /** `unary` with the message already in a gRPC frame (`frame`, or `encodeGrpcFrame` from @plugway/proto). */
  unaryFramed(path: string, framed: Buffer, opts: UnaryOptions): Promise<UnaryResult> {
    if (this.closed) return Promise.resolve({ ok: false, code: GrpcStatus.UNAVAILABLE, details: 'the client is closed' });
    const signal = opts.signal;
    if (signal?.aborted) return Promise.resolve({ ok: false, code: GrpcStatus.CANCELLED, details: 'cancelled before it started' });
    let stream: CallStream;
    try {
      const deadlineMs = opts.deadlineMs;
      if (deadlineMs !== this.timeoutFor) { this.timeoutFor = deadlineMs; this.timeoutHeader = `${Math.max(1, Math.ceil(deadlineMs))}m`; }
      const headers: http2.OutgoingHttpHeaders = {
        [HTTP2_HEADER_METHOD]: 'POST', [HTTP2_HEADER_AUTHORITY]: this.authorityHeader, [HTTP2_HEADER_PATH]: path, [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc', [HTTP2_HEADER_TE]: 'trailers',
        'grpc-timeout': this.timeoutHeader,
      };
      if (opts.metadata) Object.assign(headers, opts.metadata);
      stream = this.connect().request(headers);
    } catch (e) {
      return Promise.resolve({ ok: false, code: GrpcStatus.UNAVAILABLE, details: (e as Error).message });
    }
    return new Promise((resolve) => {
      const call = new Call(stream, resolve, performance.now() + opts.deadlineMs, opts.deadlineMs, signal, this.maxMessageBytes, this.deadlines);
      stream[CALL] = call;
      this.deadlines.add(call);
      if (signal) watch(signal, call);
      stream.on('response', onHeaders);
      stream.on('trailers', onHeaders);
      stream.on('data', onData);
      stream.on('error', onError);
      stream.on('close', onClose);
      stream.end(framed);
    });
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }
}
