import { pluginpb } from '@plugway/proto';
import { afterEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@plugway/core';
import { launchPlugin, livePluginProcesses, PluginHostError, PluginSupervisor, type LaunchOptions, type PluginConnection } from './index.js';
import { alive } from './__fixtures__/processes.js';

const FIXTURE = fileURLToPath(new URL('./__fixtures__/fixture-plugin.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

function fixture(mode: string, extra: Partial<LaunchOptions> = {}): LaunchOptions {
  return { path: process.execPath, args: ['--import', 'tsx', FIXTURE], cwd: REPO, hostEnv: process.env, env: { FIXTURE_MODE: mode }, startupTimeoutMs: 15_000, ...extra };
}

const open: Array<PluginConnection | PluginSupervisor> = [];
afterEach(async () => {
  for (const c of open.splice(0)) await ('stop' in c ? c.stop() : c.close());
});

async function expectCode(p: Promise<unknown>, code: string): Promise<PluginHostError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PluginHostError);
  expect((err as PluginHostError).code).toBe(code);
  return err as PluginHostError;
}

describe('launchPlugin (real child processes, real gRPC)', () => {
  it('handshakes over a unix socket, checks health and calls a hook', async () => {
    const conn = await launchPlugin(fixture('ok'));
    open.push(conn);
    expect(conn.kind).toBe('process');
    expect(await conn.health()).toBe('SERVING');
    const out = await conn.callHook('processPreAuth', { method: 'GET', path: '/x', headers: { a: '1' } });
    expect(out.status).toBe('ok');
    if (out.status === 'ok') expect(out.response.headers).toMatchObject({ a: '1', 'x-fixture': `pid-${conn.pid}` });
    const man = await conn.callHook('getManifest', {});
    expect(man.status === 'ok' && JSON.parse(man.response.manifestJson)).toEqual({ name: 'fixture', version: '1.0.0' });
    // A complete request goes out as it is; one that only claims to be complete fails the call instead of throwing.
    const exact = await conn.callHook('processPreAuth', pluginpb.PluginRequest.fromPartial({ method: 'GET', path: '/y', headers: { b: '2' } }), { complete: true });
    expect(exact.status === 'ok' && exact.response.headers).toMatchObject({ b: '2' });
    const lie = await conn.callHook('processPreAuth', { method: 'GET' }, { complete: true });
    expect(lie.status === 'failed' && lie.error.code).toBe('PLUGIN_CALL_FAILED');
  });

  it('forwards the plugin\'s hclog stderr lines to the host logger with their level and fields', async () => {
    const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
    const rec = (level: string) => (msg: string, fields?: Record<string, unknown>) => { lines.push({ level, msg, ...(fields ? { fields } : {}) }); };
    const logger: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error'), child: () => logger };
    const conn = await launchPlugin(fixture('ok', { logger }));
    open.push(conn);
    expect(lines).toContainEqual({ level: 'info', msg: 'fixture serving', fields: { stream: 'stderr', mode: 'ok' } });
  });

  it('handshakes over tcp', async () => {
    const conn = await launchPlugin(fixture('tcp'));
    open.push(conn);
    expect((await conn.callHook('authenticate', { credential: 'good' })).status).toBe('ok');
  });

  it('reports a plugin error as a failed outcome, not a throw', async () => {
    const conn = await launchPlugin(fixture('ok'));
    open.push(conn);
    const out = await conn.callHook('authenticate', { credential: 'boom' });
    expect(out.status).toBe('failed');
    if (out.status === 'failed') expect(out.error.code).toBe('PLUGIN_CALL_FAILED');
  });

  it('refuses a plugin started with the wrong magic cookie (it exits with go-plugin\'s message)', async () => {
    const err = await expectCode(launchPlugin(fixture('ok', { handshake: { magicCookieKey: 'OTHER', magicCookieValue: 'x', appProtocolVersions: [1] } })), 'PLUGIN_EXITED');
    // The whole of go-plugin's three-line message, and the cookie the host sent.
    expect(err.message).toContain('the host sent the magic cookie OTHER=x');
    expect(err.message).toContain('This binary is a plugin. These are not meant to be executed directly.\nPlease execute the program that consumes these plugins, which will\nload any plugins automatically');
    expect(err.details).toMatchObject({ cookie: 'OTHER=x' });
  });

  it('starts plugins that check the older MICROGATEWAY_PLUGIN cookie with the default handshake', async () => {
    const conn = await launchPlugin(fixture('ok', { env: { FIXTURE_MODE: 'ok', FIXTURE_COOKIE: 'MICROGATEWAY_PLUGIN' } }));
    open.push(conn);
    expect((await conn.callHook('processPreAuth', {})).status).toBe('ok');
  });

  it('runs the GRPCBroker stream and refuses a plugin\'s request for a host service', async () => {
    const lines: string[] = [];
    const rec = (msg: string, f?: Record<string, unknown>): void => { lines.push(`${msg} ${JSON.stringify(f ?? {})}`); };
    const logger: Logger = { debug: rec, info: rec, warn: rec, error: rec, child: () => logger };
    const conn = await launchPlugin(fixture('broker', { logger }));
    open.push(conn);
    for (let i = 0; i < 50 && !lines.some((l) => l.includes('broker answer')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(lines.find((l) => l.includes('broker answer'))).toContain('offers no services over the go-plugin GRPCBroker');
    expect(lines.some((l) => l.includes('refused'))).toBe(true);
  });

  it('rejects a garbage handshake line', async () => {
    await expectCode(launchPlugin(fixture('garbage')), 'PLUGIN_HANDSHAKE_FAILED');
  });

  it('rejects the netrpc protocol', async () => {
    await expectCode(launchPlugin(fixture('netrpc')), 'PLUGIN_PROTOCOL_UNSUPPORTED');
  });

  it('reports an early exit with the exit code and stderr', async () => {
    const err = await expectCode(launchPlugin(fixture('early-exit')), 'PLUGIN_EXITED');
    expect(err.details).toMatchObject({ exitCode: 3, cookie: 'AI_STUDIO_PLUGIN=v1 and MICROGATEWAY_PLUGIN=v1' });
    expect(err.message).toContain('fixture: first of two lines\nfixture: giving up early');
  });

  it('times out a plugin that never prints a handshake, and kills it', async () => {
    const before = livePluginProcesses();
    await expectCode(launchPlugin(fixture('silent', { startupTimeoutMs: 1500 })), 'PLUGIN_HANDSHAKE_TIMEOUT');
    expect(livePluginProcesses()).toBe(before);
  });

  it('refuses an unhealthy plugin', async () => {
    await expectCode(launchPlugin(fixture('unhealthy')), 'PLUGIN_UNHEALTHY');
  });

  it('refuses a relative path and a missing binary', async () => {
    await expectCode(launchPlugin({ path: 'relative/bin' }), 'PLUGIN_INVALID_OPTIONS');
    await expectCode(launchPlugin({ path: '/nonexistent/plugin-binary' }), 'PLUGIN_SPAWN_FAILED');
  });

  it('turns a call that hangs past its deadline into a timeout outcome', async () => {
    const conn = await launchPlugin(fixture('slow'));
    open.push(conn);
    const out = await conn.callHook('processPreAuth', {}, { deadlineMs: 300 });
    expect(out.status).toBe('timeout');
    if (out.status === 'timeout') expect(out.error.code).toBe('PLUGIN_CALL_TIMEOUT');
  });

  it('cancels a call when its signal aborts', async () => {
    const conn = await launchPlugin(fixture('slow'));
    open.push(conn);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const out = await conn.callHook('processPreAuth', {}, { signal: ac.signal, deadlineMs: 10_000 });
    expect(out.status === 'failed' && out.error.code).toBe('PLUGIN_CALL_ABORTED');
  });

  it('shuts down through the controller and leaves no process behind', async () => {
    const conn = await launchPlugin(fixture('ok'));
    const pid = conn.pid;
    expect(alive(pid)).toBe(true);
    await conn.close();
    expect(alive(pid)).toBe(false);
    const after = await conn.callHook('processPreAuth', {});
    expect(after.status === 'failed' && after.error.code).toBe('PLUGIN_CLOSED');
  });

  it('escalates to SIGKILL when the plugin ignores Shutdown and SIGTERM', async () => {
    const conn = await launchPlugin(fixture('stubborn', { shutdownTimeoutMs: 300 }));
    const pid = conn.pid;
    await conn.close();
    expect(alive(pid)).toBe(false);
  });
});

describe('PluginSupervisor', () => {
  it('restarts a crashed plugin with backoff and serves again', async () => {
    const sup = new PluginSupervisor({ launch: () => launchPlugin(fixture('crash-after-call')), restart: { initialBackoffMs: 50 } });
    open.push(sup);
    await sup.start();
    const firstPid = sup.pid;
    expect((await sup.callHook('processPreAuth', {})).status).toBe('ok');
    const restarted = new Promise((r) => sup.once('restart', r));
    await restarted;
    expect(sup.state).toBe('running');
    expect(sup.pid).not.toBe(firstPid);
    expect(alive(firstPid)).toBe(false);
    expect((await sup.callHook('processPreAuth', {})).status).toBe('ok');
  });

  it('gives up after maxRestarts within the window', async () => {
    const sup = new PluginSupervisor({ launch: () => launchPlugin(fixture('crash-after-call')), restart: { initialBackoffMs: 20, maxRestarts: 1 } });
    open.push(sup);
    await sup.start();
    await sup.callHook('processPreAuth', {});
    await new Promise((r) => sup.once('restart', r));
    await sup.callHook('processPreAuth', {});
    await new Promise<void>((r) => sup.on('state', (s) => s === 'failed' && r()));
    const out = await sup.callHook('processPreAuth', {});
    expect(out.status === 'failed' && out.error.code).toBe('PLUGIN_UNAVAILABLE');
    expect(sup.error?.code).toBe('PLUGIN_RESTART_LIMIT');
  });
});
