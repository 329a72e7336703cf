// A plugin author's whole path, from a fresh directory outside the repository (docs/getting-started.md follows it):
// a TypeScript plugin with the SDK installed from its packed tarball → plugway package → push → sign → registered as
// oci:// in the studio (signatures required) → traffic through an edge synced from that studio → v2 pushed to the same
// tag → studio reload (old and new digest) → edge reload under load: v2 answers, 0 failed requests.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../../../tools/test-registry/index.mjs';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const TSX = join(REPO, 'node_modules/tsx/dist/loader.mjs');
const TOKEN = randomBytes(24).toString('hex');
const children: ChildProcess[] = [];
let reg: TestRegistry;
let work: string;
let upstream: http.Server;

// `plugway …` as an author runs it: a process, cwd = the plugin's directory (tsx stands in for the compiled CLI).
function plugway(cwd: string, args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', TSX, join(REPO, 'apps/cli/src/main.ts'), ...args], {
    cwd, encoding: 'utf8', timeout: 90_000, env: { PATH: process.env.PATH!, HOME: work, TSX_TSCONFIG_PATH: join(REPO, 'tsconfig.base.json') },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const ok = (r: { code: number | null; out: string; err: string }): Record<string, unknown> => {
  expect(r.code, r.err || r.out).toBe(0);
  return JSON.parse(r.out.trim().split('\n').at(-1)!) as Record<string, unknown>;
};

function serve(entry: string, env: Record<string, string>, ready: RegExp): Promise<{ url: string; out: () => string }> {
  const child = spawn(process.execPath, ['--import', TSX, entry], { cwd: REPO, env: { PATH: process.env.PATH!, HOME: work, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const on = (d: Buffer): void => {
      out += d.toString();
      // The studio prints its URL; the edge logs it as the JSON field "url" on its "listening" line.
      const line = out.split('\n').find((l) => ready.test(l));
      const url = line && (/"url":"([^"]+)"/.exec(line)?.[1] ?? /(http:\/\/\S+)/.exec(line)?.[1]);
      if (url) resolve({ url, out: () => out });
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => reject(new Error(`${entry} exited ${code}: ${out.slice(-2000)}`)));
  });
}

// The SDK as a tarball, the way a registry would deliver it: one ES module (core, proto and grpc-js inside), packed by npm.
async function packSdk(): Promise<string> {
  const dir = join(work, 'sdk');
  await build({
    entryPoints: [join(REPO, 'libs/plugin-sdk/src/index.ts')], absWorkingDir: REPO, tsconfig: join(REPO, 'tsconfig.base.json'), bundle: true, platform: 'node',
    format: 'esm', target: 'node20.19', outfile: join(dir, 'dist/index.js'), logLevel: 'silent',
    banner: { js: "import { createRequire as __sdkCreateRequire } from 'node:module';\nconst require = __sdkCreateRequire(import.meta.url);" },
  });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@plugway/plugin-sdk', version: '0.0.0-e2e', type: 'module', exports: { '.': './dist/index.js' }, files: ['dist'] }));
  const r = spawnSync('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
  expect(r.status, r.stderr).toBe(0);
  return join(work, r.stdout.trim().split('\n').at(-1)!);
}

interface StudioAnswer {
  data: { id: number; status: Record<string, unknown> };
  reload?: { from?: string; to?: string; changed: boolean };
}

const pluginSource = (version: string): string => `import { servePlugin } from '@plugway/plugin-sdk';

const VERSION = '${version}';

await servePlugin({
  manifest: { name: 'hello-plugway', version: '1.0.0', hooks: ['pre_auth'] },
  hooks: {
    async preAuth(req) {
      if (req.path === '/blocked') {
        return { block: true, statusCode: 451, headers: { 'content-type': 'text/plain' }, body: Buffer.from('blocked by hello-plugway') };
      }
      return { modified: true, headers: { ...req.headers, 'x-plugin-version': VERSION } };
    },
  },
});
`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'plugway-e2e-'));
  upstream = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ headers: req.headers })));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  reg = await startRegistry();
}, 120_000);
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  upstream?.closeAllConnections();
  upstream?.close();
  await reg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('from a TypeScript plugin to a reloaded oci:// plugin', () => {
  it('packages, pushes, signs, registers, serves traffic, then rolls v2 out under load with 0 failed requests', async () => {
    // 1. A fresh plugin project outside the repository, the SDK installed from its tarball.
    const project = join(work, 'hello-plugway');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'hello-plugway', private: true, type: 'module', main: 'plugin.ts' }));
    const npm = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', await packSdk()], { cwd: project, encoding: 'utf8' });
    expect(npm.status, npm.stderr).toBe(0);
    writeFileSync(join(project, 'plugin.ts'), pluginSource('v1'));

    // 2. package → push → sign (a .ts file is refused, naming plugway package).
    const ref = `oci://${reg.host}/plugins/hello-plugway:stable`;
    const refused = plugway(project, ['push', 'plugin.ts', ref]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('plugway package');
    ok(plugway(project, ['keygen', '--out', 'release', '--json']));
    const packaged = ok(plugway(project, ['package', '--json']));
    expect(packaged).toMatchObject({ file: join(project, 'dist/plugin'), runtime: { name: 'node', minVersion: '20.19.0' } });
    const v1 = ok(plugway(project, ['push', 'dist/plugin', ref, '--json']));
    expect(v1).toMatchObject({ kind: 'packaged', runtime: { name: 'node' } });
    ok(plugway(project, ['sign', ref, '--key', 'release.key', '--json']));
    expect(ok(plugway(project, ['inspect', ref, '--json']))).toMatchObject({ digest: v1.digest, signed: true, runtime: { name: 'node', minVersion: '20.19.0' } });

    // 3. The studio (signatures required) runs it as oci://; the edge syncs it from the studio.
    const pubkey = readFileSync(join(project, 'release.pub'), 'utf8');
    const oci = { OCI_PLUGINS_ALLOWED_REGISTRIES: reg.host, OCI_PLUGINS_PUBKEY_RELEASE: pubkey, LOG_LEVEL: 'info' };
    const studio = await serve(join(REPO, 'apps/studio/src/main.ts'), {
      ...oci, PORT: '0', STUDIO_DATA_DIR: join(work, 'studio'), STUDIO_API_TOKEN: TOKEN, STUDIO_DEMO_PLUGIN: 'false',
      AI_STUDIO_OCI_CACHE_DIR: join(work, 'studio-cache'), AI_STUDIO_OCI_REQUIRE_SIGNATURE: 'true',
    }, /plugway studio on http/);
    const api = async (path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: StudioAnswer }> => {
      const res = await fetch(`${studio.url}${path}`, { method: init.method ?? 'GET', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, ...(init.body ? { body: JSON.stringify(init.body) } : {}) });
      return { status: res.status, body: await res.json() as StudioAnswer };
    };
    const created = await api('/api/v1/plugins', { method: 'POST', body: { name: 'Hello plugway', slug: 'hello-plugway', command: `${ref}?pubkey=release`, hook_type: 'pre_auth' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.data.status).toMatchObject({ state: 'running', verifiedBy: 'release', artifactDigest: v1.digest, runtime: 'node >= 20.19.0' });

    // An example from the repository, packaged, pushed and signed the same way, runs next to it.
    const exampleRef = `oci://${reg.host}/plugins/header-injector:1.0.0`;
    ok(plugway(project, ['package', join(REPO, 'examples/header-injector'), '--out', 'dist/header-injector', '--json']));
    ok(plugway(project, ['push', 'dist/header-injector', exampleRef, '--json']));
    ok(plugway(project, ['sign', exampleRef, '--key', 'release.key', '--json']));
    const example = await api('/api/v1/plugins', { method: 'POST', body: { name: 'Header injector', slug: 'header-injector', command: `${exampleRef}?pubkey=release`, hook_type: 'pre_auth', config: { 'x-example': 'packaged' } } });
    expect(example.body.data.status).toMatchObject({ state: 'running', runtime: 'node >= 20.19.0' });

    const edge = await serve(join(REPO, 'apps/edge-gateway/src/main.ts'), {
      ...oci, PORT: '0', HOST: '127.0.0.1', OCI_PLUGINS_CACHE_DIR: join(work, 'edge-cache'),
      EDGE_UPSTREAM_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      EDGE_STUDIO_URL: studio.url, EDGE_STUDIO_TOKEN: TOKEN, EDGE_STUDIO_SYNC_INTERVAL_MS: '600000',
    }, /edge gateway listening/);
    const headers = async (): Promise<Record<string, string>> => {
      const res = await fetch(`${edge.url}/hello`);
      if (res.status !== 200) throw new Error(`edge answered ${res.status}`);
      return ((await res.json()) as { headers: Record<string, string> }).headers;
    };
    const version = async (): Promise<string | undefined> => (await headers())['x-plugin-version'];
    expect(await headers()).toMatchObject({ 'x-plugin-version': 'v1', 'x-example': 'packaged' });
    const blocked = await fetch(`${edge.url}/blocked`);
    expect([blocked.status, blocked.headers.get('content-type'), await blocked.text()]).toEqual([451, 'text/plain', 'blocked by hello-plugway']);

    // 4. v2 to the same tag; the studio's reload re-resolves it.
    writeFileSync(join(project, 'plugin.ts'), pluginSource('v2'));
    ok(plugway(project, ['package', '--json']));
    const v2 = ok(plugway(project, ['push', 'dist/plugin', ref, '--json']));
    ok(plugway(project, ['sign', ref, '--key', 'release.key', '--json']));
    expect(v2.digest).not.toBe(v1.digest);
    const reloaded = await api(`/api/v1/plugins/${created.body.data.id}/reload`, { method: 'POST' });
    expect(reloaded.body.reload).toEqual({ from: v1.digest, to: v2.digest, changed: true });

    // 5. The edge's reload (studio sync + reload) under load: every request answered, v2 afterwards.
    let failed = 0;
    let sent = 0;
    let done = false;
    const seen = new Set<string | undefined>();
    // Bounded: each worker stops when the reload is over or after 400 requests.
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 400 && !done; i++, sent++) seen.add(await version().catch(() => { failed++; return 'failed'; }));
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    const res = await fetch(`${edge.url}/admin/reload`, { method: 'POST' });
    done = true;
    await load;
    const body = await res.json() as { data: { studio: unknown; reloaded: unknown[] } };
    expect(res.status).toBe(200);
    // The studio runs another digest under the same reference now: the edge's sync followed it (re-resolving the tag).
    expect(body.data.studio).toMatchObject({ updated: ['studio-1'], moved: [{ id: 'studio-1', from: v1.digest, to: v2.digest, changed: true }] });
    expect(body.data.reloaded).toEqual(expect.arrayContaining([{ id: 'studio-1', state: 'running', from: v1.digest, to: v2.digest }]));
    expect(sent).toBeGreaterThan(0);
    expect(failed).toBe(0);
    expect(seen.has('failed')).toBe(false);
    expect(await version()).toBe('v2');
  }, 240_000);
});
