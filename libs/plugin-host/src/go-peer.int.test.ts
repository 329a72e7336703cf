import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchPlugin, PluginHostError, type PluginConnection } from './index.js';

// A real Go plugin built with hashicorp go-plugin (Debian's packages) proves wire compatibility with Go plugins.
const BUILD = fileURLToPath(new URL('../../../tools/go-plugins/build.sh', import.meta.url));
let dir: string;
let binary = '';
let skipReason = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'go-peer-'));
  const r = spawnSync(BUILD, [dir], { encoding: 'utf8', timeout: 550_000 });
  if (r.status === 3) skipReason = r.stderr.trim();
  else if (r.status !== 0) throw new Error(`building the Go plugin failed (${r.status}): ${r.stderr}`);
  else binary = r.stdout.trim().split('\n').at(-1)!;
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a Go go-plugin plugin (unmodified go-plugin Serve)', () => {
  it('handshakes, passes the health check, initialises, answers hooks and shuts down via the controller', async (ctx) => {
    if (skipReason) { console.warn(`skipped: ${skipReason}`); ctx.skip(); }
    const conn: PluginConnection = await launchPlugin({ path: binary, hostEnv: process.env, startupTimeoutMs: 20_000 });
    try {
      expect(await conn.health()).toBe('SERVING');
      expect((await conn.callHook('initialize', { config: { greeting: 'hej' } })).status).toBe('ok');
      const out = await conn.callHook('processPreAuth', { path: '/v1/models', headers: { accept: 'x' } });
      expect(out.status === 'ok' && out.response.headers).toEqual({ accept: 'x', 'x-go-plugin': 'echo', 'x-greeting': 'hej', 'x-seen-path': '/v1/models' });
      const auth = await conn.callHook('authenticate', { credential: 'go-secret' });
      expect(auth.status === 'ok' && auth.response).toMatchObject({ authenticated: true, userId: 'go-user' });
      const man = await conn.callHook('getManifest', {});
      expect(man.status === 'ok' && JSON.parse(man.response.manifestJson)).toMatchObject({ name: 'echo-plugin', language: 'go' });
      // An RPC the Go plugin does not implement is a failed outcome, not a crash.
      expect((await conn.callHook('onBeforeWrite', {})).status).toBe('failed');
    } finally {
      const pid = conn.pid!;
      await conn.close();
      expect(() => process.kill(pid, 0)).toThrow();
    }
  });

  it('reports the Go plugin\'s own refusal when the magic cookie is wrong', async (ctx) => {
    if (skipReason) ctx.skip();
    const err = await launchPlugin({ path: binary, handshake: { magicCookieKey: 'AI_STUDIO_PLUGIN', magicCookieValue: 'wrong', appProtocolVersions: [1] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PluginHostError);
    expect((err as PluginHostError).code).toBe('PLUGIN_EXITED');
    expect(JSON.stringify((err as PluginHostError).details)).toContain('This binary is a plugin');
  });
});
