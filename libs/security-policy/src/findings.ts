// Shared pieces of the grpc:// and oci:// network checks.
import { PolicyError } from './error.js';
import { looksNumeric, parseIp, type Ip, type IpClass } from './ip.js';
import type { Decision, Finding, Policy, Resolver } from './policy.js';

export const LOCAL_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);
export const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal', 'metadata.tencentyun.com']);
export const LOOPBACK_ADDRESSES: Ip[] = [parseIp('127.0.0.1')!, parseIp('::1')!];

/** Lowercase, brackets off, trailing dots off (`LOCALHOST.` is `localhost`). */
export function normalizeHost(host: string): string {
  return host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.+$/, '');
}

export function isLocalName(host: string): boolean {
  return LOCAL_NAMES.has(host) || host.endsWith('.localhost');
}

/** Either switch lets internal (never metadata) targets through with a warning. */
export function internalAllowed(p: Policy): boolean {
  return p.options.allowInternalNetworkAccess || !p.options.blockInternalUrls;
}

/** A denial for one reason. */
export function deny(violation: Finding, warnings: Finding[] = []): Decision {
  return { allowed: false, warnings, violations: [violation] };
}

/** A host denied by its name alone: one of the cloud metadata endpoint names. */
export function metadataNameFinding(host: string): Finding {
  return { code: 'POLICY_METADATA_ADDRESS', message: `${host} is a cloud metadata endpoint`, details: { host } };
}

export function classFinding(cls: IpClass, host: string, address: string, local: boolean): Finding {
  if (cls === 'metadata') return { code: 'POLICY_METADATA_ADDRESS', message: `${host} is a cloud metadata endpoint (${address}); plugins may never reach it unless it is allowlisted exactly`, details: { host, address } };
  if (local) return { code: 'POLICY_LOCALHOST', message: `${host} is this machine; set ALLOW_INTERNAL_NETWORK_ACCESS=true or allowlist it in PLUGIN_COMMAND_ALLOWLIST`, details: { host, address } };
  if (cls === 'loopback') return { code: 'POLICY_LOOPBACK_ADDRESS', message: `${host} is the loopback address ${address}; set ALLOW_INTERNAL_NETWORK_ACCESS=true or allowlist it in PLUGIN_COMMAND_ALLOWLIST`, details: { host, address, class: cls } };
  return { code: 'POLICY_INTERNAL_ADDRESS', message: `${host} resolves to ${address}, an internal (${cls}) address; set ALLOW_INTERNAL_NETWORK_ACCESS=true or allowlist it in PLUGIN_COMMAND_ALLOWLIST (e.g. grpc://10.0.0.0/8)`, details: { host, address, class: cls } };
}

export type Addresses = { ok: true; addrs: Ip[]; local: boolean } | { ok: false; finding: Finding };

/**
 * The addresses a host stands for: an IP literal in any WHATWG spelling, loopback for local names (never resolved:
 * a resolver may map them anywhere), else every address the resolver returns. Fails closed on anything odd.
 */
export async function addressesOf(host: string, resolve: Resolver, signal: AbortSignal | undefined): Promise<Addresses> {
  const literal = parseIp(host);
  if (literal) return { ok: true, addrs: [literal], local: false };
  // WHATWG: a host ending in a number is an IPv4 address or nothing; never hand such a thing (or an IPv6-ish or
  // zone-carrying string) to the resolver, whose libc may read it yet another way.
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host) || looksNumeric(host)) {
    return { ok: false, finding: { code: 'POLICY_INVALID_ADDRESS', message: `"${host}" is neither a valid IP address nor a host name`, details: { host } } };
  }
  if (isLocalName(host)) return { ok: true, addrs: LOOPBACK_ADDRESSES, local: true };
  let found: Array<{ address: string; family: number }>;
  try {
    found = await abortable(resolve(host), signal);
  } catch (e) {
    if (e instanceof PolicyError) throw e;
    return { ok: false, finding: { code: 'POLICY_DNS_FAILED', message: `cannot resolve ${host}: ${e instanceof Error ? e.message : String(e)}`, details: { host } } };
  }
  const addrs: Ip[] = [];
  for (const a of Array.isArray(found) ? found : []) {
    const ip = typeof a?.address === 'string' ? parseIp(a.address) : undefined;
    // A resolver answer we cannot read is not ignored: it could be where the connection goes.
    if (!ip) {
      return { ok: false, finding: { code: 'POLICY_DNS_FAILED', message: `${host} resolved to an unreadable address ${JSON.stringify(a?.address)}`, details: { host } } };
    }
    addrs.push(ip);
  }
  if (!addrs.length) return { ok: false, finding: { code: 'POLICY_DNS_FAILED', message: `${host} resolved to no addresses`, details: { host } } };
  return { ok: true, addrs, local: false };
}

export function dedupe(fs: Finding[]): Finding[] {
  const seen = new Set<string>();
  return fs.filter((f) => { const k = `${f.code}|${f.message}`; if (seen.has(k)) return false; seen.add(k); return true; });
}

export function aborted(): PolicyError {
  return new PolicyError({ code: 'POLICY_ABORTED', message: 'policy evaluation aborted' });
}

export function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise((resolve, reject) => {
    const on = (): void => reject(aborted());
    signal.addEventListener('abort', on, { once: true });
    p.then((v) => { signal.removeEventListener('abort', on); resolve(v); }, (e: unknown) => { signal.removeEventListener('abort', on); reject(e); });
  });
}
