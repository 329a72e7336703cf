import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchPlugin } from '@plugway/plugin-host';

// Wire compatibility with hashicorp go-plugin in both directions, using Debian's go-plugin 1.0.1 (tools/go-plugins):
// - go-host (plugin.NewClient, as a Go gateway runs plugins) drives the SDK's example plugins;
// - @plugway/plugin-host drives echo-plugin (plugin.Serve, as AI Studio plugins are written).
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BUILD = `${REPO}tools/go-plugins/build.sh`;
const example = (name: string): string => `${REPO}examples/${name}/plugin`;
let dir = '';
const bin: Record<string, string> = {};
let skipReason = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sdk-go-'));
  for (const target of ['go-host', 'echo-plugin']) {
    const r = spawnSync(BUILD, [dir, target], { encoding: 'utf8', timeout: 550_000 });
    if (r.status === 3) { skipReason = `Go toolchain unavailable: ${r.stderr.trim()}`; return; }
    if (r.status !== 0) throw new Error(`tools/go-plugins/build.sh ${target} failed (${r.status}): ${r.stderr}`);
    bin[target] = r.stdout.trim().split('\n').at(-1)!;
  }
}, 600_000);
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

interface GoHostResult { results: Array<{ method: string; response?: Record<string, unknown>; error?: string }>; exited: boolean }

function runGoHost(plugin: string, calls: Array<{ method: string; request?: unknown }>): { out: GoHostResult; stderr: string } {
  const r = spawnSync(bin['go-host']!, [plugin, JSON.stringify(calls)], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '' } });
  if (r.status !== 0) throw new Error(`go-host exited ${r.status}: ${r.stderr}`);
  return { out: JSON.parse(r.stdout) as GoHostResult, stderr: r.stderr };
}

describe('SDK plugins under an unmodified Go go-plugin host (hashicorp/go-plugin 1.0.1 plugin.NewClient)', () => {
  it('header-injector: AI Studio handshake, Initialize, Ping, ProcessPreAuth, GetManifest, the config service, then a graceful Kill', (ctx) => {
    if (skipReason) { console.warn(`skipped: ${skipReason}`); ctx.skip(); }
    const { out, stderr } = runGoHost(example('header-injector'), [
      { method: 'Initialize', request: { config: { 'x-tenant': 'acme' } } },
      { method: 'Ping', request: { timestamp: '1234' } },
      { method: 'ProcessPreAuth', request: { path: '/v1/chat', headers: { accept: '*/*' } } },
      { method: 'GetManifest' },
      { method: 'config.GetManifest' },
      { method: 'config.GetConfigSchema' },
      { method: 'config.Ping', request: { timestamp: '99' } },
    ]);
    expect(out.results[0]).toMatchObject({ method: 'Initialize', response: { success: true } });
    expect(out.results[1]?.response).toEqual({ timestamp: '1234', healthy: true });
    expect(out.results[2]?.response).toEqual({ modified: true, headers: { accept: '*/*', 'x-tenant': 'acme' } });
    expect(out.results[3]?.response).toMatchObject({ success: true });
    expect(JSON.parse(String(out.results[3]?.response?.manifestJson))).toMatchObject({ name: 'header-injector' });
    expect(out.results[4]?.response).toMatchObject({ success: true });
    expect(JSON.parse(String(out.results[4]?.response?.manifestJson))).toMatchObject({ name: 'header-injector' });
    expect(out.results[5]?.response).toMatchObject({ success: true });
    expect(JSON.parse(String(out.results[5]?.response?.schemaJson))).toMatchObject({ type: 'object' });
    expect(out.results[6]?.response).toEqual({ timestamp: '99', healthy: true });
    expect(out.exited).toBe(true);
    expect(stderr).toContain('plugin exited');
    expect(stderr).not.toContain('plugin failed to exit gracefully');
  });

  it('api-key-auth: Authenticate, hclog lines re-logged at their level by the Go host, coded config errors', (ctx) => {
    if (skipReason) ctx.skip();
    const { out, stderr } = runGoHost(example('api-key-auth'), [
      { method: 'Initialize', request: { configJson: JSON.stringify({ keys: [{ key: 'k-secret-123', user_id: 'alice' }] }) } },
      { method: 'Authenticate', request: { credential: 'k-secret-123' } },
      { method: 'Authenticate', request: { request: { headers: { 'x-api-key': 'wrong' } } } },
      { method: 'Initialize', request: { configJson: '{"keys": "not a list"}' } },
    ]);
    expect(out.results[1]?.response).toMatchObject({ authenticated: true, userId: 'alice' });
    expect(out.results[2]?.response).toMatchObject({ errorMessage: 'unknown API key' });
    expect(out.results[3]?.error).toMatch(/InvalidArgument.*SDK_CONFIG_INVALID/);
    // go-plugin parsed the SDK's JSON line (hclog timestamp layout) and logged it at INFO with its fields.
    expect(stderr).toMatch(/\[INFO\]\s+go-host\.plugin[^\n]*api keys loaded[^\n]*count=1/);
    expect(stderr).not.toContain('k-secret-123');
  });

  it('response-modifier: OnBeforeWriteHeaders and OnBeforeWrite with a bytes body', (ctx) => {
    if (skipReason) ctx.skip();
    const { out } = runGoHost(example('response-modifier'), [
      { method: 'Initialize', request: { configJson: JSON.stringify({ from: 'cat', to: 'dog' }) } },
      { method: 'OnBeforeWriteHeaders', request: { headers: { 'content-type': 'application/json' } } },
      { method: 'OnBeforeWrite', request: { headers: { 'content-type': 'application/json' }, body: Buffer.from('{"pet":"cat"}').toString('base64') } },
    ]);
    expect(out.results[1]?.response).toMatchObject({ modified: true, headers: { 'x-plugway-modified': 'true' } });
    expect(Buffer.from(String(out.results[2]?.response?.body), 'base64').toString()).toBe('{"pet":"dog"}');
    expect(out.exited).toBe(true);
  });
});

describe('a Go plugin (go-plugin plugin.Serve) under @plugway/plugin-host', () => {
  it('handshakes, is healthy, answers a hook and stops via the controller', async (ctx) => {
    if (skipReason) ctx.skip();
    const conn = await launchPlugin({ path: bin['echo-plugin']!, hostEnv: process.env, startupTimeoutMs: 20_000 });
    const pid = conn.pid!;
    try {
      expect(await conn.health()).toBe('SERVING');
      expect((await conn.callHook('initialize', { config: { 'respond.ProcessPreAuth': '{"modified":true,"headers":{"x-go-plugin":"echo"}}' } })).status).toBe('ok');
      const out = await conn.callHook('processPreAuth', { path: '/p', headers: { a: 'b' } });
      expect(out.status === 'ok' && out.response.headers).toEqual({ 'x-go-plugin': 'echo' });
    } finally {
      await conn.close();
    }
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
