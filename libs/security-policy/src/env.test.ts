import { describe, expect, it } from 'vitest';
import { policyOptionsFromEnv, PolicyError } from './index.js';

describe('policyOptionsFromEnv', () => {
  it('defaults: internal blocked, nothing allowlisted', () => {
    expect(policyOptionsFromEnv({})).toEqual({ allowInternalNetworkAccess: false, blockInternalUrls: true, allowlist: [], allowedRegistries: [] });
  });
  it.each([['true', true], ['1', true], ['YES', true], ['on', true], ['false', false], ['0', false], ['no', false], ['', false]])('ALLOW_INTERNAL_NETWORK_ACCESS=%s → %s', (v, out) => {
    expect(policyOptionsFromEnv({ ALLOW_INTERNAL_NETWORK_ACCESS: v }).allowInternalNetworkAccess).toBe(out);
  });
  it('reads the lists', () => {
    expect(policyOptionsFromEnv({
      PLUGIN_BLOCK_INTERNAL_URLS: 'false',
      PLUGIN_COMMAND_ALLOWLIST: 'grpc://10.0.0.0/8, /usr/local/plugins/*,grpc://*.internal.example:443,grpc://plugins.local/*,oci://127.0.0.1:5000/*,file:///opt/x/**,grpc://[fd00::]/8,grpc://10.1.2.3:50051',
      OCI_PLUGINS_ALLOWED_REGISTRIES: 'ghcr.io, *.example.com,LOCALHOST:5000',
    })).toEqual({
      allowInternalNetworkAccess: false, blockInternalUrls: false,
      allowlist: ['grpc://10.0.0.0/8', '/usr/local/plugins/*', 'grpc://*.internal.example:443', 'grpc://plugins.local/*', 'oci://127.0.0.1:5000/*', 'file:///opt/x/**', 'grpc://[fd00::]/8', 'grpc://10.1.2.3:50051'],
      allowedRegistries: ['ghcr.io', '*.example.com', 'localhost:5000'],
    });
  });
  it('fails closed, listing every bad entry at once', () => {
    let err: PolicyError | undefined;
    try {
      policyOptionsFromEnv({
        ALLOW_INTERNAL_NETWORK_ACCESS: 'maybe',
        PLUGIN_BLOCK_INTERNAL_URLS: 'sometimes',
        PLUGIN_COMMAND_ALLOWLIST: 'grpc://10.0.0.0/99,relative/path,/opt/../etc/*,grpc://bad_host!,grpc://10.0.0.1:70000,grpc://h:0,oci://Bad Registry/*,http://x',
        OCI_PLUGINS_ALLOWED_REGISTRIES: 'not a host',
      });
    } catch (e) { err = e as PolicyError; }
    expect(err).toBeInstanceOf(PolicyError);
    expect(err!.code).toBe('POLICY_INVALID_CONFIG');
    expect((err!.details!.issues as unknown[]).length).toBe(11);
  });
});
