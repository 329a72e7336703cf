import { describe, expect, it } from 'vitest';
import { parseCommand } from '@plugway/command';
import { createPolicy, evaluateCommand, evaluateRegistryConnection, type Decision, type PolicyOptions } from './index.js';
import { codes, resolve } from './__fixtures__/resolver.js';

const decide = (command: string, options: PolicyOptions = {}): Promise<Decision> => evaluateCommand(parseCommand(command), createPolicy(options), { resolve });

describe('oci:// registries', () => {
  it.each([
    ['oci://ghcr.io/acme/p:1', {}, true, []],
    ['oci://ghcr.io/acme/p:1', { allowedRegistries: ['ghcr.io'] }, true, []],
    ['oci://ghcr.io:443/acme/p:1', { allowedRegistries: ['ghcr.io'] }, true, []],
    ['oci://ghcr.io:443/acme/p:1', { allowedRegistries: ['ghcr.io:5000'] }, false, ['POLICY_REGISTRY_NOT_ALLOWED']],
    ['oci://reg.example.com/p:1', { allowedRegistries: ['*.example.com'] }, true, []],
    ['oci://example.com/p:1', { allowedRegistries: ['*.example.com'] }, false, ['POLICY_REGISTRY_NOT_ALLOWED']],
    ['oci://evil-example.com/p:1', { allowedRegistries: ['*.example.com'] }, false, ['POLICY_REGISTRY_NOT_ALLOWED']],
    ['oci://quay.io/p:1', { allowedRegistries: ['ghcr.io'] }, false, ['POLICY_REGISTRY_NOT_ALLOWED']],
    ['oci://quay.io/acme/p:1', { allowedRegistries: ['ghcr.io'], allowlist: ['oci://quay.io/acme/*'] }, true, []],
    ['oci://quay.io/other/p:1', { allowedRegistries: ['ghcr.io'], allowlist: ['oci://quay.io/acme/*'] }, false, ['POLICY_REGISTRY_NOT_ALLOWED']],
    ['oci://alpine', { allowedRegistries: ['docker.io'] }, true, []],
    ['oci://127.0.0.1:5000/p:1', {}, false, ['POLICY_LOOPBACK_ADDRESS']],
    ['oci://2130706433:5000/p:1', {}, false, ['POLICY_LOOPBACK_ADDRESS']],
    ['oci://localhost:5000/p:1', {}, false, ['POLICY_LOCALHOST']],
    ['oci://10.0.0.1/p:1', {}, false, ['POLICY_INTERNAL_ADDRESS']],
    ['oci://registry.corp/p:1', {}, false, ['POLICY_INTERNAL_ADDRESS']],
    ['oci://registry.corp/p:1', { allowedRegistries: ['registry.corp'] }, true, ['POLICY_WARN_INTERNAL_ALLOWLISTED']],
    ['oci://registry.corp/p:1', { allowlist: ['oci://registry.corp/*'] }, true, ['POLICY_WARN_INTERNAL_ALLOWLISTED']],
    ['oci://169.254.169.254/p:1', { allowInternalNetworkAccess: true }, false, ['POLICY_METADATA_ADDRESS']],
    ['oci://169.254.169.254/p:1', { allowedRegistries: ['169.254.169.254'] }, true, ['POLICY_WARN_METADATA_ALLOWED']],
    ['oci://meta-registry.example/p:1', { allowedRegistries: ['*.example'] }, false, ['POLICY_METADATA_ADDRESS']],
    ['oci://metadata.google.internal/p:1', {}, false, ['POLICY_METADATA_ADDRESS']],
    ['oci://127.0.0.1:5000/p:1', { allowedRegistries: ['127.0.0.1:5000'] }, true, ['POLICY_WARN_INTERNAL_ALLOWLISTED']],
    ['oci://127.0.0.1:5000/p:1', { allowInternalNetworkAccess: true }, true, ['POLICY_WARN_INTERNAL_ALLOWED']],
    ['oci://127.0.0.1:5000/p:1', { blockInternalUrls: false }, true, ['POLICY_WARN_INTERNAL_ALLOWED']],
    ['oci://[::1]:5000/p:1', {}, false, ['POLICY_LOOPBACK_ADDRESS']],
    ['oci://unresolvable.example/p:1', {}, true, ['POLICY_WARN_REGISTRY_UNRESOLVED']],
    ['oci://weird.example.com/p:1', {}, true, ['POLICY_WARN_REGISTRY_UNRESOLVED']],
  ] as Array<[string, PolicyOptions, boolean, string[]]>)('%s with %j → allowed %s %j', async (cmd, options, allowed, expected) => {
    const d = await decide(cmd, options);
    expect(d.allowed).toBe(allowed);
    expect(codes(d)).toEqual(expected);
    if (d.allowed) expect(d.target.kind).toBe('oci');
  });

  it('returns the checked registry addresses with the target', async () => {
    expect(await decide('oci://ghcr.io/acme/p:1')).toEqual({ allowed: true, warnings: [], target: { kind: 'oci', registry: 'ghcr.io', address: '140.82.112.34', addresses: ['140.82.112.34'] } });
    expect(await decide('oci://unresolvable.example/p:1')).toMatchObject({ target: { kind: 'oci', registry: 'unresolvable.example' } });
  });

  it('a metadata name that does not resolve is still denied', async () => {
    const cmd = { scheme: 'oci' as const, raw: 'oci://instance-data/p', options: {}, reference: { registry: 'instance-data', repository: 'p', canonical: 'instance-data/p' } };
    const d = await evaluateCommand(cmd, createPolicy(), { resolve });
    expect(d).toMatchObject({ allowed: false, violations: [{ code: 'POLICY_METADATA_ADDRESS' }], warnings: [{ code: 'POLICY_WARN_REGISTRY_UNRESOLVED' }] });
  });

  it('an invalid numeric registry host is denied, not resolved', async () => {
    const cmd = { scheme: 'oci' as const, raw: 'oci://1.2.3.4.5/p', options: {}, reference: { registry: '1.2.3.4.5', repository: 'p', canonical: '1.2.3.4.5/p' } };
    expect(codes(await evaluateCommand(cmd, createPolicy(), { resolve }))).toEqual(['POLICY_INVALID_ADDRESS']);
  });
});

describe('evaluateRegistryConnection (registries, redirect targets, token realms at connect time)', () => {
  it.each([
    ['ghcr.io', {}, true, [], '140.82.112.34'],
    ['reg.example.com:443', { allowedRegistries: ['ghcr.io'] }, true, [], '93.184.216.36'],
    ['127.0.0.3:5000', { allowedRegistries: ['127.0.0.2:5000'] }, false, ['POLICY_LOOPBACK_ADDRESS'], undefined],
    ['127.0.0.2:5000', { allowedRegistries: ['127.0.0.2:5000'] }, true, ['POLICY_WARN_INTERNAL_ALLOWLISTED'], '127.0.0.2'],
    ['127.0.0.2:5000', { allowlist: ['oci://127.0.0.2:5000/*'] }, true, ['POLICY_WARN_INTERNAL_ALLOWLISTED'], '127.0.0.2'],
    ['169.254.169.254', { allowInternalNetworkAccess: true }, false, ['POLICY_METADATA_ADDRESS'], undefined],
    ['rebind.example.com', {}, false, ['POLICY_METADATA_ADDRESS'], undefined],
    ['registry.corp', {}, false, ['POLICY_INTERNAL_ADDRESS'], undefined],
    ['registry.corp', { allowInternalNetworkAccess: true }, true, ['POLICY_WARN_INTERNAL_ALLOWED'], '10.20.30.40'],
    ['unresolvable.example', {}, false, ['POLICY_DNS_FAILED'], undefined],
  ] as Array<[string, PolicyOptions, boolean, string[], string | undefined]>)('%s with %j → allowed %s %j', async (host, options, allowed, expected, address) => {
    const d = await evaluateRegistryConnection(host, createPolicy(options), { resolve });
    expect(d.allowed).toBe(allowed);
    expect(codes(d)).toEqual(expected);
    if (d.allowed && d.target.kind === 'oci') expect(d.target.address).toBe(address);
  });
});
