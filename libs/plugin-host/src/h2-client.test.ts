// The node:http2 hook client against a real grpc-js server on loopback: answers, metadata, status codes, deadlines,
// cancellation, reconnect after the server went away, and TLS with a client certificate (mTLS).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pluginpb } from '@plugway/proto';
import { H2UnaryClient } from './h2-client.js';

const PATH = pluginpb.PluginServiceService.processPreAuth.path;
const encode = (path: string): Uint8Array => pluginpb.PluginRequest.encode(pluginpb.PluginRequest.fromPartial({ path })).finish();

function startServer(creds: grpc.ServerCredentials, port = 0): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(pluginpb.PluginServiceService, {
    processPreAuth: (call: grpc.ServerUnaryCall<pluginpb.PluginRequest, pluginpb.PluginResponse>, cb: grpc.sendUnaryData<pluginpb.PluginResponse>) => {
      const path = call.request.path;
      if (path === '/fail') return cb({ code: grpc.status.PERMISSION_DENIED, details: 'nö, not you' });
      const answer = () => cb(null, pluginpb.PluginResponse.fromPartial({ modified: true, headers: { authority: call.getHost(), seen: String(call.metadata.get('x-meta')[0] ?? '') } }));
      if (path === '/slow') setTimeout(answer, 3000); else answer();
    },
  } as unknown as pluginpb.PluginServiceServer);
  return new Promise((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, creds, (err, p) => (err ? reject(err) : resolve({ port: p, server }))));
}

const decode = (r: Awaited<ReturnType<H2UnaryClient['unary']>>) => (r.ok ? pluginpb.PluginResponse.decode(r.message) : r);

describe('H2UnaryClient', () => {
  let port: number;
  let server: grpc.Server;
  beforeAll(async () => ({ port, server } = await startServer(grpc.ServerCredentials.createInsecure())));
  afterAll(() => server.forceShutdown());

  it('makes a unary call with metadata and the given :authority', async () => {
    const c = new H2UnaryClient({ kind: 'tcp', host: '127.0.0.1', port, authority: 'plugin.example' });
    try {
      const out = decode(await c.unary(PATH, encode('/ok'), { deadlineMs: 5000, metadata: { 'x-meta': 'v1' } }));
      expect(out).toMatchObject({ modified: true, headers: { authority: 'plugin.example', seen: 'v1' } });
    } finally {
      c.close();
    }
  });

  it('answers the server status and its percent-decoded message, UNIMPLEMENTED for an unknown method', async () => {
    const c = new H2UnaryClient({ kind: 'tcp', host: '127.0.0.1', port });
    try {
      expect(await c.unary(PATH, encode('/fail'), { deadlineMs: 5000 })).toEqual({ ok: false, code: grpc.status.PERMISSION_DENIED, details: 'nö, not you' });
      expect(await c.unary('/plugin.PluginService/NoSuchMethod', encode('/'), { deadlineMs: 5000 })).toMatchObject({ ok: false, code: grpc.status.UNIMPLEMENTED });
    } finally {
      c.close();
    }
  });

  it('ends a call at its deadline and on abort, and the session stays usable', async () => {
    const c = new H2UnaryClient({ kind: 'tcp', host: '127.0.0.1', port });
    try {
      expect(await c.unary(PATH, encode('/slow'), { deadlineMs: 150 })).toMatchObject({ ok: false, code: grpc.status.DEADLINE_EXCEEDED });
      const ac = new AbortController();
      const pending = c.unary(PATH, encode('/slow'), { deadlineMs: 5000, signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      expect(await pending).toMatchObject({ ok: false, code: grpc.status.CANCELLED });
      expect(await c.unary(PATH, encode('/x'), { deadlineMs: 100, signal: ac.signal })).toMatchObject({ ok: false, code: grpc.status.CANCELLED });
      expect((await c.unary(PATH, encode('/ok'), { deadlineMs: 5000 })).ok).toBe(true);
    } finally {
      c.close();
    }
  });

  it('ends each of several concurrent calls at its own deadline (one timer for all), a short one behind a long one too', async () => {
    const c = new H2UnaryClient({ kind: 'tcp', host: '127.0.0.1', port });
    try {
      const started = performance.now();
      const long = c.unary(PATH, encode('/slow'), { deadlineMs: 1000 }).then((r) => [r, performance.now() - started] as const);
      const short = c.unary(PATH, encode('/slow'), { deadlineMs: 100 }).then((r) => [r, performance.now() - started] as const);
      const ok = c.unary(PATH, encode('/ok'), { deadlineMs: 3000 });
      expect((await ok).ok).toBe(true);
      const [shortOut, shortMs] = await short;
      expect(shortOut).toMatchObject({ ok: false, code: grpc.status.DEADLINE_EXCEEDED });
      expect(shortMs).toBeGreaterThanOrEqual(95);
      expect(shortMs).toBeLessThan(900);
      const [longOut, longMs] = await long;
      expect(longOut).toMatchObject({ ok: false, code: grpc.status.DEADLINE_EXCEEDED });
      expect(longMs).toBeGreaterThanOrEqual(995);
    } finally {
      c.close();
    }
  });

  it('cancels every call in flight on one shared signal, and a signal reused after calls ended still cancels', async () => {
    const c = new H2UnaryClient({ kind: 'tcp', host: '127.0.0.1', port });
    try {
      const ac = new AbortController();
      // Calls that ended before the abort are no longer watched by the signal.
      expect((await c.unary(PATH, encode('/ok'), { deadlineMs: 5000, signal: ac.signal })).ok).toBe(true);
      const pending = [c.unary(PATH, encode('/slow'), { deadlineMs: 5000, signal: ac.signal }), c.unary(PATH, encode('/slow'), { deadlineMs: 5000, signal: ac.signal })];
      setTimeout(() => ac.abort(), 50);
      for (const out of await Promise.all(pending)) expect(out).toMatchObject({ ok: false, code: grpc.status.CANCELLED });
    } finally {
      c.close();
    }
  });

  it('answers UNAVAILABLE while the server is gone and reconnects once it is back', async () => {
    const first = await startServer(grpc.ServerCredentials.createInsecure());
    const c = new H2UnaryClient({ kind: 'tcp', host: '127.0.0.1', port: first.port });
    try {
      expect((await c.unary(PATH, encode('/ok'), { deadlineMs: 5000 })).ok).toBe(true);
      first.server.forceShutdown();
      expect(await c.unary(PATH, encode('/ok'), { deadlineMs: 2000 })).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
      const again = await startServer(grpc.ServerCredentials.createInsecure(), first.port);
      try {
        expect((await c.unary(PATH, encode('/ok'), { deadlineMs: 5000 })).ok).toBe(true);
      } finally {
        again.server.forceShutdown();
      }
    } finally {
      c.close();
    }
    expect(await c.unary(PATH, encode('/ok'), { deadlineMs: 100 })).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
  });
});

describe('H2UnaryClient over TLS', () => {
  let dir: string;
  let cert: Buffer;
  let key: Buffer;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'h2-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
      '-subj', '/CN=plugin.test', '-addext', 'subjectAltName=DNS:plugin.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'));
    key = readFileSync(join(dir, 'key.pem'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies the server by name and presents a client certificate when the server requires one (mTLS)', async () => {
    // The same self-signed certificate serves as server identity, client identity and the CA both sides trust.
    const { port, server } = await startServer(grpc.ServerCredentials.createSsl(cert, [{ cert_chain: cert, private_key: key }], true));
    const tls = (extra: object) => new H2UnaryClient({ kind: 'tcp', host: '127.0.0.1', port, authority: 'plugin.test', tls: { ca: cert, servername: 'plugin.test', ...extra } });
    const withCert = tls({ cert, key });
    const withoutCert = tls({});
    const wrongName = new H2UnaryClient({ kind: 'tcp', host: '127.0.0.1', port, tls: { ca: cert, cert, key, servername: 'wrong.test' } });
    try {
      expect(decode(await withCert.unary(PATH, encode('/ok'), { deadlineMs: 5000 }))).toMatchObject({ headers: { authority: 'plugin.test' } });
      expect(await withoutCert.unary(PATH, encode('/ok'), { deadlineMs: 5000 })).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
      expect(await wrongName.unary(PATH, encode('/ok'), { deadlineMs: 5000 })).toMatchObject({ ok: false, code: grpc.status.UNAVAILABLE });
    } finally {
      for (const c of [withCert, withoutCert, wrongName]) c.close();
      server.forceShutdown();
    }
  });
});
