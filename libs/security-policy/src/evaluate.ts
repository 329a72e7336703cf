import { constants as fsc } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { dirname, normalize, sep } from 'node:path';
import { lookup } from 'node:dns/promises';
import type { FileCommand, GrpcCommand, OciCommand, PluginCommand } from '@plugway/command';
import { PolicyError } from './error.js';
import { compileEntry, grpcGrants, type AllowEntry } from './allowlist.js';
import { classifyIp, formatIp, parseIp, type Ip, type IpClass } from './ip.js';
import { policyOptionsSchema, type PolicyOptions, type ResolvedPolicyOptions } from './options.js';

/** A coded reason in a decision. */
export interface Finding {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** What to connect to or run, as the policy checked it: callers use this and never resolve again. */
export type ResolvedTarget =
  | { kind: 'file'; path: string }
  | { kind: 'grpc'; host: string; port: number; address: string; family: 4 | 6; addresses: string[] }
  | { kind: 'oci'; registry: string };

export type Decision =
  | { allowed: true; warnings: Finding[]; target: ResolvedTarget }
  | { allowed: false; violations: Finding[]; warnings: Finding[] };

export type Resolver = (host: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;

/** A compiled, validated policy. */
export interface Policy {
  readonly options: ResolvedPolicyOptions;
  readonly entries: readonly AllowEntry[];
}

/** Validates and compiles policy options. @throws PolicyError POLICY_INVALID_CONFIG (every issue in details.issues) */
export function createPolicy(options: PolicyOptions = {}): Policy {
  const parsed = policyOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new PolicyError({ code: 'POLICY_INVALID_CONFIG', message: 'invalid policy options', details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) } });
  }
  const entries: AllowEntry[] = [];
  const issues: Array<{ path: string; message: string }> = [];
  parsed.data.allowlist.forEach((raw, i) => {
    const c = compileEntry(raw);
    if (typeof c === 'string') issues.push({ path: `allowlist.${i}`, message: c });
    else entries.push(c);
  });
  if (issues.length) throw new PolicyError({ code: 'POLICY_INVALID_CONFIG', message: `invalid allowlist: ${issues.map((i) => i.message).join('; ')}`, details: { issues } });
  return { options: parsed.data, entries };
}

const defaultResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family as 4 | 6 }));

const LOCAL_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);
const METADATA_NAMES = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal']);

function internalAllowed(p: Policy): boolean {
  return p.options.allowInternalNetworkAccess || !p.options.blockInternalUrls;
}

function classFinding(cls: IpClass, host: string, address: string): Finding {
  if (cls === 'metadata') return { code: 'POLICY_METADATA_ADDRESS', message: `${host} is a cloud metadata endpoint (${address}); plugins may never reach it unless it is allowlisted exactly`, details: { host, address } };
  if (cls === 'loopback') return { code: 'POLICY_LOOPBACK_ADDRESS', message: `${host} resolves to the loopback address ${address}`, details: { host, address, class: cls } };
  return { code: 'POLICY_INTERNAL_ADDRESS', message: `${host} resolves to ${address}, an internal (${cls}) address; set ALLOW_INTERNAL_NETWORK_ACCESS=true or allowlist it in PLUGIN_COMMAND_ALLOWLIST (e.g. grpc://10.0.0.0/8)`, details: { host, address, class: cls } };
}

// The metadata endpoint needs an exact grant: a /32 (/128) or a host entry naming it, never a wide range.
function exactGrant(grants: AllowEntry[]): boolean {
  return grants.some((g) => g.kind === 'host' ? !g.wildcard : g.kind === 'cidr' && g.cidr.bits === (g.cidr.family === 4 ? 32 : 128));
}

async function evaluateGrpc(cmd: GrpcCommand, p: Policy, resolve: Resolver, signal?: AbortSignal): Promise<Decision> {
  const host = cmd.host.replace(/\.$/, '').toLowerCase();
  const warnings: Finding[] = [];
  const violations: Finding[] = [];
  const isLocalName = LOCAL_NAMES.has(host) || host.endsWith('.localhost');
  const literal = parseIp(host);
  let addrs: Ip[];
  if (literal) addrs = [literal];
  else if (isLocalName) addrs = [parseIp('127.0.0.1')!, parseIp('::1')!];
  else {
    try {
      const found = await abortable(resolve(host), signal);
      addrs = found.map((a) => parseIp(a.address)).filter((x): x is Ip => x !== undefined);
      if (!addrs.length) throw new Error('no addresses');
    } catch (e) {
      if (e instanceof PolicyError) throw e;
      return { allowed: false, warnings, violations: [{ code: 'POLICY_DNS_FAILED', message: `cannot resolve ${host}: ${(e as Error).message}`, details: { host } }] };
    }
  }
  const nameGrants = grpcGrants([...p.entries], host, cmd.port, undefined);
  if (METADATA_NAMES.has(host) && !exactGrant(nameGrants)) {
    violations.push({ code: 'POLICY_METADATA_ADDRESS', message: `${host} is a cloud metadata endpoint`, details: { host } });
  }
  if (isLocalName && !nameGrants.length && !internalAllowed(p)) {
    violations.push({ code: 'POLICY_LOCALHOST', message: `${host} is this machine; set ALLOW_INTERNAL_NETWORK_ACCESS=true or allowlist it`, details: { host } });
  }
  for (const ip of addrs) {
    const cls = classifyIp(ip);
    if (cls === 'public') continue;
    const address = formatIp(ip);
    const grants = [...nameGrants, ...grpcGrants([...p.entries], host, cmd.port, ip)];
    if (cls === 'metadata') {
      if (exactGrant(grants)) warnings.push({ code: 'POLICY_WARN_METADATA_ALLOWED', message: `${address} (metadata endpoint) is allowlisted explicitly`, details: { address } });
      else violations.push(classFinding(cls, host, address));
    } else if (grants.length) {
      warnings.push({ code: 'POLICY_WARN_INTERNAL_ALLOWLISTED', message: `${host} (${address}, ${cls}) is internal, allowed by ${grants[0]!.text}`, details: { address, class: cls, entry: grants[0]!.text } });
    } else if (internalAllowed(p)) {
      warnings.push({ code: 'POLICY_WARN_INTERNAL_ALLOWED', message: `${host} (${address}, ${cls}) is internal, allowed because internal network access is enabled`, details: { address, class: cls } });
    } else if (!(isLocalName && violations.some((v) => v.code === 'POLICY_LOCALHOST'))) {
      violations.push(classFinding(cls, host, address));
    }
  }
  if (violations.length) return { allowed: false, violations: dedupe(violations), warnings: dedupe(warnings) };
  const first = addrs[0]!;
  return { allowed: true, warnings: dedupe(warnings), target: { kind: 'grpc', host, port: cmd.port, address: formatIp(first), family: first.family, addresses: addrs.map(formatIp) } };
}

function inDir(path: string, dir: string): boolean {
  const d = normalize(dir).replace(/\/$/, '');
  return path === d || path.startsWith(d + sep);
}

async function evaluateFile(cmd: FileCommand, p: Policy): Promise<Decision> {
  const warnings: Finding[] = [];
  if (cmd.path.split('/').includes('..')) {
    return { allowed: false, warnings, violations: [{ code: 'POLICY_PATH_TRAVERSAL', message: `${cmd.path} contains ".." segments; use the canonical absolute path`, details: { path: cmd.path } }] };
  }
  const path = normalize(cmd.path);
  const pathGrants = p.entries.filter((e) => e.kind === 'path');
  const trusted = (x: string): boolean => pathGrants.some((g) => g.re.test(x)) || p.options.pluginDirs.some((d) => inDir(x, d));
  let real: string | undefined;
  try {
    real = await realpath(path);
  } catch {
    real = undefined;
  }
  if (real === undefined) {
    // Not there yet (installed later?): check what exists of it so a symlinked parent cannot escape.
    let parent = dirname(path);
    let parentReal: string | undefined;
    while (parentReal === undefined) {
      try { parentReal = await realpath(parent); } catch { parent = dirname(parent); }
    }
    const projected = normalize(parentReal + path.slice(parent.length));
    if (trusted(path) && !trusted(projected)) {
      return { allowed: false, warnings, violations: [{ code: 'POLICY_PATH_SYMLINK_ESCAPE', message: `${path} leads through a symlink to ${projected}, outside the allowed locations`, details: { path, realpath: projected } }] };
    }
    warnings.push({ code: 'POLICY_WARN_PATH_MISSING', message: `${path} does not exist (yet); it must be an executable file when the plugin starts`, details: { path } });
    if (!trusted(projected)) warnings.push(outsideDirs(path, p));
    return { allowed: true, warnings, target: { kind: 'file', path: projected } };
  }
  if (real !== path) {
    if (trusted(path) && !trusted(real)) {
      return { allowed: false, warnings, violations: [{ code: 'POLICY_PATH_SYMLINK_ESCAPE', message: `${path} is a symlink to ${real}, outside the allowed locations`, details: { path, realpath: real } }] };
    }
    warnings.push({ code: 'POLICY_WARN_SYMLINK', message: `${path} resolves to ${real}; the real path is what runs`, details: { path, realpath: real } });
  }
  const st = await stat(real);
  if (!st.isFile()) return { allowed: false, warnings, violations: [{ code: 'POLICY_PATH_NOT_FILE', message: `${real} is not a regular file`, details: { path: real } }] };
  try {
    await access(real, fsc.X_OK);
  } catch {
    return { allowed: false, warnings, violations: [{ code: 'POLICY_PATH_NOT_EXECUTABLE', message: `${real} is not executable (chmod +x it)`, details: { path: real } }] };
  }
  if (!trusted(real)) warnings.push(outsideDirs(real, p));
  return { allowed: true, warnings, target: { kind: 'file', path: real } };
}

function outsideDirs(path: string, p: Policy): Finding {
  return { code: 'POLICY_WARN_OUTSIDE_PLUGIN_DIRS', message: `${path} is outside the standard plugin directories (${p.options.pluginDirs.join(', ')}) and not in PLUGIN_COMMAND_ALLOWLIST`, details: { path } };
}

function registryMatches(pattern: string, registry: string): boolean {
  if (pattern.startsWith('*.')) return registry.split(':')[0]!.endsWith(pattern.slice(1)) || registry.endsWith(pattern.slice(1));
  return pattern === registry || (!pattern.includes(':') && registry.split(':')[0] === pattern);
}

function evaluateOci(cmd: OciCommand, p: Policy): Decision {
  const registry = cmd.reference.registry.toLowerCase();
  const warnings: Finding[] = [];
  const listed = p.options.allowedRegistries.some((r) => registryMatches(r, registry));
  const granted = p.entries.some((e) => e.kind === 'oci' && e.registry.test(registry) && e.repository.test(cmd.reference.repository));
  if (p.options.allowedRegistries.length && !listed && !granted) {
    return { allowed: false, warnings, violations: [{ code: 'POLICY_REGISTRY_NOT_ALLOWED', message: `registry ${registry} is not in OCI_PLUGINS_ALLOWED_REGISTRIES (${p.options.allowedRegistries.join(', ')})`, details: { registry } }] };
  }
  // Registry hosts are not resolved here (the pull connects by name through the OCI client); literal addresses and
  // local names are checked so an oci:// command cannot point the gateway at an internal service.
  const hostPart = registry.startsWith('[') ? registry.slice(1, registry.indexOf(']')) : registry.split(':')[0]!;
  const ip = parseIp(hostPart);
  const local = LOCAL_NAMES.has(hostPart) || hostPart.endsWith('.localhost');
  const cls: IpClass | undefined = ip ? classifyIp(ip) : local ? 'loopback' : undefined;
  if (cls && cls !== 'public') {
    if (cls === 'metadata' && !listed) return { allowed: false, warnings, violations: [classFinding(cls, registry, hostPart)] };
    if (listed || granted) warnings.push({ code: 'POLICY_WARN_INTERNAL_ALLOWLISTED', message: `registry ${registry} is internal (${cls}), allowed by the registry allowlist`, details: { registry, class: cls } });
    else if (internalAllowed(p)) warnings.push({ code: 'POLICY_WARN_INTERNAL_ALLOWED', message: `registry ${registry} is internal (${cls}), allowed because internal network access is enabled`, details: { registry, class: cls } });
    else return { allowed: false, warnings, violations: [classFinding(cls, registry, hostPart)] };
  }
  return { allowed: true, warnings, target: { kind: 'oci', registry } };
}

function dedupe(fs: Finding[]): Finding[] {
  const seen = new Set<string>();
  return fs.filter((f) => { const k = `${f.code}|${f.message}`; if (seen.has(k)) return false; seen.add(k); return true; });
}

function abortable<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new PolicyError({ code: 'POLICY_ABORTED', message: 'policy evaluation aborted' }));
  return new Promise((resolve, reject) => {
    const on = (): void => reject(new PolicyError({ code: 'POLICY_ABORTED', message: 'policy evaluation aborted' }));
    signal.addEventListener('abort', on, { once: true });
    p.then((v) => { signal.removeEventListener('abort', on); resolve(v); }, (e: unknown) => { signal.removeEventListener('abort', on); reject(e); });
  });
}

/**
 * Decides whether a parsed command may run. Never throws for a command: every reason is a coded Finding.
 * For grpc:// every resolved address is checked and `target.address` is the one to dial (no second lookup).
 * @throws PolicyError POLICY_ABORTED when `signal` aborts
 */
export async function evaluateCommand(cmd: PluginCommand, policy: Policy, opts: { resolve?: Resolver; signal?: AbortSignal } = {}): Promise<Decision> {
  if (opts.signal?.aborted) throw new PolicyError({ code: 'POLICY_ABORTED', message: 'policy evaluation aborted' });
  switch (cmd.scheme) {
    case 'file': return evaluateFile(cmd, policy);
    case 'grpc': return evaluateGrpc(cmd, policy, opts.resolve ?? defaultResolver, opts.signal);
    case 'oci': return evaluateOci(cmd, policy);
  }
}
