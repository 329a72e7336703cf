// The floor the edge is measured against: a minimal node:http keep-alive reverse proxy, optionally making one
// ProcessPreAuth call per request to a go-plugin plugin, over raw node:http2 with gRPC framing, over plugway's own
// node:http2 hook client (plugin-host's H2UnaryClient, the client the edge calls hooks with), with @grpc/grpc-js or
// with @connectrpc/connect-node (gRPC protocol). Usage: minimal-proxy.ts <upstream-url> [h2|plugway-h2|grpc-js|connect
// <plugin-address>] — prints its URL, then serves. `minimal-proxy.ts <upstream-url> undici` forwards through undici
// (a keep-alive Pool and a dispatch handler, as the edge does) instead of node:http's client, without a call: the
// reference for what the upstream client choice is worth.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Pool, type Dispatcher } from 'undici';
import { encodeGrpcFrame, pluginpb } from '@plugway/proto';
import { H2UnaryClient } from '../../../libs/plugin-host/src/h2-client.js';

const [upstreamUrl, client, address] = process.argv.slice(2);
const up = new URL(upstreamUrl!);
const EMPTY = Buffer.alloc(0);
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo' });

type Call = (req: http.IncomingMessage) => Promise<void>;
// Every variant makes the edge's call: the client's headers with the request id the proxy adds, and the PluginContext
// every hook gets under AI Studio's contract (the request id; no LLM, app or user here) — the same message, so the
// plugin does the same work for either.
const request = (req: http.IncomingMessage): pluginpb.PluginRequest => {
  const requestId = randomUUID();
  return {
    method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...(req.headers as Record<string, string>), 'x-request-id': requestId }, body: EMPTY,
    remoteAddr: req.socket.remoteAddress ?? '', context: { requestId, vendor: '', llmId: 0, llmSlug: '', appId: 0, userId: 0, metadata: {}, traceContext: {} },
  };
};
const message = (req: http.IncomingMessage): Uint8Array => pluginpb.PluginRequest.encode(request(req)).finish();
const dial = (): net.Socket => (address!.startsWith('/') ? net.connect(address!) : net.connect(Number(address!.split(':')[1]), address!.split(':')[0]));

let call: Call | undefined;
if (client === 'h2') {
  const session = http2.connect('http://plugin', { createConnection: dial });
  call = (req) => new Promise((resolve, reject) => {
    const body = message(req);
    const frame = Buffer.allocUnsafe(5 + body.length);
    frame[0] = 0;
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);
    const s = session.request({ ':method': 'POST', ':path': '/plugin.PluginService/ProcessPreAuth', 'content-type': 'application/grpc', te: 'trailers' });
    s.on('data', () => undefined);
    s.on('trailers', (t) => (t['grpc-status'] === '0' ? resolve() : reject(new Error(String(t['grpc-message'])))));
    s.on('error', reject);
    s.end(frame);
  });
} else if (client === 'plugway-h2') {
  // What any proxy calling a hook through this client must do: a deadline (the edge's default 5 s), the request encoded
  // into its frame, the answer decoded and a block honoured (403) — and no more (no routes, metrics, fail modes,
  // forwarded-for headers or cancellation).
  const h2 = new H2UnaryClient(address!.startsWith('/') ? { kind: 'unix', path: address! } : { kind: 'tcp', host: address!.split(':')[0]!, port: Number(address!.split(':')[1]) });
  const path = pluginpb.PluginServiceService.processPreAuth.path;
  const opts = { deadlineMs: 5_000 };
  call = (req) => h2.unaryFramed(path, encodeGrpcFrame(pluginpb.PluginRequest, request(req)), opts).then((out) => {
    if (!out.ok) throw new Error(out.details);
    if (pluginpb.PluginResponse.decode(out.message).block) throw new Error('blocked');
  });
} else if (client === 'grpc-js') {
  const c = new pluginpb.PluginServiceClient(address!.startsWith('/') ? `unix:${address}` : address!, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  call = (req) => new Promise((resolve, reject) => {
    c.processPreAuth(request(req), md, (e) => (e ? reject(e) : resolve()));
  });
} else if (client === 'connect') {
  // Loaded only for this variant, so the other floors do not carry connect-node's modules.
  const { connectPreAuth } = await import('../../../libs/plugin-host/bench/connect-client.js');
  const preAuth = connectPreAuth(new URL('../../../', import.meta.url).pathname, address!);
  call = (req) => preAuth(request(req));
}

// The undici variant: the client's header lines (Host replaced, hop-by-hop ones and Expect dropped), the answer written as it arrives.
const pool = client === 'undici' ? new Pool(up.origin) : undefined;
class ToClient implements Dispatcher.DispatchHandler {
  constructor(private readonly res: http.ServerResponse) {}
  onRequestStart(): void {}
  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    const { connection: _connection, 'keep-alive': _keepAlive, 'transfer-encoding': _te, ...rest } = headers;
    this.res.writeHead(status, rest);
  }
  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) { c.pause(); this.res.once('drain', () => c.resume()); }
  }
  onResponseEnd(): void { this.res.end(); }
  onResponseError(): void { if (this.res.headersSent) this.res.destroy(); else this.res.writeHead(502).end(); }
}

const server = http.createServer((req, res) => {
  if (pool) {
    const headers: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const k = req.rawHeaders[i]!.toLowerCase();
      if (k !== 'host' && k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding' && k !== 'expect') headers.push(k, req.rawHeaders[i + 1]!);
    }
    headers.push('host', up.host);
    const bodiless = req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined;
    return pool.dispatch({ method: req.method ?? 'GET', path: req.url ?? '/', headers, body: bodiless ? null : req }, new ToClient(res));
  }
  const forward = (): void => {
    const upReq = http.request({ agent, hostname: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    upReq.on('error', () => res.writeHead(502).end());
    req.pipe(upReq);
  };
  if (call) call(req).then(forward, (e: Error) => res.writeHead(e.message === 'blocked' ? 403 : 502).end());
  else forward();
});
server.keepAliveTimeout = 5_000;
// A normal exit on SIGTERM, so a --cpu-prof profile gets written.
process.once('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as net.AddressInfo;
  process.stdout.write(`http://127.0.0.1:${a.port}\n`);
});
