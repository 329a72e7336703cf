import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CommandError, parseCommand, type PluginCommand } from '@plugway/command';
import { createPolicy, evaluateCommand, PolicyError } from './index.js';
import { codes, resolve } from './__fixtures__/resolver.js';
import { defaultResolver } from './evaluate.js';

const grpc = (host: string, port = 1): PluginCommand => ({ scheme: 'grpc', raw: '', host, port, hostKind: 'name' });

describe('evaluateCommand', () => {
  it('aborts with POLICY_ABORTED, before and during resolution', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(evaluateCommand(grpc('public.example.com'), createPolicy(), { resolve, signal: ac.signal })).rejects.toMatchObject({ code: 'POLICY_ABORTED' });
    const slow = new AbortController();
    const p = evaluateCommand(grpc('public.example.com'), createPolicy(), { resolve: () => new Promise(() => undefined), signal: slow.signal });
    slow.abort();
    await expect(p).rejects.toBeInstanceOf(PolicyError);
    const fine = new AbortController();
    expect((await evaluateCommand(grpc('public.example.com'), createPolicy(), { resolve, signal: fine.signal })).allowed).toBe(true);
    expect(codes(await evaluateCommand(grpc('nowhere.example'), createPolicy(), { resolve, signal: fine.signal }))).toEqual(['POLICY_DNS_FAILED']);
  });

  it('uses the system resolver by default (localhost is never resolved; .invalid never resolves)', async () => {
    expect(codes(await evaluateCommand(grpc('localhost'), createPolicy()))).toEqual(['POLICY_LOCALHOST']);
    expect(codes(await evaluateCommand(grpc('does-not-exist.invalid'), createPolicy()))).toEqual(['POLICY_DNS_FAILED']);
    const oci = await evaluateCommand(parseCommand('oci://registry.invalid/p:1'), createPolicy());
    expect(codes(oci)).toEqual(['POLICY_WARN_REGISTRY_UNRESOLVED']);
    // the default resolver itself answers with every address and its family
    const local = await defaultResolver('localhost');
    expect(local.length).toBeGreaterThan(0);
    for (const a of local) expect([4, 6]).toContain(a.family);
  });

  it('a resolver that throws a non-Error or returns junk fails closed', async () => {
    expect(codes(await evaluateCommand(grpc('x.example'), createPolicy(), { resolve: () => Promise.reject('boom') }))).toEqual(['POLICY_DNS_FAILED']);
    expect(codes(await evaluateCommand(grpc('x.example'), createPolicy(), { resolve: async () => null as never }))).toEqual(['POLICY_DNS_FAILED']);
    expect(codes(await evaluateCommand(grpc('x.example'), createPolicy(), { resolve: async () => [{ address: 7, family: 4 }] as never }))).toEqual(['POLICY_DNS_FAILED']);
  });

  it.each([[null], [{}], [{ scheme: 'http' }], [{ scheme: 'oci' }], [{ scheme: 'oci', reference: null }]])('throws POLICY_INVALID_COMMAND for %j', async (bad) => {
    await expect(evaluateCommand(bad as never, createPolicy())).rejects.toMatchObject({ code: 'POLICY_INVALID_COMMAND' });
  });
});

describe('property: evaluation of random input', () => {
  const policy = createPolicy({ allowlist: ['grpc://10.0.0.0/8', '/usr/local/plugins/*'], allowedRegistries: ['ghcr.io'] });
  const rnd = fc.string({ unit: 'binary', maxLength: 40 });

  it('random command objects never throw anything but PolicyError, and findings are coded', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(
      fc.record({ scheme: fc.constant('grpc' as const), raw: fc.constant(''), host: rnd, port: fc.oneof(fc.integer(), fc.double()), hostKind: fc.constant('name' as const) }),
      fc.record({ scheme: fc.constant('file' as const), raw: fc.constant(''), path: fc.oneof(rnd, rnd.map((s) => `/${s}`)) }),
      fc.record({ scheme: fc.constant('oci' as const), raw: fc.constant(''), options: fc.constant({}), reference: fc.record({ registry: rnd, repository: rnd, canonical: fc.constant('') }) }),
      fc.anything(),
    ), async (cmd) => {
      try {
        const d = await evaluateCommand(cmd as PluginCommand, policy, { resolve, realpath: async (p) => p });
        for (const f of [...d.warnings, ...(d.allowed ? [] : d.violations)]) expect(f.code).toMatch(/^POLICY_[A-Z_]+$/);
      } catch (e) {
        expect(e).toBeInstanceOf(PolicyError);
      }
    }), { numRuns: 400 });
  });

  it('parsed random commands get a decision (no throw)', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(
      fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => `grpc://${ip}:${port}`),
      fc.tuple(fc.ipV6(), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => `grpc://[${ip}]:${port}`),
      fc.string().map((s) => `grpc://${s}:80`),
      fc.string().map((s) => `oci://${s}`),
      fc.string().map((s) => `file:///${s}`),
    ), async (text) => {
      let cmd: PluginCommand;
      try { cmd = parseCommand(text); } catch (e) { expect(e).toBeInstanceOf(CommandError); return; }
      const d = await evaluateCommand(cmd, policy, { resolve });
      expect(typeof d.allowed).toBe('boolean');
    }), { numRuns: 300 });
  });

  it('no internal IPv4 literal is ever allowed by the default policy, in any spelling', async () => {
    const def = createPolicy();
    const internalV4 = fc.oneof(
      fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(127), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(169), fc.constant(254), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(100), fc.integer({ min: 64, max: 127 }), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.integer({ min: 224, max: 255 }), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(0), fc.nat(255), fc.nat(255), fc.nat(255)),
    );
    await fc.assert(fc.asyncProperty(internalV4, async ([a, b, c, d]) => {
      const n = a * 2 ** 24 + b * 2 ** 16 + c * 2 ** 8 + d;
      const hex = (x: number): string => x.toString(16);
      const spellings = [
        `${a}.${b}.${c}.${d}`, String(n), `0x${hex(n)}`, `0X${hex(n).toUpperCase()}`, `0${a.toString(8)}.${b}.${c}.${d}`, `${a}.${b * 65536 + c * 256 + d}`,
        `${a}.${b}.${c * 256 + d}`, `0x${hex(a)}.0x${hex(b)}.0x${hex(c)}.0x${hex(d)}`, `${a}.${b}.${c}.${d}.`,
        `::ffff:${a}.${b}.${c}.${d}`, `::ffff:${hex(a * 256 + b)}:${hex(c * 256 + d)}`, `64:ff9b::${a}.${b}.${c}.${d}`, `2002:${hex(a * 256 + b)}:${hex(c * 256 + d)}::1`,
      ];
      for (const s of spellings) {
        const dec = await evaluateCommand(grpc(s), def, { resolve: () => Promise.reject(new Error('a literal must not be resolved')) });
        expect(dec.allowed, s).toBe(false);
        expect(codes(dec)[0], s).toMatch(/^POLICY_(INTERNAL|LOOPBACK|METADATA)_ADDRESS$/);
      }
    }), { numRuns: 200 });
  });

  it('no ULA, link-local, multicast or loopback IPv6 literal is ever allowed by the default policy', async () => {
    const def = createPolicy();
    const group = fc.integer({ min: 0, max: 0xffff }).map((g) => g.toString(16));
    const v6 = fc.oneof(
      fc.tuple(fc.integer({ min: 0xfc00, max: 0xfdff }), fc.array(group, { minLength: 7, maxLength: 7 })),
      fc.tuple(fc.integer({ min: 0xfe80, max: 0xfebf }), fc.array(group, { minLength: 7, maxLength: 7 })),
      fc.tuple(fc.integer({ min: 0xff00, max: 0xffff }), fc.array(group, { minLength: 7, maxLength: 7 })),
    ).map(([first, rest]) => [first.toString(16), ...rest].join(':'));
    await fc.assert(fc.asyncProperty(v6, async (ip) => {
      const d = await evaluateCommand(grpc(ip), def, { resolve });
      expect(d.allowed, ip).toBe(false);
    }), { numRuns: 200 });
  });

  it('a name is denied as soon as one of its addresses is internal', async () => {
    const def = createPolicy();
    await fc.assert(fc.asyncProperty(fc.array(fc.constantFrom('93.184.216.34', '2606:4700::1111', '8.8.8.8'), { maxLength: 4 }), fc.constantFrom('10.1.1.1', '::1', 'fd00::1', '169.254.169.254', '::ffff:192.168.0.1'), fc.nat(4), async (pub, bad, at) => {
      const list: string[] = [...pub];
      list.splice(Math.min(at, list.length), 0, bad);
      const d = await evaluateCommand(grpc('name.example'), def, { resolve: async () => list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })) });
      expect(d.allowed).toBe(false);
    }), { numRuns: 100 });
  });
});
