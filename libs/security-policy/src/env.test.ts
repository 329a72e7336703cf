import { describe, expect, it } from 'vitest';
import { createPolicy, policyOptionsFromEnv, PolicyError } from './index.js';

describe('policyOptionsFromEnv', () => {
  it('defaults: internal blocked, nothing allowlisted', () => {
    expect(policyOptionsFromEnv({})).toEqual({ allowInternalNetworkAccess: false, blockInternalUrls: true, allowlist: [], allowedRegistries: [] });
  });
  it.each([['true', true], ['1', true], ['YES', true], [' on ', true], ['false', false], ['0', false], ['no', false], ['off', false], ['', false]])('ALLOW_INTERNAL_NETWORK_ACCESS=%j → %s', (v, out) => {
    expect(policyOptionsFromEnv({ ALLOW_INTERNAL_NETWORK_ACCESS: v }).allowInternalNetworkAccess).toBe(out);
  });
  it.each([['false', false], ['0', false], ['TRUE', true], ['', true]])('PLUGIN_BLOCK_INTERNAL_URLS=%j → %s', (v, out) => {
    expect(policyOptionsFromEnv({ PLUGIN_BLOCK_INTERNAL_URLS: v }).blockInternalUrls).toBe(out);
  });
  it('reads the lists, trimming blanks, and createPolicy accepts the result', () => {
    const o = policyOptionsFromEnv({
      PLUGIN_COMMAND_ALLOWLIST: 'grpc://10.0.0.0/8, /usr/local/plugins/*,,grpc://*.internal.example:443,grpc://plugins.local/*,oci://127.0.0.1:5000/*,file:///opt/x/**,grpc://[fd00::]/8,grpc://10.1.2.3:50051',
      OCI_PLUGINS_ALLOWED_REGISTRIES: 'ghcr.io, *.example.com,LOCALHOST:5000',
    });
    expect(o).toEqual({
      allowInternalNetworkAccess: false, blockInternalUrls: true,
      allowlist: ['grpc://10.0.0.0/8', '/usr/local/plugins/*', 'grpc://*.internal.example:443', 'grpc://plugins.local/*', 'oci://127.0.0.1:5000/*', 'file:///opt/x/**', 'grpc://[fd00::]/8', 'grpc://10.1.2.3:50051'],
      allowedRegistries: ['ghcr.io', '*.example.com', 'localhost:5000'],
    });
    expect(createPolicy(o).entries).toHaveLength(8);
  });
  it('fails closed, listing every bad entry at once (not just the first)', () => {
    let err: unknown;
    try {
      policyOptionsFromEnv({
        ALLOW_INTERNAL_NETWORK_ACCESS: 'maybe',
        PLUGIN_BLOCK_INTERNAL_URLS: 'sometimes',
        PLUGIN_COMMAND_ALLOWLIST: 'grpc://10.0.0.0/99,relative/path,/opt/../etc/*,grpc://bad_host!,grpc://10.0.0.1:70000,grpc://h:0,oci://Bad Registry/*,http://x',
        OCI_PLUGINS_ALLOWED_REGISTRIES: 'not a host,ghcr.io,*.',
      });
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(PolicyError);
    const e = err as PolicyError;
    expect(e.code).toBe('POLICY_INVALID_CONFIG');
    const issues = e.details!['issues'] as Array<{ variable: string; message: string }>;
    expect(issues.map((i) => i.variable)).toEqual([
      'ALLOW_INTERNAL_NETWORK_ACCESS', 'PLUGIN_BLOCK_INTERNAL_URLS', ...Array(8).fill('PLUGIN_COMMAND_ALLOWLIST'), 'OCI_PLUGINS_ALLOWED_REGISTRIES', 'OCI_PLUGINS_ALLOWED_REGISTRIES',
    ]);
    expect(e.message).toContain('grpc://10.0.0.0/99');
  });
});
