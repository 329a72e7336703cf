// A fetch for the OCI path that connects only where a guard says, at the address the guard checked: every request
// (registry, redirect target, token realm, mirror) asks the guard first, then dials the returned IP with the name
// kept for the Host header and for TLS (SNI and certificate verification), so DNS is never consulted again.
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { lookup } from 'node:dns/promises';
import { open } from 'node:fs/promises';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { OciError } from '../error.js';
import type { GuardedFetch, HttpFileBody, HttpRequest, HttpResponse } from './http.types.js';

/** Where a request is about to go. `host` has no brackets; `port` is the effective port. */
export interface DialTarget {
  protocol: 'http:' | 'https:';
  host: string;
  port: number;
}

/** The guard's answer: the address to dial, or a coded refusal (`code` is the policy's, e.g. POLICY_LOOPBACK_ADDRESS). */
export type DialDecision = { allowed: true; address: string } | { allowed: false; code: string; message: string };

/** Checks a connection before it is made (the runtime implements it with the security policy). */
export type DialGuard = (target: DialTarget, opts: { signal?: AbortSignal }) => Promise<DialDecision>;

export interface GuardedFetchOptions {
  /** Extra trusted CA certificates (PEM) for https; the system store is used otherwise. */
  ca?: string | Buffer;
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);
const MAX_REDIRECTS = 5;

type Body = Buffer | Readable | HttpFileBody | undefined;

function bodyOf(body: HttpRequest['body'] | HttpFileBody): Body {
  if (body === undefined) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if ('file' in body) return body;
  return Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
}

const FILE_CHUNK = 256 * 1024;

/**
 * Sends a file through `req`, reading into two buffers in turn: a buffer is read into again only after the write of
 * what it held before has completed (its callback ran), so a request holds two chunks whatever the file's size.
 */
async function pumpFile(req: ClientRequest, body: HttpFileBody): Promise<void> {
  const closed = new Promise<never>((_, reject) => req.once('close', () => reject(new Error('request closed while sending'))));
  closed.catch(() => undefined);
  const fh = await open(body.file, 'r');
  try {
    const buffers = [Buffer.allocUnsafe(FILE_CHUNK), Buffer.allocUnsafe(FILE_CHUNK)];
    let writing: Promise<void> = Promise.resolve();
    for (let i = 0; ; i++) {
      const buf = buffers[i % 2]!;
      const { bytesRead } = await fh.read(buf, 0, FILE_CHUNK, null);
      await Promise.race([writing, closed]);
      if (bytesRead === 0) break;
      writing = new Promise<void>((resolve, reject) => { req.write(buf.subarray(0, bytesRead), (e) => (e ? reject(e) : resolve())); });
      writing.catch(() => undefined);
      body.onSent?.(bytesRead);
    }
    req.end();
  } finally {
    await fh.close();
  }
}

/** A response on node:http's message: headers as Node parsed them (lower-case names, repeats joined). */
class DialResponse implements HttpResponse {
  readonly headers: { get(name: string): string | null };
  constructor(readonly status: number, raw: IncomingMessage['headers'], readonly body: ReadableStream<Uint8Array> | null) {
    this.headers = {
      get: (name) => {
        const v = raw[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
    };
  }

  async text(): Promise<string> {
    if (!this.body) return '';
    const reader = this.body.getReader();
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    return Buffer.concat(chunks).toString('utf8');
  }
}

function toResponse(res: IncomingMessage, method: string): HttpResponse {
  const status = res.statusCode ?? 502;
  if (method === 'HEAD' || NULL_BODY_STATUS.has(status)) {
    res.resume();
    return new DialResponse(status, res.headers, null);
  }
  return new DialResponse(status, res.headers, bodyStream(res));
}

/** The response body as a web stream that pauses the socket while the reader is behind (bounded buffering). */
function bodyStream(res: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(ctl) {
      res.on('data', (chunk: Buffer) => {
        ctl.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((ctl.desiredSize ?? 0) <= 0) res.pause();
      });
      res.once('end', () => ctl.close());
      res.once('error', (e) => ctl.error(e));
      res.once('aborted', () => ctl.error(new Error('response aborted')));
    },
    pull() { res.resume(); },
    cancel() { res.destroy(); },
  }, { highWaterMark: 16 });
}

/**
 * A `fetch` (string/URL input, `method`, `headers`, `body`, `signal`, `redirect`) that asks `guard` before every
 * connection and dials the address it returns. A refusal rejects with OciError OCI_CONNECTION_DENIED
 * (`details.policyCode`) and nothing is sent. `redirect: 'follow'` re-checks every hop.
 */
export function createGuardedFetch(guard: DialGuard, opts: GuardedFetchOptions = {}): GuardedFetch {
  const http = new HttpAgent({ keepAlive: true });
  const https = new HttpsAgent({ keepAlive: true, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) });

  async function once(url: URL, method: string, headers: Record<string, string>, body: Body, signal: AbortSignal | undefined): Promise<HttpResponse> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported protocol ${url.protocol}`);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    const decision = await guard({ protocol: url.protocol, host, port }, signal ? { signal } : {});
    if (!decision.allowed) {
      throw new OciError({
        code: 'OCI_CONNECTION_DENIED',
        message: `connection to ${url.host} refused by the security policy (${decision.code}): ${decision.message}`,
        details: { host: url.host, policyCode: decision.code },
      });
    }
    const out: Record<string, string> = { host: url.host, ...headers };
    if (Buffer.isBuffer(body)) out['content-length'] = String(body.byteLength);
    const secure = url.protocol === 'https:';
    const request = secure ? httpsRequest : httpRequest;
    return new Promise<HttpResponse>((resolve, reject) => {
      const req = request({
        host: decision.address,
        port,
        method,
        path: `${url.pathname}${url.search}`,
        headers: out,
        agent: secure ? https : http,
        // TLS checks the certificate against the name, not the address dialled (no SNI for an IP literal).
        ...(secure && isIP(host) === 0 ? { servername: host } : {}),
        ...(signal ? { signal } : {}),
      });
      req.once('response', (res) => resolve(toResponse(res, method)));
      req.once('error', (e) => reject(signal?.aborted ? e : new TypeError('fetch failed', { cause: e })));
      if (body instanceof Readable) {
        body.once('error', (e) => req.destroy(e));
        body.pipe(req);
      } else if (body !== undefined && !Buffer.isBuffer(body)) {
        pumpFile(req, body).catch((e: unknown) => req.destroy(e instanceof Error ? e : new Error(String(e))));
      } else {
        req.end(body);
      }
    });
  }

  const fetch = async (input: string, init: Parameters<GuardedFetch>[1] = {}): Promise<HttpResponse> => {
    let url = new URL(input);
    const method = (init.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
    const body = bodyOf(init.body);
    const signal = init.signal;
    for (let hop = 0; ; hop++) {
      const res = await once(url, method, headers, body, signal);
      const location = res.headers.get('location');
      const follow = init.redirect !== 'manual' && (method === 'GET' || method === 'HEAD') && res.status >= 300 && res.status < 400 && location;
      if (!follow) return res;
      if (hop >= MAX_REDIRECTS) throw new TypeError('fetch failed', { cause: new Error('too many redirects') });
      await res.body?.cancel().catch(() => undefined);
      const next = new URL(location, url);
      // Like fetch: credentials never follow a redirect to another origin.
      if (next.origin !== url.origin) delete headers['authorization'];
      url = next;
    }
  };
  return Object.assign(fetch, { acceptsFileBodies: true as const });
}

/** No policy: the name is resolved by the system and the first address dialled (the client's default, e.g. the CLI). */
export const resolveOnly: DialGuard = async (t) => ({ allowed: true, address: isIP(t.host) ? t.host : (await lookup(t.host)).address });
