import { describe, expect, it } from 'vitest';
import { createPolicy, DEFAULT_PLUGIN_DIRS, PolicyError, type PolicyOptions } from './index.js';

function issuesOf(fn: () => unknown): Array<{ path: string; message: string }> {
  try { fn(); } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    expect((e as PolicyError).code).toBe('POLICY_INVALID_CONFIG');
    return (e as PolicyError).details!['issues'] as Array<{ path: string; message: string }>;
  }
  throw new Error('did not throw');
}

describe('createPolicy', () => {
  it('fills the defaults', () => {
    expect(createPolicy().options).toEqual({ allowInternalNetworkAccess: false, blockInternalUrls: true, allowlist: [], allowlistMode: 'enforce', allowedRegistries: [], pluginDirs: [...DEFAULT_PLUGIN_DIRS] });
    expect(Object.isFrozen(createPolicy())).toBe(true);
  });
  it.each([
    [{ pluginDirs: ['relative'] }, ['pluginDirs.0']],
    [{ unknown: 1 }, ['']],
    [{ allowInternalNetworkAccess: 'yes' }, ['allowInternalNetworkAccess']],
    [{ allowlistMode: 'sometimes' }, ['allowlistMode']],
  ] as Array<[PolicyOptions, string[]]>)('rejects bad option shapes %j (zod, strict)', (opts, paths) => {
    expect(issuesOf(() => createPolicy(opts)).map((i) => i.path)).toEqual(paths);
  });
  it('reports every bad allowlist and registry entry at once', () => {
    const issues = issuesOf(() => createPolicy({
      allowlist: ['grpc://10.0.0.0/33', '/ok/*', 'relative', 'grpc://h:0', 'oci://Bad Host/*', 'grpc://010.0.0.0/8', 'grpc://*', '/a/../b', '/a\0b'],
      allowedRegistries: ['ghcr.io', 'not a host', 'h:99999'],
    }));
    expect(issues.map((i) => i.path)).toEqual(['allowlist.0', 'allowlist.2', 'allowlist.3', 'allowlist.4', 'allowlist.5', 'allowlist.6', 'allowlist.7', 'allowlist.8', 'allowedRegistries.1', 'allowedRegistries.2']);
  });
  it.each([
    '/usr/local/plugins/*', 'file:///opt/p/**', '/opt/p/plugin-?', 'grpc://10.0.0.0/8', 'grpc://[fd00::]/8', 'grpc://fd00::/8', 'grpc://10.0.0.5:50051', 'grpc://[::1]:50051',
    'grpc://plugins.local/*', 'grpc://plugins.local:443', 'grpc://*.internal.example', 'grpc://HOST.example.', 'oci://registry.example.com/*', 'oci://127.0.0.1:5000', 'oci://*.example.com/team/**',
  ])('accepts %s', (entry) => {
    expect(createPolicy({ allowlist: [entry] }).entries).toHaveLength(1);
  });
});
