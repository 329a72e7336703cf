// A plugin author's whole path, from a fresh directory outside the repository (docs/getting-started.md follows it):
// a TypeScript plugin with the SDK installed from its packed tarball → plugway package → push → sign → registered as
// oci:// in the studio (signatures required) → traffic through an edge synced from that studio → v2 pushed to the same
// tag → studio reload (old and new digest) → edge reload under load: v2 answers, 0 failed requests.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../../../tools/test-registry/index.mjs';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const TOKEN = randomBytes(24).toString('hex');
const children: ChildProcess[] = [];
let reg: TestRegistry;
let work: string;
let upstream: http.Server;

// `plugway …` as an author runs it: the compiled CLI (what `npx plugway` runs; built by this target's dependsOn) as a
// process, cwd = the plugin's directory. Asynchronous, so this process's event loop (and the keep-alive connections to
// the edge it holds) keeps running meanwhile.
function plugway(cwd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO, 'apps/cli/dist/main.js'), ...args], { cwd, encoding: 'utf8', timeout: 90_000, env: { PATH: process.env.PATH!, HOME: work } },
      (e, out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, out, err }));
  });
}
const ok = async (p: Promise<{ code: number | null; out: string; err: string }>): Promise<Record<string, unknown>> => {
  const r = await p;
  expect(r.code, r.err || r.out).toBe(0);
  return JSON.parse(r.out.trim().split('\n').at(-1)!) as Record<string, unknown>;
};

function serve(entry: string, env: Record<string, string>, ready: RegExp): Promise<{ url: string; out: () => string }> {
  const child = spawn(process.execPath, [entry], { cwd: REPO, env: { PATH: process.env.PATH!, HOME: work, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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

// The SDK as npm delivers it: `npm pack` of @plugway/plugin-sdk and the two workspace packages it depends on (built by
// this target's dependsOn); their external dependencies come from the registry through the npm cache.
function packSdk(): string[] {
  const r = spawnSync('npm', ['pack', '--json', '--pack-destination', work, '-w', 'libs/plugin-sdk', '-w', 'libs/core', '-w', 'proto'], { cwd: REPO, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Array<{ filename: string }>).map((p) => join(work, p.filename));
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
    const npm = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...packSdk()], {
      cwd: project, encoding: 'utf8', env: { ...process.env, npm_config_workspaces: 'false' },
    });
    expect(npm.status, npm.stderr).toBe(0);
    writeFileSync(join(project, 'plugin.ts'), pluginSource('v1'));

    // 2. package → push → sign (a .ts file is refused, naming plugway package).
    const ref = `oci://${reg.host}/plugins/hello-plugway:stable`;
    const refused = await plugway(project, ['push', 'plugin.ts', ref]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('plugway package');
    await ok(plugway(project, ['keygen', '--out', 'release', '--json']));
    const packaged = await ok(plugway(project, ['package', '--json']));
    expect(packaged).toMatchObject({ file: join(project, 'dist/plugin'), runtime: { name: 'node', minVersion: '20.19.0' } });
    const v1 = await ok(plugway(project, ['push', 'dist/plugin', ref, '--json']));
    expect(v1).toMatchObject({ kind: 'packaged', runtime: { name: 'node' } });
    await ok(plugway(project, ['sign', ref, '--key', 'release.key', '--json']));
    expect(await ok(plugway(project, ['inspect', ref, '--json']))).toMatchObject({ digest: v1.digest, signed: true, runtime: { name: 'node', minVersion: '20.19.0' } });

    // 3. The studio (signatures required) runs it as oci://; the edge syncs it from the studio.
    const pubkey = readFileSync(join(project, 'release.pub'), 'utf8');
    const oci = { OCI_PLUGINS_ALLOWED_REGISTRIES: reg.host, OCI_PLUGINS_PUBKEY_RELEASE: pubkey, LOG_LEVEL: 'info' };
    const studio = await serve(join(REPO, 'apps/studio/dist/main.js'), {
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
    await ok(plugway(project, ['package', join(REPO, 'examples/header-injector'), '--out', 'dist/header-injector', '--json']));
    await ok(plugway(project, ['push', 'dist/header-injector', exampleRef, '--json']));
    await ok(plugway(project, ['sign', exampleRef, '--key', 'release.key', '--json']));
    const example = await api('/api/v1/plugins', { method: 'POST', body: { name: 'Header injector', slug: 'header-injector', command: `${exampleRef}?pubkey=release`, hook_type: 'pre_auth', config: { 'x-example': 'packaged' } } });
    expect(example.body.data.status).toMatchObject({ state: 'running', runtime: 'node >= 20.19.0' });

    const edge = await serve(join(REPO, 'apps/edge-gateway/dist/main.js'), {
      ...oci, PORT: '0', HOST: '127.0.0.1', OCI_PLUGINS_CACHE_DIR: join(work, 'edge-cache'),
      EDGE_UPSTREAM_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      EDGE_STUDIO_URL: studio.url, EDGE_STUDIO_TOKEN: TOKEN, EDGE_STUDIO_SYNC_INTERVAL_MS: '600000',
    }, /edge gateway listening/);
    const headers = async (): Promise<Record<string, string>> => {
      const res = await fetch(`${edge.url}/hello`);
      if (res.status !== 200) throw new Error(`edge answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
      return ((await res.json()) as { headers: Record<string, string> }).headers;
    };
    const version = async (): Promise<string | undefined> => (await headers())['x-plugin-version'];
    expect(await headers()).toMatchObject({ 'x-plugin-version': 'v1', 'x-example': 'packaged' });
    const blocked = await fetch(`${edge.url}/blocked`);
    expect([blocked.status, blocked.headers.get('content-type'), await blocked.text()]).toEqual([451, 'text/plain', 'blocked by hello-plugway']);

    // 4. v2 to the same tag; the studio's reload re-resolves it.
    writeFileSync(join(project, 'plugin.ts'), pluginSource('v2'));
    await ok(plugway(project, ['package', '--json']));
    const v2 = await ok(plugway(project, ['push', 'dist/plugin', ref, '--json']));
    await ok(plugway(project, ['sign', ref, '--key', 'release.key', '--json']));
    expect(v2.digest).not.toBe(v1.digest);

    // 5. Under a bounded load loop through the edge: the studio's reload re-resolves the tag (both digests in its
    //    answer; the edge's studio sync follows the new digest), then the edge's own reload. Every request answered.
    const failures: string[] = [];
    let sent = 0;
    let done = false;
    const seen = new Set<string | undefined>();
    // Bounded: each worker stops when both reloads are over or after 400 requests.
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 400 && !done; i++, sent++) seen.add(await version().catch((e: Error) => { failures.push(`${e.message} ${String((e.cause as { code?: string } | undefined)?.code ?? (e.cause as Error | undefined)?.message ?? "")}`); return 'failed'; }));
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    const reloaded = await api(`/api/v1/plugins/${created.body.data.id}/reload`, { method: 'POST' });
    const res = await fetch(`${edge.url}/admin/reload`, { method: 'POST' });
    done = true;
    await load;
    expect(reloaded.body.reload).toEqual({ from: v1.digest, to: v2.digest, changed: true });
    const body = await res.json() as { data: { studio: unknown; reloaded: Array<{ id: string; to?: string }> } };
    expect(res.status).toBe(200);
    expect(body.data.reloaded.find((r) => r.id === 'studio-1')).toMatchObject({ state: 'running', to: v2.digest });
    expect(sent).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    expect(await version()).toBe('v2');
  }, 240_000);
});
