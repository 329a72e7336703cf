// The HTTP exchange the registry client needs: a subset of fetch, so `globalThis.fetch` (or any wrapper of it) can
// be passed as the client's `fetch`, while the default one (dial.ts) does not have to load fetch's Response class,
// which costs Node 20 ~10-15 ms of CPU on first use (undici) — a measurable part of a `plugway pull`.

/** A request as the client sends it. */
export interface HttpRequest {
  /** Default GET. */
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>;
  signal?: AbortSignal;
  /** `manual`: a 3xx is returned as it is (the client follows redirects itself); default `follow`. */
  redirect?: 'manual' | 'follow';
  /** Required by fetch for a stream body. */
  duplex?: 'half';
}

/** A response as the client reads it (a fetch `Response` is one). */
export interface HttpResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}

/** What the client calls to send a request. */
export type HttpFetch = (url: string, init?: HttpRequest) => Promise<HttpResponse>;

/**
 * A file as a request body, for a fetch made by `createGuardedFetch` (`GuardedFetch`): it is read into two reused buffers,
 * each read again only once the socket took what it held, so a push holds two chunks whatever the file's size. A web
 * stream body would allocate a new buffer per chunk, garbage that piles up until the GC runs.
 */
export interface HttpFileBody {
  readonly file: string;
  /** Called with the bytes of each chunk the socket took. */
  readonly onSent?: (bytes: number) => void;
}

/** The fetch `createGuardedFetch` returns: an `HttpFetch` that also takes an `HttpFileBody`. */
export interface GuardedFetch {
  (url: string, init?: HttpRequest | (Omit<HttpRequest, 'body'> & { body: HttpFileBody })): Promise<HttpResponse>;
  readonly acceptsFileBodies: true;
}
