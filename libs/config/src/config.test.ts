import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isPlugwayError } from '@plugway/core';
import { parseCommand } from '@plugway/command';
import { createPolicy, evaluateCommand, type PolicyOptions } from '@plugway/security-policy';
import { ConfigError, DEFAULT_EDGE_CACHE_DIR, describeSettings, loadEdgeSettings, loadStudioSettings, parseDatabaseUrl } from './index.js';

const CWD = '/srv/app';
const studio = (env: Record<string, string>) => loadStudioSettings({ HOME: '/home/u', ...env }, { cwd: CWD });
const edge = (env: Record<string, string>) => loadEdgeSettings({ HOME: '/home/u', ...env }, { cwd: CWD });

function issuesOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect(isPlugwayError(e) && e.code).toBe('CONFIG_INVALID');
    return (e as ConfigError).details!['issues'] as Array<{ path: string; message: string }>;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('defaults', () => {
  it('studio: port 3000 on loopback, SQLite in ./.data, OCI disabled, token file', () => {
    const s = studio({});
    expect(s.kind).toBe('studio');
    expect(s.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(s.database).toEqual({ kind: 'sqlite', path: '/srv/app/.data/studio.db' });
    expect(s.apiToken).toEqual({ source: 'file', path: '/srv/app/.data/api-token' });
    expect(s.runtime.oci.enabled).toBe(false);
    expect(s.runtime.oci.requireSignature).toBe(false); // AI Studio's studio default: signatures opt-in
    expect(s.policy).toMatchObject({ allowInternalNetworkAccess: false, blockInternalUrls: true, allowlist: [], allowedRegistries: [] });
    expect(s.logLevel).toBe('info');
    expect(s.demoPlugin).toBe(true);
    expect(s.dockerConfigPath).toBe('/home/u/.docker/config.json');
    expect(s.runtime.defaultFailMode).toBe('closed');
  });
  it('edge: port 8080, OCI enabled in /var/lib/microgateway/plugins', () => {
    const s = edge({});
    expect(s.kind).toBe('edge');
    expect(s.http).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(s.runtime.oci).toMatchObject({ enabled: true, cacheDir: DEFAULT_EDGE_CACHE_DIR, requireSignature: true });
    expect(s.configFile).toBeUndefined();
    expect(s.studio).toBeUndefined();
    expect(s.workers).toBe(1);
  });
  it('both share the same shape for the runtime part', () => {
    expect(Object.keys(studio({}).runtime).sort()).toEqual(Object.keys(edge({}).runtime).sort());
  });
  it('empty values count as unset', () => {
    expect(studio({ PORT: '', AI_STUDIO_OCI_CACHE_DIR: '' }).http.port).toBe(3000);
    expect(studio({ AI_STUDIO_OCI_CACHE_DIR: '' }).runtime.oci.enabled).toBe(false);
  });
  it('reads process.env by default', () => {
    expect(loadStudioSettings().kind).toBe('studio');
  });
});

describe('studio variables', () => {
  it.each([
    ['PORT', '8081', (s: ReturnType<typeof studio>) => s.http.port, 8081],
    ['PORT', '0', (s: ReturnType<typeof studio>) => s.http.port, 0],
    ['HOST', '0.0.0.0', (s: ReturnType<typeof studio>) => s.http.host, '0.0.0.0'],
    ['LOG_LEVEL', 'DEBUG', (s: ReturnType<typeof studio>) => s.logLevel, 'debug'],
    ['AI_STUDIO_OCI_CACHE_DIR', '/c', (s: ReturnType<typeof studio>) => [s.runtime.oci.enabled, s.runtime.oci.cacheDir], [true, '/c']],
    ['AI_STUDIO_OCI_REQUIRE_SIGNATURE', 'false', (s: ReturnType<typeof studio>) => s.runtime.oci.requireSignature, false],
    ['AI_STUDIO_OCI_REQUIRE_SIGNATURE', 'YES', (s: ReturnType<typeof studio>) => s.runtime.oci.requireSignature, true],
    ['DATABASE_URL', 'sqlite:///var/db/x.db', (s: ReturnType<typeof studio>) => s.database, { kind: 'sqlite', path: '/var/db/x.db' }],
    ['DATABASE_URL', 'sqlite://rel/x.db', (s: ReturnType<typeof studio>) => s.database, { kind: 'sqlite', path: '/srv/app/rel/x.db' }],
    ['DATABASE_URL', 'sqlite::memory:', (s: ReturnType<typeof studio>) => s.database, { kind: 'sqlite', path: ':memory:' }],
    ['DATABASE_URL', 'postgres://u:p@db:5432/studio', (s: ReturnType<typeof studio>) => s.database.kind, 'postgres'],
    ['DATABASE_URL', 'postgresql://db/studio', (s: ReturnType<typeof studio>) => s.database.kind, 'postgres'],
    ['STUDIO_API_TOKEN', 'a-very-long-admin-token', (s: ReturnType<typeof studio>) => s.apiToken, { source: 'env', token: 'a-very-long-admin-token' }],
    ['STUDIO_DATA_DIR', '/data', (s: ReturnType<typeof studio>) => [s.dataDir, s.database], ['/data', { kind: 'sqlite', path: '/data/studio.db' }]],
    ['STUDIO_DEMO_PLUGIN', 'off', (s: ReturnType<typeof studio>) => s.demoPlugin, false],
    ['OCI_PLUGINS_MAX_CACHE_SIZE', '2GiB', (s: ReturnType<typeof studio>) => s.runtime.oci.maxCacheSize, 2 * 1024 ** 3],
    ['OCI_PLUGINS_INSECURE_REGISTRIES', '127.0.0.1:5000, localhost:5001', (s: ReturnType<typeof studio>) => s.runtime.oci.insecureRegistries, ['127.0.0.1:5000', 'localhost:5001']],
    ['OCI_PLUGINS_PULL_POLICY', 'Always', (s: ReturnType<typeof studio>) => s.runtime.oci.pullPolicy, 'Always'],
    ['PLUGIN_CALL_TIMEOUT_MS', '1500', (s: ReturnType<typeof studio>) => s.runtime.pluginHost.callTimeoutMs, 1500],
    ['PLUGIN_STARTUP_TIMEOUT_MS', '20000', (s: ReturnType<typeof studio>) => s.runtime.pluginHost.startupTimeoutMs, 20000],
    ['PLUGIN_MAX_RESTARTS', '0', (s: ReturnType<typeof studio>) => s.runtime.pluginHost.maxRestarts, 0],
    ['PLUGIN_FAIL_MODE', 'OPEN', (s: ReturnType<typeof studio>) => s.runtime.defaultFailMode, 'open'],
    ['ALLOW_INTERNAL_NETWORK_ACCESS', 'true', (s: ReturnType<typeof studio>) => s.policy.allowInternalNetworkAccess, true],
    ['PLUGIN_BLOCK_INTERNAL_URLS', 'false', (s: ReturnType<typeof studio>) => s.policy.blockInternalUrls, false],
    ['PLUGIN_COMMAND_ALLOWLIST', 'grpc://10.0.0.0/8,/usr/local/plugins/*', (s: ReturnType<typeof studio>) => s.policy.allowlist, ['grpc://10.0.0.0/8', '/usr/local/plugins/*']],
    ['OCI_PLUGINS_ALLOWED_REGISTRIES', 'ghcr.io,*.example.com', (s: ReturnType<typeof studio>) => s.policy.allowedRegistries, ['ghcr.io', '*.example.com']],
    ['OCI_PLUGINS_REGISTRY_GHCR_IO_TOKEN', 'tkn', (s: ReturnType<typeof studio>) => s.registryAuth.registries, { GHCR_IO: { kind: 'bearer', token: 'tkn' } }],
    ['DOCKER_CONFIG', '/etc/docker', (s: ReturnType<typeof studio>) => s.dockerConfigPath, '/etc/docker/config.json'],
    ['PLUGIN_RUN_AS_USER', 'plugins', (s: ReturnType<typeof studio>) => s.runtime.pluginHost.sandbox.user, 'plugins'],
    ['PLUGIN_RUN_AS_USER', '10001', (s: ReturnType<typeof studio>) => s.runtime.pluginHost.sandbox.user, 10001],
    ['PLUGIN_RUN_AS_GROUP', 'nogroup', (s: ReturnType<typeof studio>) => s.runtime.pluginHost.sandbox.group, 'nogroup'],
    ['PLUGIN_WORK_DIR', '/tmp/p', (s: ReturnType<typeof studio>) => s.runtime.pluginHost.sandbox.workDir, '/tmp/p'],
    ['PLUGIN_LIMIT_OPEN_FILES', '256', (s: ReturnType<typeof studio>) => s.runtime.pluginHost.sandbox.limits, { openFiles: 256 }],
    ['PLUGIN_LIMIT_PROCESSES', '64', (s: ReturnType<typeof studio>) => s.runtime.pluginHost.sandbox.limits, { openFiles: 1024, processes: 64 }],
    ['PLUGIN_LIMIT_CPU_SECONDS', '3600', (s: ReturnType<typeof studio>) => s.runtime.pluginHost.sandbox.limits, { openFiles: 1024, cpuSeconds: 3600 }],
    ['PLUGIN_LIMIT_ADDRESS_SPACE', '4GiB', (s: ReturnType<typeof studio>) => s.runtime.pluginHost.sandbox.limits, { openFiles: 1024, addressSpaceBytes: 4 * 2 ** 30 }],
  ] as const)('%s=%s', (name, value, get, want) => {
    const s = studio({ AI_STUDIO_OCI_CACHE_DIR: '/c', [name]: value });
    expect(get(s)).toEqual(want);
    // the same value lands in the runtime settings object the plugin manager gets
    expect(s.runtime.policy).toEqual(s.policy);
  });

  it('plugins run with least privilege by default; root only with PLUGIN_ALLOW_ROOT=true', () => {
    expect(studio({}).runtime.pluginHost.sandbox).toEqual({ allowRoot: false, limits: { openFiles: 1024 } });
    expect(studio({ PLUGIN_RUN_AS_USER: 'root', PLUGIN_ALLOW_ROOT: 'true' }).runtime.pluginHost.sandbox).toMatchObject({ user: 'root', allowRoot: true });
  });

  it.each([
    ['PORT', 'abc'], ['PORT', '70000'], ['PORT', '-1'], ['LOG_LEVEL', 'loud'],
    ['AI_STUDIO_OCI_REQUIRE_SIGNATURE', 'maybe'], ['DATABASE_URL', 'mysql://x'], ['DATABASE_URL', 'postgres://['],
    ['STUDIO_API_TOKEN', 'short'], ['STUDIO_API_TOKEN', 'has a space inside it!'], ['STUDIO_DEMO_PLUGIN', 'sure'],
    ['OCI_PLUGINS_MAX_CACHE_SIZE', 'lots'], ['OCI_PLUGINS_PULL_POLICY', 'Never'], ['PLUGIN_CALL_TIMEOUT_MS', '1.5'],
    ['PLUGIN_FAIL_MODE', 'sideways'],
    ['ALLOW_INTERNAL_NETWORK_ACCESS', 'perhaps'], ['PLUGIN_BLOCK_INTERNAL_URLS', 'nah'],
    ['PLUGIN_COMMAND_ALLOWLIST', 'grpc://10.0.0.0/99'], ['OCI_PLUGINS_ALLOWED_REGISTRIES', 'not a host!'],
    ['OCI_PLUGINS_REGISTRY_GHCR_IO_BOGUS', 'x'], ['OCI_PLUGINS_PUBKEY_RELEASE', 'not a pem'],
    ['OCI_PLUGINS_PUBLIC_KEY_1', '/nonexistent/key.pem'],
    ['PLUGIN_RUN_AS_USER', 'root'], ['PLUGIN_RUN_AS_USER', '0'], ['PLUGIN_RUN_AS_USER', 'a b'], ['PLUGIN_RUN_AS_GROUP', '-1'],
    ['PLUGIN_ALLOW_ROOT', 'maybe'], ['PLUGIN_WORK_DIR', 'relative/dir'], ['PLUGIN_LIMIT_OPEN_FILES', '0'],
    ['PLUGIN_LIMIT_PROCESSES', 'many'], ['PLUGIN_LIMIT_CPU_SECONDS', '0'], ['PLUGIN_LIMIT_ADDRESS_SPACE', 'huge'], ['PLUGIN_LIMIT_ADDRESS_SPACE', '0'],
    ['OCI_PLUGINS_TIMEOUT', 'soon'], ['AI_STUDIO_OCI_TIMEOUT', '0s'], ['OCI_PLUGINS_RETRY_ATTEMPTS', '-2'], ['AI_STUDIO_OCI_GC_INTERVAL', '1s'],
    ['AI_STUDIO_OCI_KEEP_VERSIONS', '0'], ['OCI_PLUGINS_TAG_TTL', '1d'], ['AI_STUDIO_OCI_SOMETHING_NEW', 'x'],
    ['OCI_PLUGINS_REGISTRY_X_IO_ENTITLEMENTENV', 'UNSET_VARIABLE'],
  ])('%s=%s is CONFIG_INVALID naming the variable (fail closed)', (name, value) => {
    const issues = issuesOf(() => studio({ AI_STUDIO_OCI_CACHE_DIR: '/c', [name]: value }));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.map((i) => i.path)).toContain(name);
  });

  it('reports every issue at once', () => {
    const issues = issuesOf(() => studio({ PORT: 'x', LOG_LEVEL: 'y', PLUGIN_COMMAND_ALLOWLIST: 'grpc://1.2.3.4/77', DATABASE_URL: 'nope://' }));
    expect(issues.map((i) => i.path).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PLUGIN_COMMAND_ALLOWLIST', 'PORT']);
  });

  it('production requires STUDIO_API_TOKEN and turns the demo plugin off', () => {
    expect(issuesOf(() => studio({ NODE_ENV: 'production' })).map((i) => i.path)).toEqual(['STUDIO_API_TOKEN']);
    const s = studio({ NODE_ENV: 'production', STUDIO_API_TOKEN: 'x'.repeat(32) });
    expect(s.demoPlugin).toBe(false);
    expect(s.production).toBe(true);
  });

  it('never puts a secret value into the error', () => {
    const secret = 'sup3r-s3cret-value';
    let err: unknown;
    try {
      studio({ STUDIO_API_TOKEN: `${secret} x`, OCI_PLUGINS_REGISTRY_GHCR_IO_PASSWORD: secret, DATABASE_URL: `mysql://u:${secret}@h/db` });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const text = JSON.stringify({ m: (err as Error).message, d: (err as ConfigError).details });
    expect(text).not.toContain(secret);
  });

  it('loads a public key file and PEM text', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    writeFileSync(join(dir, 'k.pem'), pem);
    try {
      const s = studio({ AI_STUDIO_OCI_CACHE_DIR: '/c', OCI_PLUGINS_PUBLIC_KEY_1: join(dir, 'k.pem'), OCI_PLUGINS_PUBKEY_RELEASE: pem.replace(/\n/g, '\\n') });
      expect([...s.publicKeys.keys.keys()].sort()).toEqual(['1', 'release']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('edge variables', () => {
  it.each([
    ['OCI_PLUGINS_CACHE_DIR', '/cache', (s: ReturnType<typeof edge>) => s.runtime.oci.cacheDir, '/cache'],
    ['OCI_PLUGINS_REQUIRE_SIGNATURE', '0', (s: ReturnType<typeof edge>) => s.runtime.oci.requireSignature, false],
    ['OCI_PLUGINS_MAX_CACHE_SIZE', '500MiB', (s: ReturnType<typeof edge>) => s.runtime.oci.maxCacheSize, 500 * 1024 ** 2],
    ['EDGE_CONFIG_FILE', 'edge.json', (s: ReturnType<typeof edge>) => s.configFile, '/srv/app/edge.json'],
    ['EDGE_UPSTREAM_URL', 'http://127.0.0.1:9000', (s: ReturnType<typeof edge>) => s.upstreamUrl, 'http://127.0.0.1:9000'],
    ['PORT', '9090', (s: ReturnType<typeof edge>) => s.http.port, 9090],
    ['EDGE_WORKERS', '4', (s: ReturnType<typeof edge>) => s.workers, 4],
    ['EDGE_WORKERS', 'auto', (s: ReturnType<typeof edge>) => s.workers, availableParallelism()],
    ['EDGE_DATA_DIR', 'state', (s: ReturnType<typeof edge>) => s.dataDir, '/srv/app/state'],
  ] as const)('%s=%s', (name, value, get, want) => {
    expect(get(edge({ [name]: value }))).toEqual(want);
  });
  it('AI_STUDIO_OCI_CACHE_DIR does not configure the edge, OCI_PLUGINS_CACHE_DIR does not configure the studio', () => {
    expect(edge({ AI_STUDIO_OCI_CACHE_DIR: '/x' }).runtime.oci.cacheDir).toBe(DEFAULT_EDGE_CACHE_DIR);
    expect(studio({ OCI_PLUGINS_CACHE_DIR: '/x' }).runtime.oci.enabled).toBe(false);
  });
  it('studio sync needs URL and token together', () => {
    expect(issuesOf(() => edge({ EDGE_STUDIO_URL: 'http://studio:3000' })).map((i) => i.path)).toEqual(['EDGE_STUDIO_TOKEN']);
    expect(edge({ EDGE_STUDIO_URL: 'http://studio:3000', EDGE_STUDIO_TOKEN: 't'.repeat(20) }).studio).toMatchObject({ url: 'http://studio:3000', syncIntervalMs: 30000, edgeId: expect.any(String) });
    expect(edge({ EDGE_STUDIO_URL: 'http://studio:3000', EDGE_STUDIO_TOKEN: 't'.repeat(20), EDGE_ID: 'edge-a.eu' }).studio?.edgeId).toBe('edge-a.eu');
    expect(issuesOf(() => edge({ EDGE_ID: '../x' })).map((i) => i.path)).toEqual(['EDGE_ID']);
    expect(edge({}).dataDir).toBe('/var/lib/microgateway/edge');
    const credential = `pwe_${'a'.repeat(43)}`;
    expect(edge({ EDGE_STUDIO_URL: 'http://studio:3000', EDGE_STUDIO_CREDENTIAL: credential }).studio).toMatchObject({ token: credential });
    expect(issuesOf(() => edge({ EDGE_STUDIO_URL: 'http://studio:3000', EDGE_STUDIO_CREDENTIAL: credential, EDGE_STUDIO_TOKEN: 't'.repeat(20) })).map((i) => i.path)).toEqual(['EDGE_STUDIO_TOKEN']);
    expect(issuesOf(() => edge({ EDGE_STUDIO_URL: 'http://studio:3000', EDGE_STUDIO_CREDENTIAL: 'not-one' })).map((i) => i.path)).toContain('EDGE_STUDIO_CREDENTIAL');
  });
  it.each([['EDGE_WORKERS', '0'], ['EDGE_WORKERS', 'many'], ['EDGE_UPSTREAM_URL', 'ftp://x'], ['EDGE_STUDIO_URL', 'nope'], ['OCI_PLUGINS_REQUIRE_SIGNATURE', 'x']])('%s=%s is invalid', (name, value) => {
    expect(issuesOf(() => edge({ [name]: value, EDGE_STUDIO_TOKEN: 't'.repeat(20) })).map((i) => i.path)).toContain(name);
  });
});

describe('parseDatabaseUrl', () => {
  it.each([['sqlite:', 'the sqlite URL has no file path'], ['sqlite://', 'the sqlite URL has no file path']])('%s → %s', (url, msg) => {
    expect(parseDatabaseUrl(url, '/d', '/c')).toBe(msg);
  });
});

describe("AI Studio's OCI settings", () => {
  it.each([
    ['TIMEOUT', '45s', (s: ReturnType<typeof studio>) => s.runtime.oci.timeoutMs, 45_000],
    ['RETRY_ATTEMPTS', '5', (s: ReturnType<typeof studio>) => s.runtime.oci.retries, 5],
    ['GC_INTERVAL', '1h30m', (s: ReturnType<typeof studio>) => s.runtime.oci.gcIntervalMs, 5_400_000],
    ['KEEP_VERSIONS', '2', (s: ReturnType<typeof studio>) => s.runtime.oci.keepVersions, 2],
    ['MAX_CACHE_SIZE', '1GiB', (s: ReturnType<typeof studio>) => s.runtime.oci.maxCacheSize, 1024 ** 3],
    ['ALLOWED_REGISTRIES', 'ghcr.io', (s: ReturnType<typeof studio>) => s.runtime.policy['allowedRegistries'], ['ghcr.io']],
    ['INSECURE_REGISTRIES', '127.0.0.1:5000', (s: ReturnType<typeof studio>) => s.runtime.oci.insecureRegistries, ['127.0.0.1:5000']],
    ['TAG_TTL', '10m', (s: ReturnType<typeof studio>) => s.runtime.oci.tagTtlMs, 600_000],
  ] as const)('AI_STUDIO_OCI_%s and OCI_PLUGINS_%s set the same thing in the studio', (x, value, get, want) => {
    expect(get(studio({ AI_STUDIO_OCI_CACHE_DIR: '/c', [`AI_STUDIO_OCI_${x}`]: value }))).toEqual(want);
    expect(get(studio({ AI_STUDIO_OCI_CACHE_DIR: '/c', [`OCI_PLUGINS_${x}`]: value }))).toEqual(want);
  });
  it('the edge reads the OCI_PLUGINS_ forms; defaults are 30 s, 3 retries, a 24 h tag TTL, no periodic GC', () => {
    expect(edge({}).runtime.oci).toMatchObject({ timeoutMs: 30_000, retries: 3, tagTtlMs: 86_400_000 });
    expect(edge({}).runtime.oci.gcIntervalMs).toBeUndefined();
    expect(edge({ OCI_PLUGINS_TIMEOUT: '2m', OCI_PLUGINS_KEEP_VERSIONS: '3', OCI_PLUGINS_TAG_TTL: '0' }).runtime.oci).toMatchObject({ timeoutMs: 120_000, keepVersions: 3, tagTtlMs: 0 });
  });
  it('refuses the two forms with different values, and an AI_STUDIO_OCI_ variable it does not know', () => {
    expect(issuesOf(() => studio({ AI_STUDIO_OCI_TIMEOUT: '10s', OCI_PLUGINS_TIMEOUT: '20s' })).map((i) => i.path)).toEqual(['AI_STUDIO_OCI_TIMEOUT']);
    const unknown = issuesOf(() => studio({ AI_STUDIO_OCI_CACHEDIR: '/c' }));
    expect(unknown).toEqual([{ path: 'AI_STUDIO_OCI_CACHEDIR', message: expect.stringContaining('AI_STUDIO_OCI_CACHE_DIR') }]);
  });
  it("ignores registry credentials and keys while the studio's OCI is off (the seed's copied variables)", () => {
    const copied = { OCI_PLUGINS_REGISTRY_GHCR_IO_USERNAME: 'me', OCI_PLUGINS_REGISTRY_GHCR_IO_PASSWORDENV: 'GITHUB_TOKEN', OCI_PLUGINS_PUBKEY_X: 'not a pem' };
    expect(studio(copied).runtime.oci.enabled).toBe(false);
    expect(issuesOf(() => studio({ ...copied, AI_STUDIO_OCI_CACHE_DIR: '/c' })).map((i) => i.path).sort()).toEqual(['OCI_PLUGINS_PUBKEY_X', 'OCI_PLUGINS_REGISTRY_GHCR_IO_PASSWORDENV']);
    const on = studio({ ...copied, OCI_PLUGINS_PUBKEY_X: '', GITHUB_TOKEN: 'ghp', AI_STUDIO_OCI_CACHE_DIR: '/c' });
    expect(on.registryAuth.registries).toEqual({ GHCR_IO: { kind: 'basic', username: 'me', password: 'ghp' } });
  });
});

describe('describeSettings', () => {
  it('has no secrets', () => {
    const secret = 'pw-0123456789abcdef';
    const s = studio({ STUDIO_API_TOKEN: secret, DATABASE_URL: `postgres://user:${secret}@db/x`, AI_STUDIO_OCI_CACHE_DIR: '/c', OCI_PLUGINS_REGISTRY_GHCR_IO_TOKEN: secret });
    const e = edge({ EDGE_STUDIO_URL: 'http://s:3000', EDGE_STUDIO_TOKEN: secret, EDGE_UPSTREAM_URL: `http://u:${secret}@up` });
    expect(JSON.stringify([describeSettings(s), describeSettings(e)])).not.toContain(secret);
    expect(describeSettings(s)).toMatchObject({ registries: ['GHCR_IO'] });
  });
});

// Issue requirement: "a test proves the same command yields the same decision in both".
describe('studio and edge make the same policy decision for the same command and env', () => {
  const resolve = async (host: string) => (host === 'plugins.internal' ? [{ address: '10.1.2.3', family: 4 as const }] : [{ address: '93.184.216.34', family: 4 as const }]);
  const envs: Array<Record<string, string>> = [
    {},
    { ALLOW_INTERNAL_NETWORK_ACCESS: 'true' },
    { PLUGIN_COMMAND_ALLOWLIST: 'grpc://10.0.0.0/8,/opt/x/*' },
    { OCI_PLUGINS_ALLOWED_REGISTRIES: 'ghcr.io' },
    { PLUGIN_BLOCK_INTERNAL_URLS: 'false' },
  ];
  const commands = [
    'grpc://10.0.0.5:9000', 'grpc://127.0.0.1:50051', 'grpc://169.254.169.254:80', 'grpc://plugins.internal:443', 'grpc://example.com:443',
    'grpc://[::1]:9000', 'file:///opt/x/plugin', 'file:///usr/local/plugins/p', 'oci://ghcr.io/acme/p:1', 'oci://evil.example/p:1',
  ];
  it.each(envs.map((e) => [JSON.stringify(e), e] as const))('env %s', async (_label, env) => {
    const s = studio({ ...env, AI_STUDIO_OCI_CACHE_DIR: '/tmp/x' });
    const g = edge(env);
    expect(s.runtime.policy).toEqual(g.runtime.policy);
    const ps = createPolicy(s.runtime.policy as PolicyOptions);
    const pg = createPolicy(g.runtime.policy as PolicyOptions);
    for (const c of commands) {
      const cmd = parseCommand(c);
      const a = await evaluateCommand(cmd, ps, { resolve });
      const b = await evaluateCommand(cmd, pg, { resolve });
      expect({ c, d: b }).toEqual({ c, d: a });
    }
  });
});
