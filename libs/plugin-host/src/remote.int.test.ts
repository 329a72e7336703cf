import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pluginpb } from '@plugway/proto';
import { connectRemote, PluginHostError } from './index.js';

// A remote plugin service in this process; connectRemote dials it over real loopback gRPC.
function startServer(creds: grpc.ServerCredentials): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(pluginpb.PluginServiceService, {
    processPreAuth: (call: grpc.ServerUnaryCall<pluginpb.PluginRequest, pluginpb.PluginResponse>, cb: grpc.sendUnaryData<pluginpb.PluginResponse>) =>
      cb(null, pluginpb.PluginResponse.fromPartial({ modified: true, headers: { authority: call.getHost() } })),
  } as unknown as pluginpb.PluginServiceServer);
  return new Promise((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', creds, (err, port) => (err ? reject(err) : resolve({ port, server }))));
}

let dir: string;
let cert: Buffer;
let key: Buffer;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'remote-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-subj', '/CN=plugin.test', '-addext', 'subjectAltName=DNS:plugin.test',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'));
  key = readFileSync(join(dir, 'key.pem'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('connectRemote (real gRPC over loopback)', () => {
  it('connects in plaintext to the resolved address and calls a hook', async () => {
    const { port, server } = await startServer(grpc.ServerCredentials.createInsecure());
    const conn = await connectRemote({ address: '127.0.0.1', port, serverName: 'plugins.internal.example' });
    try {
      expect(conn.kind).toBe('remote');
      expect(await conn.health()).toBe('UNKNOWN'); // neither grpc.health.v1 nor Ping on this service
      const out = await conn.callHook('processPreAuth', { path: '/' });
      expect(out.status === 'ok' && out.response.headers).toEqual({ authority: 'plugins.internal.example' });
    } finally {
      await conn.close();
      server.forceShutdown();
    }
  });

  it('reports health from Ping when the server has only plugin.PluginService (no grpc.health.v1)', async () => {
    for (const [healthy, want] of [[true, 'SERVING'], [false, 'NOT_SERVING']] as const) {
      const server = new grpc.Server();
      server.addService(pluginpb.PluginServiceService, {
        ping: (call: grpc.ServerUnaryCall<pluginpb.PingRequest, pluginpb.PingResponse>, cb: grpc.sendUnaryData<pluginpb.PingResponse>) => cb(null, { timestamp: call.request.timestamp, healthy }),
      } as unknown as pluginpb.PluginServiceServer);
      const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
      const conn = await connectRemote({ address: '127.0.0.1', port }).catch((e: unknown) => e);
      if (healthy) {
        expect(await (conn as Awaited<ReturnType<typeof connectRemote>>).health()).toBe(want);
        await (conn as Awaited<ReturnType<typeof connectRemote>>).close();
      } else {
        expect((conn as PluginHostError).code).toBe('PLUGIN_UNHEALTHY');
      }
      server.forceShutdown();
    }
  });

  it('verifies the server certificate against the given CA and server name', async () => {
    const { port, server } = await startServer(grpc.ServerCredentials.createSsl(null, [{ cert_chain: cert, private_key: key }]));
    try {
      const conn = await connectRemote({ address: '127.0.0.1', port, serverName: 'plugin.test', tls: { ca: cert } });
      expect((await conn.callHook('processPreAuth', {})).status).toBe('ok');
      await conn.close();
      const err = await connectRemote({ address: '127.0.0.1', port, serverName: 'wrong.test', tls: { ca: cert }, connectTimeoutMs: 1500 }).catch((e: unknown) => e);
      expect((err as PluginHostError).code).toBe('PLUGIN_CONNECT_FAILED');
    } finally {
      server.forceShutdown();
    }
  });

  it('fails with PLUGIN_CONNECT_FAILED when nothing listens, and validates options', async () => {
    const { port, server } = await startServer(grpc.ServerCredentials.createInsecure());
    server.forceShutdown();
    const err = await connectRemote({ address: '127.0.0.1', port, connectTimeoutMs: 800 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginHostError);
    expect((err as PluginHostError).code).toBe('PLUGIN_CONNECT_FAILED');
    const bad = await connectRemote({ address: '127.0.0.1', port: 0 }).catch((e: unknown) => e);
    expect((bad as PluginHostError).code).toBe('PLUGIN_INVALID_OPTIONS');
  });
});
