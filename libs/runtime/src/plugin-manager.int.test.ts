// The plugin manager end to end: real example plugins as child processes, a real registry for oci://, real gRPC.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { pluginpb } from '@plugway/proto';
import { createKeyRing, pushPlugin, RegistryClient, signCosign } from '@plugway/oci';
import { generateKeyPairSync } from 'node:crypto';
import { build } from 'esbuild';
import { startRegistry, type TestRegistry } from '../../../tools/test-registry/index.mjs';
import { createPluginManager, RuntimeError, type PluginManager, type RuntimeSettingsInput } from './index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const EXAMPLE = (name: string) => `file://${REPO}/examples/${name}/plugin`;
let work: string;
let reg: TestRegistry;
const managers: PluginManager[] = [];
const settings = (extra: Partial<RuntimeSettingsInput> = {}): RuntimeSettingsInput => ({
  policy: { allowlist: [`${REPO}/examples/**`, `${work}/**`], allowInternalNetworkAccess: false },
  pluginHost: { startupTimeoutMs: 30_000, callTimeoutMs: 5_000, shutdownTimeoutMs: 2_000, maxRestarts: 5, restartWindowMs: 60_000, restartBackoffMs: 50 },
  ...extra,
});
const manager = (s: RuntimeSettingsInput = settings()) => { const m = createPluginManager(s, { hostEnv: process.env }); managers.push(m); return m; };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'runtime-'));
  reg = await startRegistry();
});
afterEach(async () => { for (const m of managers.splice(0)) await m.close(); });
afterAll(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<{ code: string; details?: Record<string, unknown> }> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(RuntimeError);
  return { code: (e as RuntimeError).code, details: (e as RuntimeError).details as Record<string, unknown> };
}

describe('PluginManager with file:// plugins', () => {
  it('registers, initialises with config and runs the hook', async () => {
    const m = manager();
    const { plugin, warnings } = await m.register({ id: 'p1', name: 'Injector', slug: 'injector', command: EXAMPLE('header-injector'), hookType: 'pre_auth', config: { 'x-team': 'blue' } });
    expect(plugin).toMatchObject({ id: 'p1', state: 'running', scheme: 'file', failMode: 'closed' });
    expect(warnings).toEqual([]);
    const out = await m.callHook('p1', 'processPreAuth', { headers: { a: '1' } });
    expect(out.status === 'ok' && out.response.headers).toEqual({ a: '1', 'x-team': 'blue' });
    expect(await m.health('p1')).toMatchObject({ state: 'running', health: 'SERVING' });
    expect(m.chain('pre_auth')).toEqual([{ id: 'p1', failMode: 'closed', config: { 'x-team': 'blue' } }]);
    await m.unregister('p1');
    expect(m.list()).toEqual([]);
    expect((await m.callHook('p1', 'processPreAuth', {})).status).toBe('failed');
  });

  it('launches a plugin with its own handshake (per-plugin override), and reports the cookie sent when it is wrong', async () => {
    // A wrapper that, like a plugin built with another cookie, refuses to start unless MY_PLUGIN=v7 is set.
    const wrapper = join(work, 'own-cookie.sh');
    writeFileSync(wrapper, `#!/bin/sh\n[ "$MY_PLUGIN" = v7 ] || { echo 'This binary is a plugin. These are not meant to be executed directly.' >&2; exit 1; }\ncd "${REPO}" && AI_STUDIO_PLUGIN=v1 exec "\${PLUGWAY_NODE:-node}" --import tsx "${REPO}/examples/header-injector/plugin.ts"\n`);
    chmodSync(wrapper, 0o755);
    const m = manager();
    const own = await m.register({ id: 'own', name: 'Own', slug: 'own', command: `file://${wrapper}`, hookType: 'pre_auth', handshake: { magicCookieKey: 'MY_PLUGIN', magicCookieValue: 'v7' } });
    expect(own.plugin.state).toBe('running');
    const plain = await m.register({ id: 'plain', name: 'Plain', slug: 'plain', command: `file://${wrapper}`, hookType: 'pre_auth' });
    expect(plain.plugin).toMatchObject({ state: 'error', error: { code: 'PLUGIN_EXITED' } });
    expect(plain.plugin.error?.message).toContain('AI_STUDIO_PLUGIN=v1 and MICROGATEWAY_PLUGIN=v1');
    expect(plain.plugin.error?.message).toContain('This binary is a plugin');
  });

  it('reloads without dropping a single in-flight call', async () => {
    const m = manager();
    await m.register({ id: 'r', name: 'R', slug: 'r', command: EXAMPLE('header-injector'), hookType: 'pre_auth' });
    const before = (await m.health('r')).pid;
    let failures = 0;
    let calls = 0;
    let stop = false;
    const load = (async () => {
      while (!stop && calls < 5000) {
        const out = await m.callHook('r', 'processPreAuth', { headers: {} });
        calls++;
        if (out.status !== 'ok') failures++;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const status = await m.reload('r');
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await load;
    expect(status.state).toBe('running');
    expect(status.pid).not.toBe(before);
    expect(calls).toBeGreaterThan(10);
    expect(failures).toBe(0);
  });

  it('updates config atomically: every call is answered by the old or the new config, none fails; a refused update changes nothing', async () => {
    const m = manager();
    await m.register({ id: 'u', name: 'U', slug: 'u', command: EXAMPLE('header-injector'), hookType: 'pre_auth', config: { 'x-v': 'old' } });
    const seen = new Set<string>();
    let failures = 0;
    let calls = 0;
    let stop = false;
    const load = (async () => {
      while (!stop && calls < 5000) {
        const out = await m.callHook('u', 'processPreAuth', { headers: {} });
        calls++;
        if (out.status !== 'ok') failures++;
        else seen.add(out.response.headers['x-v'] ?? 'none');
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const { plugin } = await m.update('u', { config: { 'x-v': 'new' } });
    await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await load;
    expect(plugin.state).toBe('running');
    expect(failures).toBe(0);
    expect([...seen].sort()).toEqual(['new', 'old']);
    expect(m.chain('pre_auth')).toEqual([{ id: 'u', failMode: 'closed', config: { 'x-v': 'new' } }]);
    expect((await codeOf(m.update('u', { command: 'file://./rel' }))).code).toBe('RUNTIME_COMMAND_INVALID');
    const out = await m.callHook('u', 'processPreAuth', { headers: {} });
    expect(out.status === 'ok' && out.response.headers['x-v']).toBe('new');
  });

  it('runs a hook chain in order, feeding each answer to the next plugin, skipping fail-open failures', async () => {
    const m = manager();
    await m.register({ id: 'a', name: 'A', slug: 'a', command: EXAMPLE('header-injector'), hookType: 'pre_auth', config: { 'x-a': '1' }, order: 1 });
    await m.register({ id: 'b', name: 'B', slug: 'b', command: EXAMPLE('header-injector'), hookType: 'pre_auth', config: { 'x-b': '2' }, order: 2 });
    const next = (req: { headers?: Record<string, string | undefined> }, res: { headers: Record<string, string> }) => ({ ...req, headers: res.headers });
    const r = await m.runChain('pre_auth', 'processPreAuth', { headers: { h: '0' } }, { next });
    expect(r.status).toBe('completed');
    expect(r.steps.map((s) => s.id)).toEqual(['a', 'b']);
    expect(r.request).toEqual({ headers: { h: '0', 'x-a': '1', 'x-b': '2' } });
    // A plugin that could not start: fail-open is skipped, fail-closed stops the chain.
    const broken = join(work, 'broken.sh');
    writeFileSync(broken, '#!/bin/sh\nexit 1\n');
    chmodSync(broken, 0o755);
    await m.register({ id: '0', name: 'Z', slug: 'z', command: `file://${broken}`, hookType: 'pre_auth', failMode: 'open' });
    const skipped = await m.runChain('pre_auth', 'processPreAuth', {}, {});
    expect(skipped.status).toBe('completed');
    expect(skipped.steps.map((s) => `${s.id}:${s.outcome.status}`)).toEqual(['0:failed', 'a:ok', 'b:ok']);
    await m.update('0', { failMode: 'closed' });
    expect(await m.runChain('pre_auth', 'processPreAuth', {}, {})).toMatchObject({ status: 'stopped', reason: 'failed', by: { id: '0' } });
    await m.unregister('0');
    const stopped = await m.runChain('pre_auth', 'processPreAuth', {}, { next: () => undefined });
    expect(stopped).toMatchObject({ status: 'stopped', reason: 'plugin', by: { id: 'a' } });
  });

  it('restarts a crashed plugin and initialises it again', async () => {
    const m = manager();
    await m.register({ id: 'c', name: 'C', slug: 'c', command: EXAMPLE('header-injector'), hookType: 'pre_auth', config: { 'x-k': 'v' } });
    const pid = (await m.health('c')).pid!;
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 200 && ((await m.health('c')).pid === pid || (await m.health('c')).state !== 'running'); i++) await new Promise((r) => setTimeout(r, 50));
    const h = await m.health('c');
    expect(h).toMatchObject({ state: 'running', restarts: 1 });
    await new Promise((r) => setTimeout(r, 300));
    const out = await m.callHook('c', 'processPreAuth', { headers: {} });
    expect(out.status === 'ok' && out.response.headers).toEqual({ 'x-k': 'v' });
  });

  it('keeps a plugin that cannot start in state error with the host code', async () => {
    const notPlugin = join(work, 'not-a-plugin.sh');
    writeFileSync(notPlugin, '#!/bin/sh\necho hello\nexit 0\n');
    chmodSync(notPlugin, 0o755);
    const m = manager();
    const { plugin } = await m.register({ id: 'bad', name: 'B', slug: 'b', command: `file://${notPlugin}`, hookType: 'pre_auth' });
    expect(plugin.state).toBe('error');
    expect(plugin.error?.code).toBe('PLUGIN_HANDSHAKE_FAILED');
  });

  it('refuses bad specs, bad commands, policy denials, duplicates and disabled OCI with coded errors', async () => {
    const m = manager();
    expect((await codeOf(m.register({ id: 'x', name: 'x', slug: 'Bad Slug', command: 'file:///x', hookType: 'pre_auth' }))).code).toBe('RUNTIME_INVALID_SPEC');
    expect(await codeOf(m.register({ id: 'x', name: 'x', slug: 'x', command: 'file://./rel', hookType: 'pre_auth' }))).toMatchObject({ code: 'RUNTIME_COMMAND_INVALID', details: { causeCode: 'COMMAND_RELATIVE_PATH' } });
    const denied = await codeOf(m.register({ id: 'x', name: 'x', slug: 'x', command: 'grpc://10.0.0.1:50051', hookType: 'pre_auth' }));
    expect(denied.code).toBe('RUNTIME_POLICY_DENIED');
    expect((denied.details!.violations as Array<{ code: string }>)[0]!.code).toBe('POLICY_INTERNAL_ADDRESS');
    expect((await codeOf(m.register({ id: 'x', name: 'x', slug: 'x', command: 'oci://ghcr.io/a/b:1', hookType: 'pre_auth' }))).code).toBe('RUNTIME_OCI_DISABLED');
    await m.register({ id: 'in', name: 'i', slug: 'i', command: EXAMPLE('header-injector'), hookType: 'pre_auth', isActive: false });
    expect(m.getStatus('in').state).toBe('inactive');
    expect((await codeOf(m.register({ id: 'in', name: 'i', slug: 'i', command: EXAMPLE('header-injector'), hookType: 'pre_auth' }))).code).toBe('RUNTIME_DUPLICATE_PLUGIN');
    expect((await codeOf(m.reload('nope'))).code).toBe('RUNTIME_PLUGIN_NOT_FOUND');
  });
});

describe('PluginManager with grpc:// plugins', () => {
  it('connects to the address the policy resolved and calls the hook', async () => {
    const server = new grpc.Server();
    server.addService(pluginpb.PluginServiceService, {
      processPreAuth: (_c: unknown, cb: grpc.sendUnaryData<pluginpb.PluginResponse>) => cb(null, pluginpb.PluginResponse.fromPartial({ modified: true, headers: { remote: 'yes' } })),
    } as unknown as pluginpb.PluginServiceServer);
    const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    try {
      const m = manager(settings({ policy: { allowlist: [`grpc://127.0.0.1:${port}`] } }));
      const { plugin, warnings } = await m.register({ id: 'g', name: 'G', slug: 'g', command: `grpc://127.0.0.1:${port}`, hookType: 'pre_auth' });
      expect(plugin).toMatchObject({ state: 'running', scheme: 'grpc', target: `127.0.0.1:${port}` });
      expect(warnings.map((w) => w.code)).toEqual(['POLICY_WARN_INTERNAL_ALLOWLISTED']);
      const out = await m.callHook('g', 'processPreAuth', {});
      expect(out.status === 'ok' && out.response.headers).toEqual({ remote: 'yes' });
    } finally {
      server.forceShutdown();
    }
  });
});

describe('PluginManager with oci:// plugins (real registry)', () => {
  it('pulls, verifies the digest, caches and launches the plugin', async () => {
    const wrapper = join(work, 'oci-plugin.sh');
    writeFileSync(wrapper, `#!/bin/sh\ncd "${REPO}" && exec "\${PLUGWAY_NODE:-node}" --import tsx "${REPO}/examples/header-injector/plugin.ts"\n`);
    chmodSync(wrapper, 0o755);
    const client = new RegistryClient({ registry: reg.host });
    const pushed = await pushPlugin({ client, repository: 'plugins/injector', tag: '1.0.0', file: wrapper });
    const cacheDir = join(work, 'oci-cache');
    const m = manager(settings({ policy: { allowedRegistries: [reg.host] }, oci: { enabled: true, cacheDir, requireSignature: false, pullPolicy: 'IfNotPresent', insecureRegistries: [] } }));
    const { plugin, warnings } = await m.register({ id: 'o', name: 'O', slug: 'o', command: `oci://${reg.host}/plugins/injector:1.0.0`, hookType: 'pre_auth', config: { 'x-from': 'oci' } });
    expect(plugin).toMatchObject({ state: 'running', scheme: 'oci', digest: pushed.binaryDigest, resolved: { digest: pushed.digest, ttlSeconds: 86_400 } });
    expect(plugin.resolved!.ageSeconds).toBeGreaterThanOrEqual(0);
    // Signatures not required: it runs, and says it is unsigned.
    expect(warnings.map((w) => w.code)).toContain('RUNTIME_WARN_OCI_UNSIGNED');
    expect(plugin.warnings.map((w) => w.code)).toContain('RUNTIME_WARN_OCI_UNSIGNED');
    expect(plugin.target?.startsWith(cacheDir)).toBe(true);
    const out = await m.callHook('o', 'processPreAuth', { headers: {} });
    expect(out.status === 'ok' && out.response.headers).toEqual({ 'x-from': 'oci' });
    const signed = manager(settings({ policy: { allowedRegistries: [reg.host] }, oci: { enabled: true, cacheDir, requireSignature: true, pullPolicy: 'IfNotPresent', insecureRegistries: [] } }));
    const { plugin: refused } = await signed.register({ id: 'o2', name: 'O', slug: 'o2', command: `oci://${reg.host}/plugins/injector:1.0.0`, hookType: 'pre_auth' });
    expect(refused.state).toBe('error');
    expect(refused.error).toMatchObject({ code: 'RUNTIME_OCI_PULL_FAILED', causeCode: 'OCI_KEY_NOT_FOUND' });
    // Required and signed with a configured key: it runs, verified, without the warning.
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await signCosign(client, 'plugins/injector', pushed.digest, key.privateKey, { dockerReference: `${reg.host}/plugins/injector` });
    const publicKeys = createKeyRing({ release: key.publicKey.export({ type: 'spki', format: 'pem' }) as string });
    const verified = manager(settings({ policy: { allowedRegistries: [reg.host] }, publicKeys, oci: { enabled: true, cacheDir: join(work, 'oci-cache-2'), requireSignature: true } }));
    const ok = await verified.register({ id: 'o3', name: 'O', slug: 'o3', command: `oci://${reg.host}/plugins/injector:1.0.0`, hookType: 'pre_auth' });
    expect(ok.plugin).toMatchObject({ state: 'running', verifiedBy: 'release' });
    expect(ok.warnings.map((w) => w.code)).not.toContain('RUNTIME_WARN_OCI_UNSIGNED');
  });
});

describe('PluginManager reload of oci:// plugins', { timeout: 90_000 }, () => {
  const ociSettings = (cacheDir: string, host = reg.host) => settings({ policy: { allowedRegistries: [host] }, oci: { enabled: true, cacheDir, requireSignature: false, pullPolicy: 'IfNotPresent', insecureRegistries: [] } });
  const NODE = { name: 'node', minVersion: '20.19.0' };
  let bundle: Buffer;
  let n = 0;
  // The header-injector example bundled as `plugway package` does (one ES module, SDK and grpc-js inside); `tag` only
  // changes the bytes (and so the digest).
  function packaged(tag: string): string {
    const f = join(work, `packaged-${++n}`);
    writeFileSync(f, Buffer.concat([bundle, Buffer.from(`// ${tag}\n`)]));
    return f;
  }
  beforeAll(async () => {
    const out = await build({
      entryPoints: [`${REPO}/examples/header-injector/plugin.ts`], absWorkingDir: REPO, bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent',
      banner: { js: "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);" },
    });
    bundle = Buffer.from(out.outputFiles[0]!.contents);
  });

  it('re-resolves a tag on reload and answers with the old and new digest; a start keeps the pull policy', async () => {
    const client = new RegistryClient({ registry: reg.host });
    const v1 = await pushPlugin({ client, repository: 'plugins/moving', tag: 'stable', file: packaged('v1'), runtime: NODE });
    const cacheDir = join(work, 'reload-cache');
    const m = manager(ociSettings(cacheDir));
    const spec = { id: 'mv', name: 'M', slug: 'mv', command: `oci://${reg.host}/plugins/moving:stable`, hookType: 'pre_auth' as const };
    expect((await m.register(spec)).plugin).toMatchObject({ state: 'running', artifactDigest: v1.digest });

    const v2 = await pushPlugin({ client, repository: 'plugins/moving', tag: 'stable', file: packaged('v2'), runtime: NODE });
    // A start under IfNotPresent still uses the tag's recorded digest (the pull policy's meaning) …
    const other = manager(ociSettings(cacheDir));
    expect((await other.register(spec)).plugin.artifactDigest).toBe(v1.digest);
    // … while a reload asks the registry what the tag means now.
    const reloaded = await m.reload('mv');
    expect(reloaded).toMatchObject({ state: 'running', artifactDigest: v2.digest, digest: v2.binaryDigest, reload: { from: v1.digest, to: v2.digest, changed: true } });
    expect((await m.reload('mv')).reload).toEqual({ from: v2.digest, to: v2.digest, changed: false });
  });

  it('reloads a digest-pinned reference from the cache without the registry', async () => {
    const own = await startRegistry();
    try {
      const pushed = await pushPlugin({ client: new RegistryClient({ registry: own.host }), repository: 'plugins/pinned', tag: '1', file: packaged('pinned'), runtime: NODE });
      const m = manager(ociSettings(join(work, 'pinned-cache'), own.host));
      await m.register({ id: 'p', name: 'P', slug: 'p', command: `oci://${own.host}/plugins/pinned@${pushed.digest}`, hookType: 'pre_auth' });
      await own.stop();
      expect(await m.reload('p')).toMatchObject({ state: 'running', reload: { from: pushed.digest, to: pushed.digest, changed: false } });
    } finally {
      await own.stop();
    }
  });

  it('launches a packaged example with the host Node, refuses a runtime it cannot provide, and names the runtime when it exits', async () => {
    const client = new RegistryClient({ registry: reg.host });
    const file = packaged('runtime');
    await pushPlugin({ client, repository: 'plugins/node-ok', tag: '1', file, runtime: NODE });
    await pushPlugin({ client, repository: 'plugins/node-new', tag: '1', file, runtime: { name: 'node', minVersion: '99.0.0' } });
    await pushPlugin({ client, repository: 'plugins/python', tag: '1', file, runtime: { name: 'python' } });
    const dies = join(work, 'dies.mjs');
    writeFileSync(dies, 'console.error("no SDK here"); process.exit(3);\n');
    await pushPlugin({ client, repository: 'plugins/node-dies', tag: '1', file: dies, runtime: NODE });
    const m = manager(ociSettings(join(work, 'runtime-cache')));
    const reg1 = (id: string, repo: string) => m.register({ id, name: id, slug: id, command: `oci://${reg.host}/plugins/${repo}:1`, hookType: 'pre_auth' });

    const ok = (await reg1('ok', 'node-ok')).plugin;
    expect(ok).toMatchObject({ state: 'running', runtime: 'node >= 20.19.0' });
    const out = await m.callHook('ok', 'processPreAuth', { headers: {} });
    expect(out.status === 'ok' && out.response.headers).toEqual({ 'x-plugway-demo': 'hello' });
    expect((await reg1('new', 'node-new')).plugin.error).toMatchObject({ code: 'RUNTIME_PLUGIN_RUNTIME_UNAVAILABLE' });
    expect((await reg1('py', 'python')).plugin.error?.message).toContain('needs runtime python');
    const exited = (await reg1('dies', 'node-dies')).plugin.error;
    expect(exited?.code).toMatch(/^PLUGIN_(EXITED|RESTART_LIMIT)$/);
    expect(exited?.message).toContain('packaged plugin: runtime node >= 20.19.0');
  });
});
