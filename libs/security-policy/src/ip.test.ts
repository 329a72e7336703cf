import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifyIp, formatIp, parseCidr, parseIp, parseIpv4Loose } from './index.js';
import { cidrContains, embeddedV4, looksNumeric, parseIpv6 } from './ip.js';

describe('parseIpv4Loose (WHATWG IPv4 forms)', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'], ['2130706433', '127.0.0.1'], ['0x7f000001', '127.0.0.1'], ['0x7f.1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'], ['127.1', '127.0.0.1'], ['10.1', '10.0.0.1'], ['127.0.0.1.', '127.0.0.1'], ['0x', '0.0.0.0'],
  ])('%s is %s', (input, out) => {
    expect(formatIp({ family: 4, value: parseIpv4Loose(input)! })).toBe(out);
  });
  it.each(['example.com', '1.2.3.4.5', '256.1.1.1', '1.2.3.256', '4294967296', '08.1.1.1', '', '1..2'])('%s is not an IPv4 address', (s) => {
    expect(parseIpv4Loose(s)).toBeUndefined();
  });
});

describe('classifyIp', () => {
  it.each([
    ['8.8.8.8', 'public'], ['10.2.3.4', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'], ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['169.254.169.254', 'metadata'], ['169.254.1.1', 'link-local'],
    ['0.0.0.0', 'unspecified'], ['100.64.0.1', 'cgnat'], ['224.0.0.1', 'multicast'], ['240.0.0.1', 'reserved'], ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'documentation'], ['198.18.0.1', 'benchmark'], ['192.0.0.8', 'protocol-assignments'],
    ['::1', 'loopback'], ['::', 'unspecified'], ['fd00::1', 'unique-local'], ['fc00::1', 'unique-local'], ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'],
    ['fec0::1', 'site-local'], ['ff02::1', 'multicast'], ['fd00:ec2::254', 'metadata'], ['2001:db8::1', 'documentation'], ['2001::1', 'reserved'], ['100::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:10.0.0.1', 'private'], ['::ffff:8.8.8.8', 'public'], ['::ffff:0:7f00:1', 'loopback'], ['::ffff:0:10.0.0.1', 'private'], ['::ffff:0:8.8.8.8', 'public'],
    ['::10.0.0.1', 'private'], ['64:ff9b::a00:1', 'private'], ['64:ff9b::808:808', 'public'], ['2002:0a00:0001::', 'private'], ['2002:0808:0808::1', 'public'],
    ['2606:4700::1111', 'public'], ['[::1]', 'loopback'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyIp(parseIp(ip)!)).toBe(cls);
  });
  it('never calls a name an address', () => {
    expect(parseIp('plugins.example.com')).toBeUndefined();
    expect(parseIpv6('not:an:ip')).toBeUndefined();
    expect(embeddedV4(parseIpv6('2606:4700::1')!)).toBeUndefined();
  });
  it('formats IPv6 compactly', () => {
    expect(formatIp(parseIp('fd00:0:0:0:0:0:0:1')!)).toBe('fd00::1');
    expect(formatIp(parseIp('::1')!)).toBe('::1');
  });
});

describe('CIDRs', () => {
  it.each([
    ['10.0.0.0/8', '10.200.1.1', true], ['10.0.0.0/8', '11.0.0.1', false], ['10.0.0.0/8', '::ffff:10.9.9.9', true],
    ['[fd00::]/8', 'fd12::1', true], ['fd00::/8', 'fe80::1', false], ['0.0.0.0/0', '1.2.3.4', true], ['::/0', '::1', true],
    ['10.0.0.5', '10.0.0.5', true], ['10.0.0.5', '10.0.0.6', false], ['10.0.0.0/8', 'fd00::1', false], ['fd00::/8', '10.0.0.1', false],
  ])('%s contains %s: %s', (c, ip, yes) => {
    expect(cidrContains(parseCidr(c)!, parseIp(ip)!)).toBe(yes);
  });
  it.each(['10.0.0.0/33', 'fd00::/129', 'abc/8', '10.1/8', '10.0.0.0/x'])('rejects %s', (c) => {
    expect(parseCidr(c)).toBeUndefined();
  });
});

describe('property: private IPv4 addresses are internal in every spelling', () => {
  const privateV4 = fc.oneof(
    fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(127), fc.nat(255), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
    fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255)),
  );
  it('dotted, decimal, hex, octal and IPv4-mapped forms all classify as non-public', () => {
    fc.assert(fc.property(privateV4, ([a, b, c, d]) => {
      const n = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
      const spellings = [`${a}.${b}.${c}.${d}`, String(n), `0x${n.toString(16)}`, `0${a.toString(8)}.${b}.${c}.${d}`, `${a}.${(b << 16) + (c << 8) + d}`, `::ffff:${a}.${b}.${c}.${d}`];
      for (const s of spellings) expect(classifyIp(parseIp(s)!), s).not.toBe('public');
    }));
  });
});

describe('formatIp (RFC 5952)', () => {
  it.each([
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'], ['0:0:0:0:0:0:0:0', '::'], ['1:0:0:0:0:0:0:0', '1::'],
    ['fd00:0:0:0:0:0:0:1', 'fd00::1'], ['2606:4700:0:0:0:0:0:1111', '2606:4700::1111'], ['::ffff:127.0.0.1', '::ffff:7f00:1'], ['1:0:0:2:2:0:0:3', '1::2:2:0:0:3'],
  ])('%s → %s', (ip, out) => {
    expect(formatIp(parseIp(ip)!)).toBe(out);
  });
});

describe('looksNumeric (WHATWG "ends in a number")', () => {
  it.each([['1.2.3.4.5', true], ['example.123', true], ['a.0x1f', true], ['a.0x', true], ['12.', true], ['example.com', false], ['1a.com', false], ['0x1g', false]])('%s → %s', (h, yes) => {
    expect(looksNumeric(h)).toBe(yes);
  });
});

describe('parseCidr strictness', () => {
  it.each(['010.0.0.0/8', '0x7f.0.0.1/8', '127.1/8', '256.0.0.0/8', '1.2.3.4/-1'])('rejects the ambiguous or invalid %s', (c) => {
    expect(parseCidr(c)).toBeUndefined();
  });
});
