import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandError, parseCommand } from '@plugway/command';
import * as api from './index.js';
import { createPolicy, evaluateCommand, PolicyError, type Decision, type PolicyOptions, type Resolver } from './index.js';

const dns: Record<string, string[]> = {
  'public.example.com': ['93.184.216.34'],
  'mixed.example.com': ['93.184.216.34', '10.0.0.7'],
  'v6.example.com': ['2606:4700::1111'],
  'internal.corp': ['10.9.8.7'],
  'rebind.example.com': ['169.254.169.254'],
  'weird.example.com': ['not-an-ip'],
  'api.internal.example': ['10.1.1.1'],
  'metadata.google.internal': ['93.184.216.35'],
};
const resolve: Resolver = async (host) => {
  const a = dns[host];
  if (!a) throw new Error(`ENOTFOUND ${host}`);
  return a.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};
async function decide(command: string, options: PolicyOptions = {}): Promise<Decision> {
  return evaluateCommand(parseCommand(command), createPolicy(options), { resolve });
}
const codes = (d: Decision) => (d.allowed ? d.warnings : d.violations).map((f) => f.code);

describe('@plugway/security-policy surface', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['DEFAULT_PLUGIN_DIRS', 'PolicyError', 'classifyIp', 'createPolicy', 'evaluateCommand', 'formatIp', 'parseCidr', 'parseIp', 'parseIpv4Loose', 'policyOptionsFromEnv', 'policyOptionsSchema']);
  });
});

describe('grpc:// targets', () => {
  it.each([
    ['grpc://10.0.0.5:50051', 'POLICY_INTERNAL_ADDRESS'], ['grpc://192.168.1.10:1', 'POLICY_INTERNAL_ADDRESS'], ['grpc://172.20.0.1:1', 'POLICY_INTERNAL_ADDRESS'],
    ['grpc://127.0.0.1:50051', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://[::1]:50051', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://2130706433:80', 'POLICY_LOOPBACK_ADDRESS'],
    ['grpc://0x7f.1:80', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://0177.0.0.1:80', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://[::ffff:127.0.0.1]:80', 'POLICY_LOOPBACK_ADDRESS'],
    ['grpc://[::ffff:7f00:1]:80', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://169.254.169.254:80', 'POLICY_METADATA_ADDRESS'], ['grpc://[fd00:ec2::254]:80', 'POLICY_METADATA_ADDRESS'],
    ['grpc://[fe80::1]:80', 'POLICY_INTERNAL_ADDRESS'], ['grpc://[fd12::1]:80', 'POLICY_INTERNAL_ADDRESS'], ['grpc://0.0.0.0:80', 'POLICY_INTERNAL_ADDRESS'],
    ['grpc://localhost:50051', 'POLICY_LOCALHOST'], ['grpc://localhost.:50051', 'POLICY_LOCALHOST'], ['grpc://foo.localhost:1', 'POLICY_LOCALHOST'],
    ['grpc://mixed.example.com:443', 'POLICY_INTERNAL_ADDRESS'], ['grpc://internal.corp:443', 'POLICY_INTERNAL_ADDRESS'], ['grpc://rebind.example.com:80', 'POLICY_METADATA_ADDRESS'],
    ['grpc://metadata.google.internal:80', 'POLICY_METADATA_ADDRESS'], ['grpc://nowhere.example:80', 'POLICY_DNS_FAILED'], ['grpc://weird.example.com:80', 'POLICY_DNS_FAILED'],
  ])('%s is denied with %s', async (cmd, code) => {
    const d = await decide(cmd);
    expect(d.allowed).toBe(false);
    expect(codes(d)).toContain(code);
  });

  it('allows a public name and returns the resolved address to dial', async () => {
    const d = await decide('grpc://public.example.com:443');
    expect(d).toEqual({ allowed: true, warnings: [], target: { kind: 'grpc', host: 'public.example.com', port: 443, address: '93.184.216.34', family: 4, addresses: ['93.184.216.34'] } });
    const v6 = await decide('grpc://v6.example.com:443');
    expect(v6.allowed && v6.target).toMatchObject({ address: '2606:4700::1111', family: 6 });
  });

  it('allows internal targets with a warning when internal access is on (either switch), but never metadata', async () => {
    for (const opts of [{ allowInternalNetworkAccess: true }, { blockInternalUrls: false }]) {
      const d = await decide('grpc://10.0.0.5:50051', opts);
      expect(d.allowed).toBe(true);
      expect(codes(d)).toEqual(['POLICY_WARN_INTERNAL_ALLOWED']);
      expect(new Set(codes(await decide('grpc://localhost:1', opts)))).toEqual(new Set(['POLICY_WARN_INTERNAL_ALLOWED']));
      expect((await decide('grpc://169.254.169.254:80', opts)).allowed).toBe(false);
    }
  });

  it('allows allowlisted CIDRs, hosts and wildcards with a warning', async () => {
    const list = { allowlist: ['grpc://10.0.0.0/8', 'grpc://*.internal.example:443', 'grpc://internal.corp/*', 'grpc://[fd00::]/8', 'grpc://localhost:7000'] };
    expect(codes(await decide('grpc://10.1.2.3:50051', list))).toEqual(['POLICY_WARN_INTERNAL_ALLOWLISTED']);
    expect((await decide('grpc://api.internal.example:443', list)).allowed).toBe(true);
    expect((await decide('grpc://api.internal.example:8443', list)).allowed).toBe(true); // the address is in 10/8
    expect((await decide('grpc://internal.corp:9', list)).allowed).toBe(true);
    expect((await decide('grpc://[fd12::1]:9', list)).allowed).toBe(true);
    expect((await decide('grpc://localhost:7000', list)).allowed).toBe(true);
    expect((await decide('grpc://localhost:7001', list)).allowed).toBe(false);
    expect((await decide('grpc://192.168.0.1:9', list)).allowed).toBe(false);
    const portBound = { allowlist: ['grpc://10.0.0.5:50051'] };
    expect((await decide('grpc://10.0.0.5:50051', portBound)).allowed).toBe(true);
    expect((await decide('grpc://10.0.0.5:50052', portBound)).allowed).toBe(false);
  });

  it('needs an exact grant for the metadata endpoint', async () => {
    expect((await decide('grpc://169.254.169.254:80', { allowlist: ['grpc://169.254.0.0/16'] })).allowed).toBe(false);
    const d = await decide('grpc://169.254.169.254:80', { allowlist: ['grpc://169.254.169.254/32'] });
    expect(codes(d)).toEqual(['POLICY_WARN_METADATA_ALLOWED']);
    expect((await decide('grpc://metadata.google.internal:80', { allowlist: ['grpc://metadata.google.internal'] })).allowed).toBe(true);
  });

  it('aborts with POLICY_ABORTED', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(evaluateCommand(parseCommand('grpc://public.example.com:1'), createPolicy(), { resolve, signal: ac.signal })).rejects.toMatchObject({ code: 'POLICY_ABORTED' });
    const slow = new AbortController();
    const p = evaluateCommand(parseCommand('grpc://public.example.com:1'), createPolicy(), { resolve: () => new Promise(() => undefined), signal: slow.signal });
    slow.abort();
    await expect(p).rejects.toMatchObject({ code: 'POLICY_ABORTED' });
    const fine = new AbortController();
    expect((await evaluateCommand(parseCommand('grpc://public.example.com:1'), createPolicy(), { resolve, signal: fine.signal })).allowed).toBe(true);
    const failing = evaluateCommand(parseCommand('grpc://nowhere.example:1'), createPolicy(), { resolve, signal: fine.signal });
    expect(codes(await failing)).toEqual(['POLICY_DNS_FAILED']);
  });

  it('uses the system resolver by default', async () => {
    const d = await evaluateCommand(parseCommand('grpc://localhost:1'), createPolicy());
    expect(d.allowed).toBe(false);
    const viaDns = await evaluateCommand(parseCommand('grpc://does-not-exist.invalid:1'), createPolicy());
    expect(codes(viaDns)).toEqual(['POLICY_DNS_FAILED']);
  });
});

describe('file:// paths', () => {
  let root: string;
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'policy-')));
    mkdirSync(join(root, 'plugins'));
    mkdirSync(join(root, 'elsewhere'));
    for (const [f, mode] of [['plugins/ok', 0o755], ['plugins/noexec', 0o644], ['elsewhere/tool', 0o755]] as const) { writeFileSync(join(root, f), '#!/bin/sh\n'); chmodSync(join(root, f), mode); }
    symlinkSync(join(root, 'elsewhere/tool'), join(root, 'plugins/escape'));
    symlinkSync(join(root, 'plugins/ok'), join(root, 'plugins/alias'));
    symlinkSync(join(root, 'elsewhere'), join(root, 'plugins/linkdir'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const opts = () => ({ allowlist: [`${root}/plugins/**`] });

  it('allows an executable in an allowlisted directory without warnings', async () => {
    expect(await decide(`file://${root}/plugins/ok`, opts())).toEqual({ allowed: true, warnings: [], target: { kind: 'file', path: `${root}/plugins/ok` } });
  });
  it('allows one inside the standard plugin dirs', async () => {
    expect(await decide(`file://${root}/plugins/ok`, { pluginDirs: [`${root}/plugins`] })).toMatchObject({ allowed: true, warnings: [] });
  });
  it('warns outside the standard plugin directories', async () => {
    expect(codes(await decide(`file://${root}/elsewhere/tool`, opts()))).toEqual(['POLICY_WARN_OUTSIDE_PLUGIN_DIRS']);
  });
  it.each([
    ['plugins/noexec', 'POLICY_PATH_NOT_EXECUTABLE'],
    ['plugins', 'POLICY_PATH_NOT_FILE'],
    ['plugins/escape', 'POLICY_PATH_SYMLINK_ESCAPE'],
    ['plugins/linkdir/tool', 'POLICY_PATH_SYMLINK_ESCAPE'],
    ['plugins/linkdir/missing', 'POLICY_PATH_SYMLINK_ESCAPE'],
  ])('%s is denied with %s', async (rel, code) => {
    expect(codes(await decide(`file://${root}/${rel}`, opts()))).toEqual([code]);
  });
  it('denies .. segments', async () => {
    const d = await evaluateCommand({ scheme: 'file', raw: 'x', path: `${root}/plugins/../elsewhere/tool` }, createPolicy(opts()));
    expect(codes(d)).toEqual(['POLICY_PATH_TRAVERSAL']);
  });
  it('warns about a symlink that stays inside, and runs the real path', async () => {
    const d = await decide(`file://${root}/plugins/alias`, opts());
    expect(d.allowed && d.target).toEqual({ kind: 'file', path: `${root}/plugins/ok` });
    expect(codes(d)).toEqual(['POLICY_WARN_SYMLINK']);
  });
  it('allows a missing file with a warning (it may be installed later)', async () => {
    expect(codes(await decide(`file://${root}/plugins/later`, opts()))).toEqual(['POLICY_WARN_PATH_MISSING']);
    expect(codes(await decide('file:///nonexistent-root/dir/plugin', opts()))).toEqual(['POLICY_WARN_PATH_MISSING', 'POLICY_WARN_OUTSIDE_PLUGIN_DIRS']);
  });
});

describe('oci:// registries', () => {
  it.each([
    ['oci://ghcr.io/acme/p:1', {}, true, []],
    ['oci://ghcr.io/acme/p:1', { allowedRegistries: ['ghcr.io'] }, true, []],
    ['oci://ghcr.io:443/acme/p:1', { allowedRegistries: ['ghcr.io'] }, true, []],
    ['oci://reg.example.com/p:1', { allowedRegistries: ['*.example.com'] }, true, []],
    ['oci://quay.io/p:1', { allowedRegistries: ['ghcr.io'] }, false, ['POLICY_REGISTRY_NOT_ALLOWED']],
    ['oci://quay.io/acme/p:1', { allowedRegistries: ['ghcr.io'], allowlist: ['oci://quay.io/acme/*'] }, true, []],
    ['oci://127.0.0.1:5000/p:1', {}, false, ['POLICY_LOOPBACK_ADDRESS']],
    ['oci://localhost:5000/p:1', {}, false, ['POLICY_LOOPBACK_ADDRESS']],
    ['oci://10.0.0.1/p:1', {}, false, ['POLICY_INTERNAL_ADDRESS']],
    ['oci://169.254.169.254/p:1', { allowInternalNetworkAccess: true }, false, ['POLICY_METADATA_ADDRESS']],
    ['oci://127.0.0.1:5000/p:1', { allowedRegistries: ['127.0.0.1:5000'] }, true, ['POLICY_WARN_INTERNAL_ALLOWLISTED']],
    ['oci://127.0.0.1:5000/p:1', { allowInternalNetworkAccess: true }, true, ['POLICY_WARN_INTERNAL_ALLOWED']],
    ['oci://[::1]:5000/p:1', {}, false, ['POLICY_LOOPBACK_ADDRESS']],
  ] as Array<[string, PolicyOptions, boolean, string[]]>)('%s with %j → allowed %s %j', async (cmd, options, allowed, expected) => {
    const d = await decide(cmd, options);
    expect(d.allowed).toBe(allowed);
    expect(codes(d)).toEqual(expected);
    if (d.allowed) expect(d.target.kind).toBe('oci');
  });
});

describe('createPolicy', () => {
  it('rejects bad options and bad allowlist entries with POLICY_INVALID_CONFIG', () => {
    expect(() => createPolicy({ pluginDirs: ['relative'] })).toThrow(PolicyError);
    expect(() => createPolicy({ allowlist: ['grpc://10.0.0.0/77'] })).toThrow(/invalid allowlist/);
    expect(() => createPolicy({ unknown: 1 } as PolicyOptions)).toThrow(PolicyError);
  });
});

describe('property: evaluation never throws for any parseable command', () => {
  it('returns a decision with coded findings', async () => {
    const policy = createPolicy({ allowlist: ['grpc://10.0.0.0/8'] });
    await fc.assert(fc.asyncProperty(fc.oneof(
      fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => `grpc://${ip}:${port}`),
      fc.tuple(fc.ipV6(), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => `grpc://[${ip}]:${port}`),
      fc.string().map((s) => `grpc://${s}:80`),
      fc.string().map((s) => `oci://${s}`),
    ), async (text) => {
      let cmd;
      try { cmd = parseCommand(text); } catch (e) { expect(e).toBeInstanceOf(CommandError); return; }
      const d = await evaluateCommand(cmd, policy, { resolve });
      for (const f of d.allowed ? d.warnings : d.violations) expect(f.code).toMatch(/^POLICY_[A-Z_]+$/);
    }), { numRuns: 300 });
  });
});
