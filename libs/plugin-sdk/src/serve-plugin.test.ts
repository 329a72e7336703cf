import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { configproviderpb, gopluginpb, healthpb, pluginpb } from '@plugway/proto';
import { serve, type RunningPlugin, type ServeIo, type ServeOptions } from './serve-plugin.js';
import { SdkError } from './error.js';

const COOKIE = { AI_STUDIO_PLUGIN: 'v1' };

class Exit extends Error { constructor(readonly code: number) { super(`exit ${code}`); } }

// A fake process: records stdout/stderr/exit and lets the test raise signals.
function fakeIo(): ServeIo & { out: string[]; err: string[]; exits: number[]; signals: Map<string, () => void>; exited: Promise<number> } {
  let onExit: (c: number) => void = () => undefined;
  const exited = new Promise<number>((r) => { onExit = r; });
  const io = {
    out: [] as string[], err: [] as string[], exits: [] as number[], signals: new Map<string, () => void>(), exited,
    stdout: (l: string) => { io.out.push(l); },
    stderr: (t: string) => { io.err.push(t); },
    exit: ((code: number) => { io.exits.push(code); onExit(code); if (code !== 0) throw new Exit(code); }) as (code: number) => never,
    onSignal: (s: string, fn: () => void) => { io.signals.set(s, fn); },
    parentGone: () => false,
  };
  return io;
}

const running: RunningPlugin[] = [];
afterEach(async () => { for (const p of running.splice(0)) await p.stop(); });

async function start(opts: Partial<ServeOptions> = {}, env: Record<string, string> = {}) {
  const io = fakeIo();
  const p = await serve({ hooks: {}, exitWithParent: false, ...opts, env: { ...COOKIE, ...env } }, io);
  running.push(p);
  const target = p.network === 'unix' ? `unix:${p.address}` : p.address;
  return { p, io, target };
}

function check(target: string, service = 'plugin'): Promise<number | string> {
  const c = new healthpb.HealthClient(target, grpc.credentials.createInsecure());
  return new Promise((resolve) => c.check({ service }, (err, res) => { c.close(); resolve(err ? `error ${err.code}` : res!.status); }));
}

describe('serve (the go-plugin plugin side)', () => {
  describe('when the magic cookie is missing or wrong', () => {
    it.each([[{}], [{ AI_STUDIO_PLUGIN: 'v2' }], [{ MICROGATEWAY_PLUGIN: 'v1' }]])('prints go-plugin\'s message and exits 1 (env %j)', async (env) => {
      const io = fakeIo();
      await expect(serve({ hooks: {}, env }, io)).rejects.toBeInstanceOf(Exit);
      expect(io.exits).toEqual([1]);
      expect(io.err.join('')).toContain('This binary is a plugin. These are not meant to be executed directly.');
      expect(io.out).toEqual([]);
    });
  });

  describe('when the options are wrong', () => {
    it('throws SDK_INVALID_OPTIONS listing every problem', async () => {
      const err = await serve({ hooks: { preAuth: 'x', nope: async () => ({}) } as never, handshake: { magicCookieKey: '', magicCookieValue: 'v', appProtocolVersion: 0 }, env: COOKIE }, fakeIo()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SdkError);
      expect((err as SdkError).code).toBe('SDK_INVALID_OPTIONS');
      expect((err as SdkError).details?.problems).toHaveLength(4);
    });
  });

  it('prints the handshake line, serves health "plugin" and the plugin service on a private unix socket', async () => {
    const { p, io, target } = await start({ hooks: { preAuth: async (r) => ({ modified: true, headers: { ...r.headers, x: '1' } }) } });
    expect(io.out).toEqual([`1|1|unix|${p.address}|grpc\n`]);
    expect(p.address.startsWith(tmpdir())).toBe(true);
    expect(await check(target)).toBe(healthpb.HealthCheckResponse_ServingStatus.SERVING);
    expect(await check(target, 'other')).toBe(`error ${grpc.status.NOT_FOUND}`);
    const client = new pluginpb.PluginServiceClient(target, grpc.credentials.createInsecure());
    const res = await new Promise<pluginpb.PluginResponse>((resolve, reject) => client.processPreAuth(pluginpb.PluginRequest.fromPartial({ headers: { a: 'b' } }), (e, r) => (e ? reject(e) : resolve(r))));
    client.close();
    expect(res.headers).toEqual({ a: 'b', x: '1' });
  });

  it('aborts a hook\'s signal when the host\'s deadline passes, and passes the call metadata', async () => {
    let aborted: Promise<string> = Promise.resolve('not called');
    const { target } = await start({
      hooks: {
        preAuth: (_req, ctx) => {
          aborted = new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(`aborted; tenant=${ctx.metadata['x-tenant']}`)));
          return new Promise(() => undefined); // never answers
        },
      },
    });
    const client = new pluginpb.PluginServiceClient(target, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set('x-tenant', 'acme');
    const err = await new Promise<grpc.ServiceError | null>((resolve) => client.processPreAuth(pluginpb.PluginRequest.fromPartial({}), md, { deadline: Date.now() + 300 }, (e) => resolve(e)));
    client.close();
    expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(await aborted).toBe('aborted; tenant=acme');
  });

  it('answers the config-only service and leaves studio-side RPCs UNIMPLEMENTED', async () => {
    const { target } = await start({ manifest: { name: 'm', version: '2.0.0' }, configSchema: { type: 'object', required: ['k'] } });
    const cfg = new configproviderpb.ConfigProviderServiceClient(target, grpc.credentials.createInsecure());
    const unary = <T,>(fn: (cb: (e: grpc.ServiceError | null, r: T) => void) => void) => new Promise<{ e: grpc.ServiceError | null; r: T }>((resolve) => fn((e, r) => resolve({ e, r })));
    const schema = await unary<configproviderpb.ConfigSchemaResponse>((cb) => cfg.getConfigSchema({}, cb));
    const man = await unary<configproviderpb.GetManifestResponse>((cb) => cfg.getManifest({}, cb));
    const ping = await unary<configproviderpb.ConfigPingResponse>((cb) => cfg.ping({ timestamp: '42' }, cb));
    cfg.close();
    expect(schema.r).toEqual({ success: true, schemaJson: '{"type":"object","required":["k"]}', errorMessage: '' });
    expect(man.r).toEqual({ success: true, manifestJson: '{"name":"m","version":"2.0.0"}', errorMessage: '' });
    expect(ping.r).toEqual({ timestamp: '42', healthy: true });
    const client = new pluginpb.PluginServiceClient(target, grpc.credentials.createInsecure());
    const asset = await unary<pluginpb.GetAssetResponse>((cb) => client.getAsset({ assetPath: '/x' }, cb));
    const regs = await unary<pluginpb.GetEndpointRegistrationsResponse>((cb) => client.getEndpointRegistrations({}, cb));
    client.close();
    expect(asset.e?.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(regs.r).toEqual({ registrations: [] });
  });

  it('answers Health.Watch with the status, and go-plugin\'s broker (not offered) with UNIMPLEMENTED', async () => {
    const { target } = await start();
    const health = new healthpb.HealthClient(target, grpc.credentials.createInsecure());
    const watched: number[] = [];
    await new Promise<void>((resolve, reject) => health.watch({ service: 'plugin' }).on('data', (r: healthpb.HealthCheckResponse) => watched.push(r.status)).on('end', resolve).on('error', reject));
    health.close();
    expect(watched).toEqual([healthpb.HealthCheckResponse_ServingStatus.SERVING]);
    const broker = new gopluginpb.GRPCBrokerClient(target, grpc.credentials.createInsecure());
    const stream = broker.startStream();
    const code = await new Promise<number>((resolve) => stream.on('error', (e: grpc.ServiceError) => resolve(e.code)));
    broker.close();
    expect(code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it('puts the socket under PLUGIN_UNIX_SOCKET_DIR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockdir-'));
    try {
      const { p } = await start({}, { PLUGIN_UNIX_SOCKET_DIR: dir });
      expect(dirname(dirname(p.address))).toBe(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('negotiating PLUGIN_PROTOCOL_VERSIONS', () => {
    it('answers with its version when offered, and still with its version (logged) when not — as go-plugin does', async () => {
      const a = await start({ handshake: { magicCookieKey: 'AI_STUDIO_PLUGIN', magicCookieValue: 'v1', appProtocolVersion: 2 } }, { PLUGIN_PROTOCOL_VERSIONS: '1,2' });
      expect(a.io.out[0]).toMatch(/^1\|2\|unix\|/);
      const b = await start({}, { PLUGIN_PROTOCOL_VERSIONS: '3,x' });
      expect(b.io.out[0]).toMatch(/^1\|1\|unix\|/);
      expect(b.io.err.join('')).toContain('SDK_PROTOCOL_MISMATCH');
      expect(b.io.err.join('')).toContain('invalid plugin version');
    });
  });

  describe('with network tcp', () => {
    it('binds 127.0.0.1 at the first free port in PLUGIN_MIN_PORT..PLUGIN_MAX_PORT', async () => {
      // Occupy one port and offer it plus the next few: the plugin must skip the busy one.
      const busy: Server = createServer();
      await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
      const port = (busy.address() as { port: number }).port;
      try {
        const { p, io, target } = await start({ network: 'tcp' }, { PLUGIN_MIN_PORT: String(port), PLUGIN_MAX_PORT: String(port + 20) });
        const got = Number(p.address.split(':')[1]);
        expect(got).toBeGreaterThan(port);
        expect(got).toBeLessThanOrEqual(port + 20);
        expect(io.out).toEqual([`1|1|tcp|127.0.0.1:${got}|grpc\n`]);
        expect(await check(target)).toBe(healthpb.HealthCheckResponse_ServingStatus.SERVING);
      } finally {
        busy.close();
      }
    });

    it.each([
      [{ PLUGIN_MIN_PORT: 'x', PLUGIN_MAX_PORT: '2' }],
      [{ PLUGIN_MIN_PORT: '30001', PLUGIN_MAX_PORT: '30000' }],
    ])('fails with SDK_BIND_FAILED for %j', async (env) => {
      const err = await serve({ hooks: {}, network: 'tcp', exitWithParent: false, env: { ...COOKIE, ...env } }, fakeIo()).catch((e: unknown) => e);
      expect((err as SdkError).code).toBe('SDK_BIND_FAILED');
    });
  });

  it('on the controller Shutdown: runs the shutdown hook, removes the socket and exits 0', async () => {
    let hookRan = false;
    const { p, io, target } = await start({ hooks: { shutdown: async () => { hookRan = true; } } });
    // A go-plugin ≥1.2 host holds a StreamStdio call open; it must not stall the drain.
    const stdio = new gopluginpb.GRPCStdioClient(target, grpc.credentials.createInsecure());
    const stream = stdio.streamStdio({});
    stream.on('error', () => undefined);
    stream.resume();
    const ended = new Promise<grpc.StatusObject>((r) => stream.on('status', r));
    // Let the stream reach the server before asking it to shut down.
    await new Promise((r) => setTimeout(r, 200));
    const controller = new gopluginpb.GRPCControllerClient(target, grpc.credentials.createInsecure());
    await new Promise<void>((resolve, reject) => controller.shutdown({}, (e) => (e ? reject(e) : resolve())));
    expect(await io.exited).toBe(0);
    expect((await ended).code).toBe(grpc.status.OK);
    controller.close();
    stdio.close();
    expect(hookRan).toBe(true);
    expect(existsSync(p.address)).toBe(false);
    expect(existsSync(dirname(p.address))).toBe(false);
  });

  it('does not hang on a shutdown hook that never finishes, and removes the socket before it runs', async () => {
    let sockAtHook: boolean | undefined;
    const { p } = await start({ shutdownGraceMs: 100, hooks: { shutdown: () => { sockAtHook = existsSync(p.address); return new Promise(() => undefined); } } });
    await p.stop();
    expect(sockAtHook).toBe(false);
    expect(p.logger).toBeDefined();
  });

  it('exits 0 on SIGTERM and ignores SIGINT (the host decides), like go-plugin', async () => {
    const { io, target } = await start();
    io.signals.get('SIGINT')!();
    expect(await check(target)).toBe(healthpb.HealthCheckResponse_ServingStatus.SERVING);
    io.signals.get('SIGTERM')!();
    expect(await io.exited).toBe(0);
  });

  it('stops when the host process goes away', async () => {
    const io = fakeIo();
    let gone = false;
    io.parentGone = () => gone;
    running.push(await serve({ hooks: {}, env: COOKIE }, io));
    gone = true;
    expect(await io.exited).toBe(0);
    expect(io.err.join('')).toContain('host process went away');
  });
});
