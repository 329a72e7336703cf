import { afterEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launchPlugin, type PluginConnection } from '@plugway/plugin-host';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const example = (name: string): string => `${REPO}examples/${name}/plugin`;
const open: PluginConnection[] = [];
afterEach(async () => { for (const c of open.splice(0)) await c.close(); });

async function start(name: string, config?: unknown): Promise<PluginConnection> {
  const conn = await launchPlugin({ path: example(name), hostEnv: process.env, startupTimeoutMs: 20_000 });
  open.push(conn);
  if (config !== undefined) {
    const init = await conn.callHook('initialize', { configJson: JSON.stringify(config) });
    expect(init.status === 'ok' && init.response.success).toBe(true);
  }
  return conn;
}

describe('example plugins as real child processes through the plugin host', () => {
  it('header-injector adds configured headers in pre_auth and reports its manifest', async () => {
    const conn = await start('header-injector', { 'x-tenant': 'acme' });
    expect(await conn.health()).toBe('SERVING');
    const out = await conn.callHook('processPreAuth', { method: 'GET', path: '/', headers: { accept: '*/*' } });
    expect(out.status === 'ok' && out.response.headers).toEqual({ accept: '*/*', 'x-tenant': 'acme' });
    const man = await conn.callHook('getManifest', {});
    expect(man.status === 'ok' && JSON.parse(man.response.manifestJson).name).toBe('header-injector');
  });

  it('api-key-auth accepts a configured key and rejects others', async () => {
    const conn = await start('api-key-auth', { keys: [{ key: 'k-123', user_id: 'alice' }] });
    const ok = await conn.callHook('authenticate', { request: { headers: { 'x-api-key': 'k-123' } } });
    expect(ok.status === 'ok' && ok.response).toMatchObject({ authenticated: true, userId: 'alice' });
    const bad = await conn.callHook('authenticate', { credential: 'nope' });
    expect(bad.status === 'ok' && bad.response).toMatchObject({ authenticated: false, errorMessage: 'unknown API key' });
    // an unimplemented hook passes through
    const pre = await conn.callHook('processPreAuth', { headers: { a: 'b' } });
    expect(pre.status === 'ok' && pre.response).toMatchObject({ modified: false, headers: { a: 'b' } });
  });

  it('response-modifier rewrites response headers and JSON bodies', async () => {
    const conn = await start('response-modifier', { from: 'cat', to: 'dog' });
    const h = await conn.callHook('onBeforeWriteHeaders', { headers: { 'content-type': 'application/json' } });
    expect(h.status === 'ok' && h.response.headers['x-plugway-modified']).toBe('true');
    const b = await conn.callHook('onBeforeWrite', { headers: { 'content-type': 'application/json' }, body: Buffer.from('{"pet":"cat"}') });
    expect(b.status === 'ok' && Buffer.from(b.response.body).toString()).toBe('{"pet":"dog"}');
  });

  it('answers a bad config with a coded INVALID_ARGUMENT, and keeps API keys out of its logs', async () => {
    const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
    const rec = (level: string) => (msg: string, fields?: Record<string, unknown>) => { lines.push({ level, msg, ...(fields ? { fields } : {}) }); };
    const logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error'), child: () => logger };
    const conn = await launchPlugin({ path: example('api-key-auth'), hostEnv: process.env, startupTimeoutMs: 20_000, logger });
    open.push(conn);
    const bad = await conn.callHook('initialize', { configJson: '{"keys": [{"key": 5}]}' });
    expect(bad.status).toBe('failed');
    expect(bad.status === 'failed' && bad.error.message).toContain('SDK_CONFIG_INVALID');
    expect(bad.status === 'failed' && bad.error.details?.grpcCode).toBe(3);
    const good = await conn.callHook('initialize', { configJson: JSON.stringify({ keys: [{ key: 'very-secret-key' }] }) });
    expect(good.status === 'ok' && good.response.success).toBe(true);
    await expect.poll(() => lines.find((l) => l.msg === 'api keys loaded'), { timeout: 5000 }).toMatchObject({ level: 'info', fields: { count: 1 } });
    expect(JSON.stringify(lines)).not.toContain('very-secret-key');
  });

  it('shuts down on the controller Shutdown and leaves no process', async () => {
    const conn = await start('header-injector');
    const pid = conn.pid!;
    await conn.close();
    open.length = 0;
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('exits by itself when its host is killed with SIGKILL (no orphan plugin)', async () => {
    // A throwaway "host" starts the plugin and is then killed hard, so nothing can shut the plugin down.
    const script = [
      "const { spawn } = require('node:child_process');",
      `const c = spawn(${JSON.stringify(example('header-injector'))}, { env: { PATH: process.env.PATH, AI_STUDIO_PLUGIN: 'v1' }, stdio: ['ignore', 'pipe', 'ignore'] });`,
      "c.stdout.once('data', () => process.stdout.write('pid=' + c.pid + ' '));",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const host = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    let pid = 0;
    const alive = (p: number): boolean => { try { process.kill(p, 0); return true; } catch { return false; } };
    try {
      const first = await new Promise<string>((resolve, reject) => {
        host.stdout.once('data', (d: Buffer) => resolve(d.toString()));
        host.once('exit', (code) => reject(new Error(`throwaway host exited ${code}`)));
      });
      pid = Number(/pid=(\d+)/.exec(first)?.[1]);
      expect(pid, `the throwaway host printed ${JSON.stringify(first)}`).toBeGreaterThan(0);
      host.kill('SIGKILL');
      await expect.poll(() => alive(pid), { timeout: 15_000, interval: 200 }).toBe(false);
    } finally {
      if (host.exitCode === null && host.signalCode === null) host.kill('SIGKILL');
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('refuses to run without the magic cookie, with go-plugin\'s message', () => {
    const r = spawnSync(example('header-injector'), { env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('This binary is a plugin');
  });
});
