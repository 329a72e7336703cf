// A unary gRPC client on node:http2 for the hook hot path: one HTTP/2 session per plugin, gRPC length-prefixed
// framing, `grpc-timeout` deadlines enforced locally too, cancellation by RST_STREAM(CANCEL), status and message from
// the trailers (or a trailers-only answer), custom metadata as headers, TLS/mTLS for remote plugins, and a new session
// on the next call after the old one closed (reconnect). It does what a hook call needs and nothing else: no
// compression, no streaming RPCs, no retries.
import http2, { type ClientHttp2Session, type IncomingHttpHeaders, type IncomingHttpStatusHeader } from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
// The status codes only (grpc-js's enum, the one the rest of the host uses); the calls themselves never go through grpc-js.
import { status as GrpcStatus } from '@grpc/grpc-js';

export type H2Target =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number; authority?: string; tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string } };

export type UnaryResult = { ok: true; message: Buffer } | { ok: false; code: number; details: string };

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

export class H2UnaryClient {
  private session: ClientHttp2Session | undefined;
  private closed = false;
  private readonly authority: string;
  private readonly authorityHeader: string;

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

  /** One unary call; never throws (a transport failure is UNAVAILABLE, a local deadline DEADLINE_EXCEEDED). */
  unary(path: string, request: Uint8Array, opts: UnaryOptions): Promise<UnaryResult> {
    if (this.closed) return Promise.resolve({ ok: false, code: GrpcStatus.UNAVAILABLE, details: 'the client is closed' });
    if (opts.signal?.aborted) return Promise.resolve({ ok: false, code: GrpcStatus.CANCELLED, details: 'cancelled before it started' });
    return new Promise((resolve) => {
      let session: ClientHttp2Session;
      try {
        session = this.connect();
      } catch (e) {
        resolve({ ok: false, code: GrpcStatus.UNAVAILABLE, details: (e as Error).message });
        return;
      }
      const headers: http2.OutgoingHttpHeaders = {
        [HTTP2_HEADER_METHOD]: 'POST', [HTTP2_HEADER_AUTHORITY]: this.authorityHeader, [HTTP2_HEADER_PATH]: path, [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc', [HTTP2_HEADER_TE]: 'trailers',
        'grpc-timeout': `${Math.max(1, Math.ceil(opts.deadlineMs))}m`,
        ...opts.metadata,
      };
      let done = false;
      let status: number | undefined;
      let grpcStatus: unknown;
      let grpcMessage: unknown;
      const chunks: Buffer[] = [];
      let size = 0;
      const finish = (r: UnaryResult): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const stream = session.request(headers, { endStream: false });
      const timer = setTimeout(() => { stream.close(NGHTTP2_CANCEL); finish({ ok: false, code: GrpcStatus.DEADLINE_EXCEEDED, details: `deadline of ${opts.deadlineMs} ms exceeded` }); }, opts.deadlineMs);
      const onAbort = (): void => { stream.close(NGHTTP2_CANCEL); finish({ ok: false, code: GrpcStatus.CANCELLED, details: 'cancelled' }); };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const fromHeaders = (h: IncomingHttpHeaders & IncomingHttpStatusHeader): void => {
        if (h[HTTP2_HEADER_STATUS] !== undefined) status = Number(h[HTTP2_HEADER_STATUS]);
        if (h['grpc-status'] !== undefined) { grpcStatus = h['grpc-status']; grpcMessage = h['grpc-message']; }
      };
      stream.on('response', fromHeaders);
      stream.on('trailers', fromHeaders);
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > this.maxMessageBytes + 5) { stream.close(NGHTTP2_CANCEL); finish({ ok: false, code: GrpcStatus.RESOURCE_EXHAUSTED, details: `response larger than ${this.maxMessageBytes} bytes` }); return; }
        chunks.push(c);
      });
      stream.on('error', (e: Error) => finish({ ok: false, code: GrpcStatus.UNAVAILABLE, details: e.message }));
      stream.on('close', () => {
        if (done) return;
        if (grpcStatus === undefined) {
          const code = status !== undefined && status !== 200 ? fromHttpStatus(status) : GrpcStatus.UNAVAILABLE;
          return finish({ ok: false, code, details: status !== undefined ? `HTTP ${status} without a gRPC status` : 'the stream closed without an answer' });
        }
        const code = Number(grpcStatus);
        if (code !== GrpcStatus.OK) return finish({ ok: false, code: Number.isInteger(code) ? code : GrpcStatus.UNKNOWN, details: decodeMessage(grpcMessage) });
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
        if (body.length < 5) return finish({ ok: false, code: GrpcStatus.INTERNAL, details: 'the answer has no message' });
        if (body[0] !== 0) return finish({ ok: false, code: GrpcStatus.INTERNAL, details: 'the answer is compressed, which was not offered' });
        const len = body.readUInt32BE(1);
        if (body.length < 5 + len) return finish({ ok: false, code: GrpcStatus.INTERNAL, details: 'the answer is truncated' });
        finish({ ok: true, message: body.subarray(5, 5 + len) });
      });
      const frame = Buffer.allocUnsafe(5 + request.length);
      frame[0] = 0;
      frame.writeUInt32BE(request.length, 1);
      frame.set(request, 5);
      stream.end(frame);
    });
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }
}
