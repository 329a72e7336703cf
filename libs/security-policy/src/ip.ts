// IP parsing and classification on plain integers (IPv4 as number, IPv6 as bigint). No DNS here.
import { isIPv6 } from 'node:net';
import { formatIpv4, looksNumeric, parseIpv4Loose } from '@plugway/command';

// The WHATWG IPv4 rules live in @plugway/command (the parser normalises hosts with them); re-exported here.
export { looksNumeric, parseIpv4Loose };

export type Ip = { family: 4; value: number } | { family: 6; value: bigint };

/** Parses an IPv6 literal (brackets and zone id allowed) to a 128-bit bigint. */
export function parseIpv6(text: string): bigint | undefined {
  const s = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(s)) return undefined;
  let head = s;
  let tail4: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    tail4 = v4[1]!.split('.').map(Number);
    head = s.slice(0, -v4[1]!.length) + '0:0';
  }
  const [l, r] = head.includes('::') ? head.split('::') as [string, string] : [head, undefined];
  const left = l ? l.split(':') : [];
  const right = r === undefined ? [] : r ? r.split(':') : [];
  const groups = r === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g || '0', 16));
  if (v4) v = (v & ~0xffffffffn) | BigInt(((tail4[0]! << 24) >>> 0) + (tail4[1]! << 16) + (tail4[2]! << 8) + tail4[3]!);
  return v;
}

/** Parses any IP literal (loose IPv4 forms included); undefined for names. */
export function parseIp(host: string): Ip | undefined {
  const v6 = parseIpv6(host);
  if (v6 !== undefined) return { family: 6, value: v6 };
  const v4 = parseIpv4Loose(host);
  return v4 === undefined ? undefined : { family: 4, value: v4 };
}

/** Formats an address canonically (dotted quad; RFC 5952 IPv6: lowercase, longest zero run of 2+ groups as `::`). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) return formatIpv4(ip.value);
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export type IpClass =
  | 'public' | 'unspecified' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'cgnat' | 'multicast'
  | 'reserved' | 'broadcast' | 'unique-local' | 'site-local' | 'documentation' | 'benchmark' | 'protocol-assignments';

interface V4Range { base: number; bits: number; cls: IpClass }
const v4 = (a: string, bits: number, cls: IpClass): V4Range => ({ base: parseIpv4Loose(a)!, bits, cls });
// Most specific first.
const V4_RANGES: V4Range[] = [
  // Cloud metadata: AWS/GCP/Azure/OpenStack, Alibaba Cloud, Oracle Cloud (the latter two sit inside other internal ranges).
  v4('169.254.169.254', 32, 'metadata'), v4('100.100.100.200', 32, 'metadata'), v4('192.0.0.192', 32, 'metadata'),
  v4('255.255.255.255', 32, 'broadcast'),
  v4('0.0.0.0', 8, 'unspecified'), v4('10.0.0.0', 8, 'private'), v4('100.64.0.0', 10, 'cgnat'), v4('127.0.0.0', 8, 'loopback'),
  v4('169.254.0.0', 16, 'link-local'), v4('172.16.0.0', 12, 'private'), v4('192.0.0.0', 24, 'protocol-assignments'),
  v4('192.0.2.0', 24, 'documentation'), v4('192.168.0.0', 16, 'private'), v4('198.18.0.0', 15, 'benchmark'),
  v4('198.51.100.0', 24, 'documentation'), v4('203.0.113.0', 24, 'documentation'), v4('224.0.0.0', 4, 'multicast'), v4('240.0.0.0', 4, 'reserved'),
];

export function inV4(value: number, base: number, bits: number): boolean {
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : (~((1 << (32 - bits)) - 1)) >>> 0;
  return ((value & mask) >>> 0) === ((base & mask) >>> 0);
}

export function inV6(value: bigint, base: bigint, bits: number): boolean {
  if (bits === 0) return true;
  const shift = BigInt(128 - bits);
  return value >> shift === base >> shift;
}

const V6 = (s: string): bigint => parseIpv6(s)!;
const V6_RANGES: Array<{ base: bigint; bits: number; cls: IpClass }> = [
  { base: V6('fd00:ec2::254'), bits: 128, cls: 'metadata' },
  { base: 0n, bits: 128, cls: 'unspecified' }, { base: 1n, bits: 128, cls: 'loopback' },
  { base: V6('100::'), bits: 64, cls: 'reserved' }, { base: V6('64:ff9b:1::'), bits: 48, cls: 'reserved' }, { base: V6('2001:db8::'), bits: 32, cls: 'documentation' },
  { base: V6('2001::'), bits: 32, cls: 'reserved' }, // Teredo: hides an IPv4 peer
  { base: V6('fc00::'), bits: 7, cls: 'unique-local' }, { base: V6('fe80::'), bits: 10, cls: 'link-local' },
  { base: V6('fec0::'), bits: 10, cls: 'site-local' }, { base: V6('ff00::'), bits: 8, cls: 'multicast' },
];

/** The IPv4 address an IPv6 address embeds (mapped, SIIT-translated, compatible, NAT64, 6to4), if any. */
const MAPPED = V6('::ffff:0:0');
const TRANSLATED = V6('::ffff:0:0:0'); // RFC 2765 IPv4-translated (SIIT), ::ffff:0:a.b.c.d
const NAT64 = V6('64:ff9b::');
const SIX_TO_FOUR = V6('2002::');

export function embeddedV4(value: bigint): number | undefined {
  if (inV6(value, MAPPED, 96) || inV6(value, TRANSLATED, 96)) return Number(value & 0xffffffffn);
  if (inV6(value, NAT64, 96)) return Number(value & 0xffffffffn);
  if (inV6(value, 0n, 96) && value > 1n) return Number(value & 0xffffffffn);
  if (inV6(value, SIX_TO_FOUR, 16)) return Number((value >> 80n) & 0xffffffffn);
  return undefined;
}

/** Classifies an address; anything but 'public' is internal. Embedded IPv4 in IPv6 is classified as IPv4. */
export function classifyIp(ip: Ip): IpClass {
  if (ip.family === 4) return V4_RANGES.find((r) => inV4(ip.value, r.base, r.bits))?.cls ?? 'public';
  const exact = V6_RANGES.find((r) => inV6(ip.value, r.base, r.bits));
  if (exact) return exact.cls;
  const e = embeddedV4(ip.value);
  return e === undefined ? 'public' : classifyIp({ family: 4, value: e });
}

export interface Cidr { family: 4 | 6; base: number | bigint; bits: number; text: string }

/** Parses `a.b.c.d/n`, `[v6]/n`, `v6/n` or a single address (full-length prefix). */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^(\[[^\]]+\]|[^/]+)(?:\/(\d{1,3}))?$/.exec(text);
  if (!m) return undefined;
  const addr = m[1]!.replace(/^\[|\]$/g, '');
  const v6 = parseIpv6(addr);
  if (v6 !== undefined) {
    const bits = m[2] === undefined ? 128 : Number(m[2]);
    return bits <= 128 ? { family: 6, base: v6, bits, text } : undefined;
  }
  // Configuration is strict: four plain decimal octets (no octal/hex spellings that read differently to humans).
  if (!/^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/.test(addr)) return undefined;
  const v4n = parseIpv4Loose(addr);
  const bits = m[2] === undefined ? 32 : Number(m[2]);
  return v4n === undefined || bits > 32 ? undefined : { family: 4, base: v4n, bits, text };
}

export function cidrContains(c: Cidr, ip: Ip): boolean {
  if (c.family === 4 && ip.family === 4) return inV4(ip.value, c.base as number, c.bits);
  if (c.family === 6 && ip.family === 6) return inV6(ip.value, c.base as bigint, c.bits);
  // An IPv4 CIDR also covers the IPv6 forms that embed its addresses (::ffff:10.0.0.1 …).
  if (c.family === 4 && ip.family === 6) {
    const e = embeddedV4(ip.value);
    return e !== undefined && inV4(e, c.base as number, c.bits);
  }
  return false;
}
