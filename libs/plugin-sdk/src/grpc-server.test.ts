import { afterEach, describe, expect, it } from 'vitest';
import http2, { type ClientHttp2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { gopluginpb, healthpb } from '@plugway/proto';
import { encodeGrpcMessage, GrpcServer, parseGrpcTimeout, Status } from './grpc-server.js';
import type { HookContext } from './plugin-hooks.types.js';

const CHECK = healthpb.HealthService.check.path;
const WATCH = healthpb.HealthService.watch.path;
const Req = healthpb.HealthCheckRequest;
const Res = healthpb.HealthCheckResponse;

const frame = (msg: Uint8Array, flag = 0): Buffer => {
  const b = Buffer.alloc(5 + msg.length);
  b[0] = flag;
  b.writeUInt32BE(msg.length, 1);
  b.set(msg, 5);
  return b;
};
const request = (service: string): Buffer => frame(Req.encode({ service }).finish());

interface Answer { http: number; status?: number; message?: string; frames: Buffer[] }

const servers: GrpcServer[] = [];
const sessions: ClientHttp2Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  for (const s of servers.splice(0)) await s.close(100);
});

async function start(setup: (s: GrpcServer) => void): Promise<{ server: GrpcServer; session: ClientHttp2Session; port: number }> {
  const server = new GrpcServer({ maxReceiveBytes: 1024 });
  setup(server);
  servers.push(server);
  await new Promise<void>((r) => server.http2.listen(0, '127.0.0.1', r));
  const port = (server.http2.address() as { port: number }).port;
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on('error', () => undefined);
  sessions.push(session);
  return { server, session, port };
}

// One raw HTTP/2 exchange, so the test controls every byte and header the server sees.
function call(session: ClientHttp2Session, path: string, body: Buffer | undefined, headers: http2.OutgoingHttpHeaders = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    const out: Answer = { http: 0, frames: [] };
    const chunks: Buffer[] = [];
    const read = (h: http2.IncomingHttpHeaders): void => {
      if (h['grpc-status'] !== undefined) { out.status = Number(h['grpc-status']); out.message = decodeURIComponent(String(h['grpc-message'] ?? '')); }
    };
    stream.on('response', (h) => { out.http = Number(h[':status']); read(h); });
    stream.on('trailers', read);
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () => {
      let all = Buffer.concat(chunks);
      while (all.length >= 5) { const len = all.readUInt32BE(1); out.frames.push(all.subarray(5, 5 + len)); all = all.subarray(5 + len); }
      resolve(out);
    });
    stream.end(body);
  });
}

const serving = (s: GrpcServer): void => s.unary(CHECK, Req, Res, async (r) => ({ status: r.service === 'down' ? 2 : 1 }));

describe('GrpcServer (gRPC over node:http2)', () => {
  it('answers a unary call with one frame and grpc-status 0 trailers, and grpc-js clients understand it', async () => {
    const { session, port } = await start(serving);
    const a = await call(session, CHECK, request('plugin'));
    expect(a).toMatchObject({ http: 200, status: 0 });
    expect(a.frames.map((f) => Res.decode(f))).toEqual([{ status: 1 }]);
    const client = new healthpb.HealthClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const res = await new Promise<healthpb.HealthCheckResponse>((resolve, reject) => client.check({ service: 'down' }, (e, r) => (e ? reject(e) : resolve(r))));
    client.close();
    expect(res.status).toBe(2);
  });

  it('carries a 3 MiB message each way (flow control) to a grpc-js client', async () => {
    const Echo = gopluginpb.StdioData;
    const server = new GrpcServer();
    server.unary('/t.Echo/Big', Echo, Echo, async (r) => r);
    servers.push(server);
    await new Promise<void>((r) => server.http2.listen(0, '127.0.0.1', r));
    const client = new grpc.Client(`127.0.0.1:${(server.http2.address() as { port: number }).port}`, grpc.credentials.createInsecure());
    const data = Buffer.alloc(3 * 1024 * 1024, 7);
    const res = await new Promise<gopluginpb.StdioData>((resolve, reject) => client.makeUnaryRequest('/t.Echo/Big',
      (m: gopluginpb.StdioData) => Buffer.from(Echo.encode(m).finish()), (b: Buffer) => Echo.decode(b), { channel: 1, data }, (e, r) => (e ? reject(e) : resolve(r!))));
    client.close();
    expect(res.channel).toBe(1);
    expect(Buffer.compare(Buffer.from(res.data), data)).toBe(0);
  });

  describe('when the request is malformed, it answers a status and keeps serving', () => {
    it.each([
      ['an unknown method', '/x.Y/Z', request(''), {}, Status.UNIMPLEMENTED, /unknown method \/x\.Y\/Z/],
      ['no message', CHECK, undefined, {}, Status.INTERNAL, /no request message/],
      ['a truncated prefix', CHECK, Buffer.from([0, 0, 0]), {}, Status.INTERNAL, /no request message/],
      ['a length that does not match', CHECK, Buffer.concat([request('a'), Buffer.from([1])]), {}, Status.INTERNAL, /malformed gRPC frame/],
      ['two messages', CHECK, Buffer.concat([request('a'), request('b')]), {}, Status.INTERNAL, /malformed gRPC frame/],
      ['a compressed flag without grpc-encoding', CHECK, frame(Buffer.from('x'), 1), {}, Status.INTERNAL, /flag 1/],
      ['an unsupported grpc-encoding', CHECK, frame(Buffer.from('x'), 1), { 'grpc-encoding': 'gzip' }, Status.UNIMPLEMENTED, /gzip/],
      ['bytes that are not the message', CHECK, frame(Buffer.from([0xff, 0xff, 0xff])), {}, Status.INTERNAL, /cannot decode/],
      ['a malformed grpc-timeout', CHECK, request(''), { 'grpc-timeout': '10x' }, Status.INTERNAL, /grpc-timeout/],
      ['a message over the limit', CHECK, frame(Buffer.alloc(2000)), {}, Status.RESOURCE_EXHAUSTED, /larger than 1024/],
    ])('%s', async (_name, path, body, headers, status, message) => {
      const { session } = await start(serving);
      const a = await call(session, path, body, headers);
      expect(a.status).toBe(status);
      expect(a.message).toMatch(message);
      expect((await call(session, CHECK, request(''))).status).toBe(Status.OK);
    });

    it('answers a request that is not gRPC with HTTP 415', async () => {
      const { session } = await start(serving);
      expect((await call(session, CHECK, request(''), { 'content-type': 'application/json' })).http).toBe(415);
    });
  });

  describe('when the handler fails', () => {
    it.each([
      ['rejects with a status', () => Promise.reject({ code: Status.NOT_FOUND, details: 'ünknown 100%' }), Status.NOT_FOUND, 'ünknown 100%'],
      ['throws synchronously', () => { throw new Error('sync'); }, Status.INTERNAL, 'sync'],
      ['answers what cannot be encoded', async () => ({ status: 'x' }) as never, Status.INTERNAL, /cannot encode/],
    ])('%s', async (_name, handler, status, message) => {
      const { session } = await start((s) => s.unary(CHECK, Req, Res, handler as never));
      const a = await call(session, CHECK, request(''));
      expect(a.status).toBe(status);
      expect(a.message).toMatch(message);
    });
  });

  it('passes string metadata and aborts the signal at the grpc-timeout deadline with DEADLINE_EXCEEDED', async () => {
    let seen: HookContext | undefined;
    let aborted: Promise<string> = Promise.resolve('not called');
    const { session } = await start((s) => s.unary(CHECK, Req, Res, (_r, ctx) => {
      seen = ctx;
      aborted = new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(String((ctx.signal.reason as Error).message))));
      return new Promise(() => undefined);
    }));
    const a = await call(session, CHECK, request(''), { 'grpc-timeout': '50m', 'x-tenant': 'acme', 'x-key-bin': 'AQI=', 'user-agent': 'test/1' });
    expect(a.status).toBe(Status.DEADLINE_EXCEEDED);
    expect(await aborted).toBe('deadline exceeded');
    expect(seen?.metadata).toEqual({ 'x-tenant': 'acme', 'user-agent': 'test/1' });
  });

  it('aborts the signal when the client resets the stream, and keeps serving', async () => {
    let onAbort: (why: string) => void = () => undefined;
    const aborted = new Promise<string>((r) => { onAbort = r; });
    const { session } = await start((s) => {
      s.unary(CHECK, Req, Res, (r, ctx) => {
        if (r.service !== 'hang') return Promise.resolve({ status: 1 });
        setTimeout(() => ctx.signal.addEventListener('abort', () => onAbort(String((ctx.signal.reason as Error).message))), 0);
        return new Promise(() => undefined);
      });
    });
    const stream = session.request({ ':method': 'POST', ':path': CHECK, 'content-type': 'application/grpc' });
    stream.on('error', () => undefined);
    stream.end(request('hang'));
    await new Promise((r) => setTimeout(r, 50));
    stream.close(http2.constants.NGHTTP2_CANCEL);
    expect(await aborted).toBe('cancelled by the host');
    expect((await call(session, CHECK, request(''))).status).toBe(Status.OK);
  });

  it('survives a host that goes away while a call is in flight, and serves the next connection', async () => {
    let answered = (): void => undefined;
    const late = new Promise<void>((r) => { answered = r; });
    const { session, port } = await start((s) => s.unary(CHECK, Req, Res, (r) => (r.service !== 'slow' ? Promise.resolve({ status: 1 })
      : new Promise((resolve) => setTimeout(() => { resolve({ status: 1 }); setImmediate(answered); }, 100)))));
    void call(session, CHECK, request('slow')).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 30));
    session.destroy();
    await late;
    const next = http2.connect(`http://127.0.0.1:${port}`);
    sessions.push(next);
    expect((await call(next, CHECK, request(''))).status).toBe(Status.OK);
  });

  it('streams several frames, and on close ends held-open streams with OK after in-flight calls drain', async () => {
    let finish: () => void = () => undefined;
    const { server, session } = await start((s) => {
      s.serverStream(WATCH, Req, Res, (r, c) => {
        if (r.service === 'hold') return;
        c.write({ status: 1 });
        c.write({ status: 2 });
        c.end();
      });
      s.unary(CHECK, Req, Res, () => new Promise((resolve) => { finish = () => resolve({ status: 1 }); }));
    });
    const many = await call(session, WATCH, request(''));
    expect(many.status).toBe(Status.OK);
    expect(many.frames.map((f) => Res.decode(f).status)).toEqual([1, 2]);
    const held = call(session, WATCH, request('hold'));
    const inFlight = call(session, CHECK, request(''));
    await new Promise((r) => setTimeout(r, 50));
    let closed = false;
    const closing = server.close(5000).then(() => { closed = true; });
    expect((await held).status).toBe(Status.OK);
    await new Promise((r) => setTimeout(r, 50));
    expect(closed).toBe(false);
    finish();
    expect((await inFlight).frames.map((f) => Res.decode(f))).toEqual([{ status: 1 }]);
    await closing;
  });

  it('encodes grpc-message as gRPC percent-encoding and parses grpc-timeout units', () => {
    expect(encodeGrpcMessage('plain text: ok')).toBe('plain text: ok');
    expect(encodeGrpcMessage('100% ü\n')).toBe('100%25 %C3%BC%0A');
    expect([parseGrpcTimeout('5S'), parseGrpcTimeout('250m'), parseGrpcTimeout('1H'), parseGrpcTimeout('1500u'), parseGrpcTimeout('123456789m'), parseGrpcTimeout('5')]).toEqual([5000, 250, 3_600_000, 1.5, undefined, undefined]);
  });
});
