// An AI Studio-style Go plugin (hashicorp go-plugin, AI_STUDIO_PLUGIN=v1, tools/go-plugins/echo-plugin) under the
// studio via file://, grpc:// (a plain gRPC server with only PluginService) and oci:// (a real registry), and the
// config-only endpoints: config schema and manifest through the plugin's `config` service; success=false is a failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushPlugin, RegistryClient } from '@plugway/oci';
import { startRegistry, type TestRegistry } from '../../../tools/test-registry/index.mjs';
import { startHarness, type Harness } from './testing/harness.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
let work = '';
let binary = '';
let reg: TestRegistry;
let h: Harness;
const remotes: Array<{ child: ChildProcess; port: number }> = [];

function startRemote(env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(binary, [], { env: { ECHO_PLUGIN_LISTEN: '127.0.0.1:0', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => { const r = { child, port: Number(/:(\d+)/.exec(d.toString())?.[1]) }; remotes.push(r); resolve(r); });
    child.once('exit', (code) => reject(new Error(`remote plugin exited ${code}`)));
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'studio-go-'));
  const r = spawnSync(`${REPO}/tools/go-plugins/build.sh`, [work, 'echo-plugin'], { encoding: 'utf8', timeout: 550_000 });
  if (r.status !== 0) throw new Error(`tools/go-plugins/build.sh failed (${r.status}): ${r.stderr}`);
  binary = r.stdout.trim().split('\n').at(-1)!;
  reg = await startRegistry();
  await pushPlugin({ client: new RegistryClient({ registry: reg.host }), repository: 'plugins/echo-go', tag: '1.0.0', file: binary });
  const ok = await startRemote();
  const failing = await startRemote({ ECHO_PLUGIN_FAIL_INFO: '1' });
  h = await startHarness({
    AI_STUDIO_OCI_CACHE_DIR: join(work, 'cache'), AI_STUDIO_OCI_REQUIRE_SIGNATURE: 'false', OCI_PLUGINS_ALLOWED_REGISTRIES: reg.host,
    PLUGIN_COMMAND_ALLOWLIST: `grpc://127.0.0.1:${ok.port},grpc://127.0.0.1:${failing.port}`,
  });
}, 600_000);
afterAll(async () => {
  await h?.stop();
  for (const r of remotes) r.child.kill();
  await reg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const create = (slug: string, command: string, extra: Record<string, unknown> = {}) =>
  h.api('/api/v1/plugins', { method: 'POST', body: { name: slug, slug, command, hook_type: 'pre_auth', ...extra } });

describe('an AI Studio-style Go plugin under the studio', { timeout: 120_000 }, () => {
  it.each([
    ['file', () => `file://${binary}`, 'config'],
    ['oci', () => `oci://${reg.host}/plugins/echo-go:1.0.0`, 'config'],
    // The plain gRPC server has no config_provider service: the studio falls back to PluginService's own RPCs.
    ['grpc', () => `grpc://127.0.0.1:${remotes[0]!.port}`, 'plugin'],
  ])('%s://: runs, is healthy, and serves its config schema and manifest', async (slug, command, via) => {
    const c = await create(`go-${slug}`, command());
    expect(c.status).toBe(201);
    expect(c.body.data.status).toMatchObject({ state: 'running', scheme: slug });
    const id = c.body.data.id as number;
    expect((await h.api(`/api/v1/plugins/${id}/health`)).body.data).toMatchObject({ state: 'running', health: 'SERVING' });
    const schema = await h.api(`/api/v1/plugins/${id}/config-schema`);
    expect(schema.status).toBe(200);
    expect(schema.body.data).toEqual({ id, via, schema: { type: 'object', properties: { record: { type: 'string' } }, 'x-via': via } });
    const manifest = await h.api(`/api/v1/plugins/${id}/manifest`);
    expect(manifest.body.data).toEqual({ id, via, manifest: { name: 'echo-plugin', version: '1.0.0', language: 'go', via } });
  });

  it('loads an inactive plugin config-only (started without Initialize, asked, stopped)', async () => {
    const c = await create('go-inactive', `file://${binary}`, { is_active: false });
    const id = c.body.data.id as number;
    expect(c.body.data.status.state).toBe('inactive');
    const manifest = await h.api(`/api/v1/plugins/${id}/manifest`);
    expect(manifest.body.data).toMatchObject({ via: 'config', manifest: { name: 'echo-plugin' } });
    expect((await h.api(`/api/v1/plugins/${id}`)).body.data.status).toMatchObject({ state: 'inactive' });
  });

  it('treats success=false as a failure whatever the JSON holds (502 PLUGIN_CONFIG_INFO_FAILED)', async () => {
    const c = await create('go-failing', `grpc://127.0.0.1:${remotes[1]!.port}`);
    const id = c.body.data.id as number;
    for (const path of ['config-schema', 'manifest']) {
      const r = await h.api(`/api/v1/plugins/${id}/${path}`);
      expect(r.status).toBe(502);
      expect(r.body.error.code).toBe('PLUGIN_CONFIG_INFO_FAILED');
      expect(r.body.error.message).toMatch(/success=false: (schema|manifest) unavailable/);
    }
    expect((await h.api('/api/v1/plugins/4242/manifest')).body.error.code).toBe('NOT_FOUND');
  });
});
