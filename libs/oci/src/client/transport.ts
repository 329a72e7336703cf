// The HTTP core of the registry client: auth (up front + one challenge round), manual redirects that drop
// credentials across origins, per-attempt timeouts that also cover body reading (idle timer), retries with
// exponential backoff + full jitter for idempotent requests, and mapping of every failure onto OciError.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@plugway/core';
import { backoffDelay, redactUrl } from '@plugway/core';
import { OciError, type OciErrorCode } from '../error.js';
import type { RegistryAuth } from './auth.types.js';
import type { GuardedFetch, HttpFetch, HttpFileBody, HttpRequest, HttpResponse } from './http.types.js';

export type RequestKind = 'ping' | 'manifest' | 'blob' | 'upload' | 'manifest-push' | 'tags' | 'referrers';

export interface ErrorContext {
  kind: RequestKind;
  repository?: string;
  reference?: string;
}

export interface TransportOptions {
  registry: string;
  baseUrl: string;
  auth: RegistryAuth | undefined;
  credentialName: string | undefined;
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
  logger: Logger;
  fetch: HttpFetch | GuardedFetch;
  userAgent: string;
}

export interface SendSpec {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Absolute URL or a path (resolved against the registry base URL). */
  url: string;
  scope: string;
  headers?: Record<string, string>;
  /** A factory, so the body can be re-created for a retry or an auth round. */
  body?: () => NonNullable<HttpRequest['body']>;
  /** The same body as a file, sent instead of `body` when the fetch takes files (a `GuardedFetch`). */
  file?: () => HttpFileBody;
  idempotent: boolean;
  signal: AbortSignal | undefined;
  ctx: ErrorContext;
  /** HTTP statuses that count as success (default 2xx). */
  ok?: (status: number) => boolean;
}

/** Aborts a request when no progress is made for `ms`; `touch()` on every body chunk. */
export class Deadline {
  readonly signal: AbortSignal;
  timedOut = false;
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly ms: number, readonly userSignal: AbortSignal | undefined) {
    this.signal = userSignal ? AbortSignal.any([userSignal, this.controller.signal]) : this.controller.signal;
    this.touch();
  }

  touch(): void {
    // Called for every body chunk (a thousand times for 64 MiB): restart the same timer rather than make a new one.
    if (this.timer) {
      this.timer.refresh();
      return;
    }
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error(`no progress for ${this.ms} ms`));
    }, this.ms);
    this.timer.unref?.();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

export interface Sent {
  res: HttpResponse;
  /** Still armed: the caller reads the body under it and must call dispose(). */
  deadline: Deadline;
  authSent: boolean;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECT_STATUS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export function ociError(code: OciErrorCode, message: string, details: Record<string, unknown>, cause?: unknown): OciError {
  return new OciError({ code, message, details, cause: cause ?? new Error(message) });
}

/** Maps a thrown fetch/stream error to OCI_ABORTED, OCI_TIMEOUT or OCI_REGISTRY_UNREACHABLE. */
export function mapThrown(e: unknown, deadline: Deadline | undefined, registry: string, ctx: ErrorContext): OciError {
  if (e instanceof OciError) return e;
  const details = { registry, ...ctxDetails(ctx) };
  if (deadline?.userSignal?.aborted) return new OciError({ code: 'OCI_ABORTED', message: `request to ${registry} was aborted`, details, cause: e });
  if (deadline?.timedOut) return new OciError({ code: 'OCI_TIMEOUT', message: `request to ${registry} timed out (${describeCtx(ctx)})`, details, cause: e });
  const reason = networkReason(e);
  return new OciError({ code: 'OCI_REGISTRY_UNREACHABLE', message: `cannot reach registry ${registry}: ${reason}`, details: { ...details, reason }, cause: e });
}

function networkReason(e: unknown): string {
  const err = e as { message?: string; cause?: { code?: string; message?: string } };
  return (err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e)).slice(0, 200);
}

function ctxDetails(ctx: ErrorContext): Record<string, unknown> {
  return {
    ...(ctx.repository !== undefined ? { repository: ctx.repository } : {}),
    ...(ctx.reference !== undefined ? { reference: ctx.reference } : {}),
  };
}

function describeCtx(ctx: ErrorContext): string {
  return [ctx.kind, ctx.repository, ctx.reference].filter(Boolean).join(' ');
}

/** Reads at most `limit` bytes of a response body as text (for error bodies); never throws. */
async function readSmallText(res: HttpResponse, limit = 65_536): Promise<string> {
  try {
    if (!res.body) return '';
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.byteLength;
      if (n >= limit) { await reader.cancel().catch(() => undefined); break; }
    }
    return Buffer.concat(chunks).toString('utf8').slice(0, limit);
  } catch {
    return '';
  }
}

/** Drops a response body without reading it (frees the connection). */
export async function discard(res: HttpResponse): Promise<void> {
  try { await res.body?.cancel(); } catch { /* ignore */ }
}

interface RegistryErrorEntry { code: string; message: string }

/** Parses the distribution spec's `{ errors: [{ code, message, detail }] }` body (detail is dropped). */
function parseRegistryErrors(text: string): RegistryErrorEntry[] {
  try {
    const body = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(body.errors)) return [];
    return body.errors.slice(0, 10).map((e: { code?: unknown; message?: unknown }) => ({
      code: typeof e?.code === 'string' ? e.code.slice(0, 60) : 'UNKNOWN',
      message: typeof e?.message === 'string' ? e.message.slice(0, 200) : '',
    }));
  } catch {
    return [];
  }
}

/** Builds the OciError for a non-success response (consumes the body). */
export async function errorFromResponse(res: HttpResponse, registry: string, ctx: ErrorContext, authSent: boolean): Promise<OciError> {
  const errors = parseRegistryErrors(await readSmallText(res));
  const summary = errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('; ').slice(0, 400);
  const status = res.status;
  const what = describeCtx(ctx);
  const details = { registry, ...ctxDetails(ctx), status, ...(errors.length ? { registryErrors: errors } : {}) };
  const suffix = summary ? ` (${summary})` : '';
  let code: OciErrorCode = 'OCI_REGISTRY_ERROR';
  let message = `registry ${registry} answered HTTP ${status} to ${what}${suffix}`;
  if (status === 401) {
    code = 'OCI_UNAUTHORIZED';
    message = `registry ${registry} rejected ${authSent ? 'the credentials' : 'anonymous access'} for ${what}${suffix}`;
  } else if (status === 403) {
    code = 'OCI_DENIED';
    message = `registry ${registry} denied ${what}${suffix}`;
  } else if (status === 404 && ctx.kind === 'manifest') {
    code = 'OCI_MANIFEST_NOT_FOUND';
    message = `manifest ${ctx.repository}:${ctx.reference} not found on ${registry}${suffix}`;
  } else if (status === 404 && ctx.kind === 'blob') {
    code = 'OCI_BLOB_NOT_FOUND';
    message = `blob ${ctx.reference} not found in ${ctx.repository} on ${registry}${suffix}`;
  } else if (status === 404 && ctx.kind === 'tags') {
    code = 'OCI_REPOSITORY_NOT_FOUND';
    message = `repository ${ctx.repository} not found on ${registry}${suffix}`;
  } else if (ctx.kind === 'upload' || ctx.kind === 'manifest-push') {
    code = status === 413 && ctx.kind === 'manifest-push' ? 'OCI_MANIFEST_TOO_LARGE' : 'OCI_PUSH_FAILED';
    message = `push to ${registry} failed: HTTP ${status} on ${what}${suffix}`;
  }
  return ociError(code, message, details, new Error(`HTTP ${status}${suffix}`));
}

function backoffMs(attempt: number, base: number, retryAfter: string | null): number {
  const exp = backoffDelay(attempt, base, 10_000);
  const jittered = Math.random() * exp;
  const ra = retryAfter !== null ? Number(retryAfter) : NaN;
  return Number.isFinite(ra) && ra >= 0 ? Math.min(30_000, Math.max(jittered, ra * 1000)) : jittered;
}

export class Transport {
  constructor(readonly o: TransportOptions) {}

  resolve(url: string): string {
    return /^https?:\/\//i.test(url) ? url : `${this.o.baseUrl}${url}`;
  }

  /**
   * Sends a request and returns the successful response with its deadline still armed (the caller reads the
   * body and disposes it). Non-success responses become OciErrors.
   */
  async send(spec: SendSpec): Promise<Sent> {
    const ok = spec.ok ?? ((s: number) => s >= 200 && s < 300);
    for (let attempt = 0; ; attempt++) {
      const deadline = new Deadline(this.o.timeoutMs, spec.signal);
      let sent: Sent;
      try {
        sent = await this.sendAuthed(spec, deadline);
      } catch (e) {
        deadline.dispose();
        const err = mapThrown(e, deadline, this.o.registry, spec.ctx);
        if (err.code === 'OCI_REGISTRY_UNREACHABLE' && spec.idempotent && attempt < this.o.retries) {
          await this.pause(attempt, null, spec.signal, spec.ctx);
          continue;
        }
        throw err;
      }
      const { res } = sent;
      if (ok(res.status)) return sent;
      if (RETRYABLE_STATUS.has(res.status) && spec.idempotent && attempt < this.o.retries) {
        this.o.logger.debug('registry request will be retried', { status: res.status, attempt, kind: spec.ctx.kind });
        await discard(res);
        deadline.dispose();
        await this.pause(attempt, res.headers.get('retry-after'), spec.signal, spec.ctx);
        continue;
      }
      try {
        throw await errorFromResponse(res, this.o.registry, spec.ctx, sent.authSent);
      } finally {
        deadline.dispose();
      }
    }
  }

  /** Sleeps before a retry; an abort during the pause becomes OCI_ABORTED. */
  async pause(attempt: number, retryAfter: string | null, signal: AbortSignal | undefined, ctx: ErrorContext): Promise<void> {
    try {
      await sleep(backoffMs(attempt, this.o.retryBaseMs, retryAfter), undefined, signal ? { signal } : undefined);
    } catch (e) {
      throw new OciError({ code: 'OCI_ABORTED', message: `request to ${this.o.registry} was aborted`, details: { registry: this.o.registry, ...ctxDetails(ctx) }, cause: e });
    }
  }

  private async authorization(fn: () => Promise<string | undefined>, deadline: Deadline, ctx: ErrorContext): Promise<string | undefined> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof OciError) throw e;
      if (deadline.userSignal?.aborted || deadline.timedOut) throw mapThrown(e, deadline, this.o.registry, ctx);
      const msg = e instanceof Error ? e.message : String(e);
      const code = (e as { code?: unknown })?.code;
      throw new OciError({
        code: 'OCI_UNAUTHORIZED',
        message: `authentication for ${this.o.registry} failed: ${msg.slice(0, 300)}`,
        details: { registry: this.o.registry, ...ctxDetails(ctx), ...(typeof code === 'string' ? { authErrorCode: code } : {}) },
        cause: e,
      });
    }
  }

  private async sendAuthed(spec: SendSpec, deadline: Deadline): Promise<Sent> {
    const { auth, registry, credentialName } = this.o;
    const aopts = { signal: deadline.signal, ...(credentialName !== undefined ? { credentialName } : {}) };
    let authz = auth ? await this.authorization(() => auth.authorization(registry, spec.scope, aopts), deadline, spec.ctx) : undefined;
    const first = await this.fetchFollowing(spec, authz, deadline);
    let res = first.res;
    if (res.status === 401 && auth && first.sameOrigin) {
      const www = res.headers.get('www-authenticate');
      if (www) {
        const next = await this.authorization(() => auth.challenge(registry, www, spec.scope, aopts), deadline, spec.ctx);
        if (next !== undefined && next !== authz) {
          await discard(res);
          authz = next;
          ({ res } = await this.fetchFollowing(spec, authz, deadline));
        }
      }
    }
    return { res, deadline, authSent: authz !== undefined };
  }

  private async fetchFollowing(spec: SendSpec, authz: string | undefined, deadline: Deadline): Promise<{ res: HttpResponse; sameOrigin: boolean }> {
    let url = this.resolve(spec.url);
    // Credentials belong to the registry's origin only (upload Locations and redirects may point elsewhere).
    const origin = new URL(this.o.baseUrl).origin;
    const canFollow = spec.method === 'GET' || spec.method === 'HEAD';
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const sameOrigin = new URL(url).origin === origin;
      const headers: Record<string, string> = { 'user-agent': this.o.userAgent, ...spec.headers };
      // Credentials never follow a redirect to another origin (blob storage, CDNs).
      if (authz !== undefined && sameOrigin) headers['authorization'] = authz;
      const init: HttpRequest = { method: spec.method, headers, redirect: 'manual', signal: deadline.signal };
      // A fetch that takes files (a `GuardedFetch`) gets the file itself; any other the body.
      const f = this.o.fetch;
      const files = 'acceptsFileBodies' in f ? f : undefined;
      const file = files ? spec.file?.() : undefined;
      const body = file === undefined ? spec.body?.() : undefined;
      if (body !== undefined) { init.body = body; init.duplex = 'half'; }
      this.o.logger.debug('registry request', { method: spec.method, url: redactUrl(url), hop });
      const res = files && file !== undefined ? await files(url, { ...init, body: file }) : await f(url, init);
      deadline.touch();
      const location = res.headers.get('location');
      if (canFollow && REDIRECT_STATUS.has(res.status) && location) {
        await discard(res);
        url = new URL(location, url).href;
        continue;
      }
      return { res, sameOrigin };
    }
    throw ociError('OCI_REGISTRY_ERROR', `too many redirects from ${this.o.registry} (${describeCtx(spec.ctx)})`, { registry: this.o.registry, ...ctxDetails(spec.ctx) });
  }
}

/**
 * Reads a whole body, at most `limit` bytes, under the request deadline (each chunk resets the idle timer).
 * Calls `tooLarge(bytesSeen)` to build the error when the limit is crossed.
 */
export async function readBody(res: HttpResponse, deadline: Deadline, limit: number, tooLarge: (n: number) => OciError, registry: string, ctx: ErrorContext): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await discard(res);
    throw tooLarge(declared);
  }
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      deadline.touch();
      n += value.byteLength;
      if (n > limit) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(n);
      }
      chunks.push(value);
    }
  } catch (e) {
    throw mapThrown(e, deadline, registry, ctx);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
