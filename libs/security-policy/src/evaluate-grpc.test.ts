import { describe, expect, it } from 'vitest';
import type { GrpcCommand } from '@plugway/command';
import { parseCommand } from '@plugway/command';
import { createPolicy, evaluateCommand, type Decision, type PolicyOptions } from './index.js';
import { codes, resolve, warningCodes } from './__fixtures__/resolver.js';

const grpc = (host: string, port = 50051): GrpcCommand => ({ scheme: 'grpc', raw: `grpc://${host}:${port}`, host, port, hostKind: 'name' });
const decide = (command: string | GrpcCommand, options: PolicyOptions = {}): Promise<Decision> =>
  evaluateCommand(typeof command === 'string' ? parseCommand(command) : command, createPolicy(options), { resolve });

describe('grpc:// targets with the default policy', () => {
  it.each([
    ['grpc://10.0.0.5:50051', 'POLICY_INTERNAL_ADDRESS'], ['grpc://192.168.1.10:1', 'POLICY_INTERNAL_ADDRESS'], ['grpc://172.20.0.1:1', 'POLICY_INTERNAL_ADDRESS'],
    ['grpc://172.31.255.255:1', 'POLICY_INTERNAL_ADDRESS'], ['grpc://100.64.0.1:1', 'POLICY_INTERNAL_ADDRESS'], ['grpc://224.0.0.1:1', 'POLICY_INTERNAL_ADDRESS'],
    ['grpc://240.0.0.1:1', 'POLICY_INTERNAL_ADDRESS'], ['grpc://255.255.255.255:1', 'POLICY_INTERNAL_ADDRESS'], ['grpc://0.0.0.0:80', 'POLICY_INTERNAL_ADDRESS'],
    ['grpc://169.254.1.1:80', 'POLICY_INTERNAL_ADDRESS'],
    ['grpc://127.0.0.1:50051', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://127.255.0.9:1', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://[::1]:50051', 'POLICY_LOOPBACK_ADDRESS'],
    ['grpc://2130706433:80', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://0x7f000001:80', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://0x7f.1:80', 'POLICY_LOOPBACK_ADDRESS'],
    ['grpc://0177.0.0.1:80', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://127.1:80', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://[::ffff:127.0.0.1]:80', 'POLICY_LOOPBACK_ADDRESS'],
    ['grpc://[::ffff:7f00:1]:80', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://[::127.0.0.1]:80', 'POLICY_LOOPBACK_ADDRESS'],
    ['grpc://[64:ff9b::a00:1]:80', 'POLICY_INTERNAL_ADDRESS'], ['grpc://[2002:a00:1::1]:80', 'POLICY_INTERNAL_ADDRESS'],
    ['grpc://169.254.169.254:80', 'POLICY_METADATA_ADDRESS'], ['grpc://[fd00:ec2::254]:80', 'POLICY_METADATA_ADDRESS'], ['grpc://[::ffff:169.254.169.254]:80', 'POLICY_METADATA_ADDRESS'],
    ['grpc://100.100.100.200:80', 'POLICY_METADATA_ADDRESS'], ['grpc://192.0.0.192:80', 'POLICY_METADATA_ADDRESS'], ['grpc://metadata.tencentyun.com:80', 'POLICY_METADATA_ADDRESS'],
    ['grpc://[fe80::1]:80', 'POLICY_INTERNAL_ADDRESS'], ['grpc://[fd12::1]:80', 'POLICY_INTERNAL_ADDRESS'], ['grpc://[fc00::1]:80', 'POLICY_INTERNAL_ADDRESS'],
    ['grpc://[ff02::1]:80', 'POLICY_INTERNAL_ADDRESS'], ['grpc://[::]:80', 'POLICY_INTERNAL_ADDRESS'],
    ['grpc://localhost:50051', 'POLICY_LOCALHOST'], ['grpc://localhost.:50051', 'POLICY_LOCALHOST'], ['grpc://foo.localhost:1', 'POLICY_LOCALHOST'],
    ['grpc://LOCALHOST:1', 'POLICY_LOCALHOST'],
    ['grpc://mixed.example.com:443', 'POLICY_INTERNAL_ADDRESS'], ['grpc://internal.corp:443', 'POLICY_INTERNAL_ADDRESS'],
    ['grpc://rebind.example.com:80', 'POLICY_METADATA_ADDRESS'], ['grpc://v6meta.example.com:80', 'POLICY_METADATA_ADDRESS'],
    ['grpc://mapped.example.com:80', 'POLICY_LOOPBACK_ADDRESS'], ['grpc://metadata.google.internal:80', 'POLICY_METADATA_ADDRESS'],
    ['grpc://nowhere.example:80', 'POLICY_DNS_FAILED'], ['grpc://weird.example.com:80', 'POLICY_DNS_FAILED'], ['grpc://empty.example.com:80', 'POLICY_DNS_FAILED'],
  ])('%s is denied with %s', async (cmd, code) => {
    const d = await decide(cmd);
    expect(d.allowed).toBe(false);
    expect(codes(d)).toContain(code);
  });

  it.each([
    ['1.2.3.4.5'], ['256.0.0.1'], ['08.0.0.1'], ['0x1g.0.0.1'], ['1.2.3.999999999999'], ['exa mple.com'], ['a..b'], [''], ['%'], ['host:name'], ['a/b'], ['ⓛocalhost'], ['lоcalhost'],
  ])('a host %j that is neither a name nor an address is POLICY_INVALID_ADDRESS (never resolved)', async (host) => {
    let asked = false;
    const d = await evaluateCommand(grpc(host), createPolicy(), { resolve: async () => { asked = true; return [{ address: '93.184.216.34', family: 4 }]; } });
    expect(codes(d)).toEqual(['POLICY_INVALID_ADDRESS']);
    expect(asked).toBe(false);
  });

  it('a zone id never hides a link-local address', async () => {
    expect(codes(await decide(grpc('fe80::1%eth0')))).toEqual(['POLICY_INTERNAL_ADDRESS']);
  });

  it.each([[0], [65536], [1.5], [Number.NaN]])('port %s is POLICY_INVALID_ADDRESS', async (port) => {
    expect(codes(await decide(grpc('public.example.com', port)))).toEqual(['POLICY_INVALID_ADDRESS']);
  });

  it('allows a public name and returns the checked address to dial', async () => {
    expect(await decide('grpc://public.example.com:443')).toEqual({ allowed: true, warnings: [], target: { kind: 'grpc', host: 'public.example.com', port: 443, address: '93.184.216.34', family: 4, addresses: ['93.184.216.34'] } });
    const dual = await decide('grpc://dual.example.com:443');
    expect(dual.allowed && dual.target).toEqual({ kind: 'grpc', host: 'dual.example.com', port: 443, address: '2606:4700::1111', family: 6, addresses: ['2606:4700::1111', '93.184.216.34'] });
  });

  it('allows public literals in any spelling and dials the canonical form', async () => {
    const d = await decide('grpc://0x5db8d822:443');
    expect(d.allowed && d.target).toMatchObject({ address: '93.184.216.34', family: 4 });
    const v6 = await decide('grpc://[2606:4700:0:0:0:0:0:1111]:443');
    expect(v6.allowed && v6.target).toMatchObject({ address: '2606:4700::1111', family: 6 });
  });

  it('reports one finding per distinct problem when several addresses are internal', async () => {
    const d = await evaluateCommand(grpc('multi.example'), createPolicy(), { resolve: async () => [{ address: '10.0.0.1', family: 4 }, { address: '10.0.0.1', family: 4 }, { address: '192.168.0.1', family: 4 }] });
    expect(codes(d)).toEqual(['POLICY_INTERNAL_ADDRESS', 'POLICY_INTERNAL_ADDRESS']);
  });
});

describe('grpc:// when internal access is switched on', () => {
  it.each([[{ allowInternalNetworkAccess: true }], [{ blockInternalUrls: false }]] as Array<[PolicyOptions]>)('%j allows internal targets with a warning, never metadata', async (opts) => {
    const d = await decide('grpc://10.0.0.5:50051', opts);
    expect(d.allowed).toBe(true);
    expect(codes(d)).toEqual(['POLICY_WARN_INTERNAL_ALLOWED']);
    const local = await decide('grpc://localhost:1', opts);
    expect(local.allowed && local.target).toMatchObject({ address: '127.0.0.1', addresses: ['127.0.0.1', '::1'] });
    expect(new Set(codes(local))).toEqual(new Set(['POLICY_WARN_INTERNAL_ALLOWED']));
    for (const c of ['grpc://169.254.169.254:80', 'grpc://[fd00:ec2::254]:80', 'grpc://rebind.example.com:80', 'grpc://metadata.google.internal:80']) {
      expect(codes(await decide(c, opts)), c).toContain('POLICY_METADATA_ADDRESS');
    }
  });
});

describe('grpc:// with PLUGIN_COMMAND_ALLOWLIST', () => {
  const list = { allowlist: ['grpc://10.0.0.0/8', 'grpc://*.internal.example:443', 'grpc://internal.corp/*', 'grpc://[fd00::]/8', 'grpc://localhost:7000', 'grpc://public.example.com'] };
  it.each([
    ['grpc://10.1.2.3:50051', true, ['POLICY_WARN_INTERNAL_ALLOWLISTED']],
    ['grpc://[::ffff:10.1.2.3]:50051', true, ['POLICY_WARN_INTERNAL_ALLOWLISTED']],
    ['grpc://api.internal.example:443', true, ['POLICY_WARN_INTERNAL_ALLOWLISTED']],
    ['grpc://api.internal.example:8443', true, ['POLICY_WARN_INTERNAL_ALLOWLISTED']],
    ['grpc://internal.corp:9', true, ['POLICY_WARN_INTERNAL_ALLOWLISTED']],
    ['grpc://[fd12::1]:9', true, ['POLICY_WARN_INTERNAL_ALLOWLISTED']],
    ['grpc://localhost:7000', true, ['POLICY_WARN_INTERNAL_ALLOWLISTED']],
    ['grpc://public.example.com:443', true, []],
    ['grpc://localhost:7001', false, ['POLICY_NOT_ALLOWLISTED', 'POLICY_LOCALHOST']],
    ['grpc://192.168.0.1:9', false, ['POLICY_NOT_ALLOWLISTED', 'POLICY_INTERNAL_ADDRESS']],
    ['grpc://v6.example.com:443', false, ['POLICY_NOT_ALLOWLISTED']],
    ['grpc://reg.example.com:443', false, ['POLICY_NOT_ALLOWLISTED']],
  ] as Array<[string, boolean, string[]]>)('enforce: %s → allowed %s %j', async (cmd, allowed, expected) => {
    const d = await decide(cmd, list);
    expect(d.allowed).toBe(allowed);
    expect(new Set(codes(d))).toEqual(new Set(expected));
  });

  it('warn mode (AI Studio legacy) lets non-matching targets through with a warning, internal rules still apply', async () => {
    const warn = { ...list, allowlistMode: 'warn' as const };
    expect(codes(await decide('grpc://v6.example.com:443', warn))).toEqual(['POLICY_WARN_NOT_ALLOWLISTED']);
    expect(codes(await decide('grpc://192.168.0.1:9', warn))).toEqual(['POLICY_INTERNAL_ADDRESS']);
  });

  it('path-only allowlists do not restrict grpc:// targets', async () => {
    expect(await decide('grpc://public.example.com:1', { allowlist: ['/usr/local/plugins/*'] })).toMatchObject({ allowed: true, warnings: [] });
  });

  it('binds a port when the entry names one', async () => {
    const portBound = { allowlist: ['grpc://10.0.0.5:50051', 'grpc://[fd00::5]:9'] };
    expect((await decide('grpc://10.0.0.5:50051', portBound)).allowed).toBe(true);
    expect((await decide('grpc://10.0.0.5:50052', portBound)).allowed).toBe(false);
    expect((await decide('grpc://[fd00::5]:9', portBound)).allowed).toBe(true);
  });

  it('needs an exact grant for a metadata endpoint', async () => {
    expect((await decide('grpc://169.254.169.254:80', { allowlist: ['grpc://169.254.0.0/16'] })).allowed).toBe(false);
    expect((await decide('grpc://169.254.169.254:80', { allowlist: ['grpc://169.254.0.0/16'], allowInternalNetworkAccess: true })).allowed).toBe(false);
    expect(codes(await decide('grpc://169.254.169.254:80', { allowlist: ['grpc://169.254.169.254/32'] }))).toEqual(['POLICY_WARN_METADATA_ALLOWED']);
    expect(codes(await decide('grpc://[fd00:ec2::254]:80', { allowlist: ['grpc://[fd00:ec2::254]'] }))).toEqual(['POLICY_WARN_METADATA_ALLOWED']);
    expect(warningCodes(await decide('grpc://metadata.google.internal:80', { allowlist: ['grpc://metadata.google.internal'] }))).toEqual([]);
    expect(codes(await decide('grpc://metadata.google.internal:80', { allowlist: ['grpc://*.google.internal'] }))).toContain('POLICY_METADATA_ADDRESS');
  });
});
