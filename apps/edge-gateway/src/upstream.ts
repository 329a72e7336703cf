// The upstream side of the proxy, on undici (the Node.js project's HTTP/1.1 client): one keep-alive connection pool
// per upstream origin. `dispatch` hands the answer to a handler as it arrives (the streaming path writes it straight to
// the client: no ClientRequest, no IncomingMessage, no pipe); `request` resolves with status, headers and a readable
// body for the paths that read the answer (on_response hooks).
import type { Readable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';

export interface UpstreamRequest {
  method: string;
  /** The client's origin-form target; the upstream URL's path is put in front of it. */
  path: string;
  headers: Record<string, string> | string[];
  body: Buffer | Readable | null;
}

export class Upstream {
  readonly url: URL;
  /** The Host header of forwarded requests. */
  readonly host: string;
  private readonly basePath: string;
  private readonly pool: Pool;

  constructor(url: string) {
    this.url = new URL(url);
    this.host = this.url.host;
    this.basePath = this.url.pathname.replace(/\/$/, '');
    // No time limits of its own, as before with node:http: an LLM's answer, or the gap between two events of a stream,
    // can take minutes; the client's connection bounds the exchange (it going away aborts it).
    this.pool = new Pool(this.url.origin, { headersTimeout: 0, bodyTimeout: 0 });
  }

  dispatch(req: UpstreamRequest, handler: Dispatcher.DispatchHandler): void {
    this.pool.dispatch({ method: req.method, path: this.basePath + req.path, headers: req.headers, body: req.body }, handler);
  }

  /** @param signal aborts the exchange (the client's connection closing). */
  request(req: UpstreamRequest, signal: AbortSignal | undefined): Promise<Dispatcher.ResponseData> {
    return this.pool.request({ method: req.method, path: this.basePath + req.path, headers: req.headers, body: req.body, signal });
  }

  /** Closes the pool once its exchanges in flight are done. */
  close(): Promise<void> {
    return this.pool.close();
  }

  /** Closes the pool now, aborting what is in flight. */
  destroy(): Promise<void> {
    return this.pool.destroy();
  }
}
