// PLUGIN_COMMAND_ALLOWLIST and OCI_PLUGINS_ALLOWED_REGISTRIES entries, compiled once by createPolicy.
import { normalize } from 'node:path';
import { cidrContains, parseCidr, type Cidr, type Ip } from './ip.js';

export type AllowEntry =
  | { kind: 'path'; text: string; re: RegExp; base: string; tail: string }
  | { kind: 'cidr'; text: string; cidr: Cidr; port?: number }
  | { kind: 'host'; text: string; host: string; wildcard: boolean; port?: number }
  | { kind: 'oci'; text: string; registry: RegExp; repository: RegExp };

/** A registry pattern: exact host, host:port, or `*.domain` (any subdomain, any port). */
export interface RegistryPattern { text: string; host: string; wildcard: boolean; port?: number }

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') { re += '.*'; i++; }
    else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const LABEL = '[a-z0-9]([a-z0-9-]*[a-z0-9])?';
const HOST_RE = new RegExp(`^(\\*\\.)?${LABEL}(\\.${LABEL})*$`);

function port(text: string | undefined): number | undefined | null {
  if (text === undefined) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : null;
}

/** Compiles one allowlist entry; returns an error message for a malformed one (fail closed). */
export function compileEntry(raw: string): AllowEntry | string {
  const text = raw.trim();
  const path = text.startsWith('file://') ? text.slice('file://'.length) : text;
  if (path.startsWith('/')) {
    if (path.split('/').includes('..')) return `path pattern "${text}" contains ".."`;
    if (path.includes('\0')) return `path pattern "${text}" contains a NUL byte`;
    const norm = normalize(path);
    // The literal directory before the first wildcard: if it is itself a symlink, real paths are matched below its target.
    const firstWild = norm.search(/[*?]/);
    const cut = firstWild === -1 ? norm.lastIndexOf('/') : norm.lastIndexOf('/', firstWild);
    return { kind: 'path', text, re: globToRegExp(norm), base: norm.slice(0, cut) || '/', tail: norm.slice(cut) };
  }
  if (text.startsWith('grpc://')) return compileGrpc(text);
  if (text.startsWith('oci://')) {
    const rest = text.slice('oci://'.length).toLowerCase();
    const slash = rest.indexOf('/');
    const reg = slash === -1 ? rest : rest.slice(0, slash);
    const repo = slash === -1 ? '**' : rest.slice(slash + 1) || '**';
    if (typeof compileRegistryPattern(reg) === 'string' || !/^[a-z0-9._/*-]+$/.test(repo)) return `"${text}" is not a valid oci:// pattern (oci://registry[:port]/repository-glob)`;
    return { kind: 'oci', text, registry: globToRegExp(reg), repository: globToRegExp(repo === '*' ? '**' : repo) };
  }
  return `"${text}" is neither an absolute path glob, a grpc:// pattern nor an oci:// pattern`;
}

function compileGrpc(text: string): AllowEntry | string {
  let rest = text.slice('grpc://'.length).toLowerCase();
  if (rest.endsWith('/*')) rest = rest.slice(0, -2);
  // An address or CIDR: anything with a slash, a bracket, "::" or only digits and dots.
  if (rest.includes('/') || /^[\d.]+(:\d+)?$/.test(rest) || rest.startsWith('[') || rest.includes('::')) {
    const m = /^(\[[^\]]+\]|[\d.]+):(\d{1,5})$/.exec(rest);
    const cidr = parseCidr(m ? m[1]! : rest);
    const p = port(m?.[2]);
    if (!cidr || p === null) return `"${text}" is not a valid grpc:// CIDR or address (grpc://10.0.0.0/8, grpc://[fd00::]/8, grpc://10.0.0.5:50051)`;
    return { kind: 'cidr', text, cidr, ...(p !== undefined ? { port: p } : {}) };
  }
  const hp = hostPortPattern(rest);
  if (!hp) return `"${text}" is not a valid grpc:// host pattern (grpc://host[:port], grpc://*.domain, grpc://host/*)`;
  return { kind: 'host', text, ...hp };
}

/** `host`, `host:port` or `*.domain` (one trailing dot ignored); undefined when malformed. */
function hostPortPattern(text: string): Omit<RegistryPattern, 'text'> | undefined {
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(text);
  const host = m?.[1]?.replace(/\.$/, '');
  const p = port(m?.[2]);
  if (!host || !HOST_RE.test(host) || p === null) return undefined;
  return { host: host.replace(/^\*\./, ''), wildcard: host.startsWith('*.'), ...(p !== undefined ? { port: p } : {}) };
}

/** Compiles an OCI_PLUGINS_ALLOWED_REGISTRIES entry; returns an error message for a malformed one. */
export function compileRegistryPattern(raw: string): RegistryPattern | string {
  const text = raw.trim().toLowerCase();
  const hp = hostPortPattern(text);
  if (!hp) return `"${raw}" is not a registry host, host:port or *.domain`;
  return { text, ...hp };
}

/** Wildcards match subdomains only (`*.example.com` never matches `example.com` or `evil-example.com`). */
export function hostMatches(pattern: { host: string; wildcard: boolean }, host: string): boolean {
  return pattern.wildcard ? host.endsWith(`.${pattern.host}`) : host === pattern.host;
}

/** A registry `host[:port]` against a pattern; a pattern without a port matches any port. */
export function registryMatches(pattern: RegistryPattern, host: string, registryPort: number | undefined): boolean {
  return hostMatches(pattern, host) && (pattern.port === undefined || pattern.port === registryPort);
}

/** Allowlist entries that grant a grpc target by its name (and port). */
export function nameGrants(entries: readonly AllowEntry[], host: string, targetPort: number): AllowEntry[] {
  return entries.filter((e) => e.kind === 'host' && registryMatches(e, host, targetPort));
}

/** Allowlist entries that grant a grpc target by one of its addresses (and port). */
export function addressGrants(entries: readonly AllowEntry[], ip: Ip, targetPort: number): AllowEntry[] {
  return entries.filter((e) => e.kind === 'cidr' && cidrContains(e.cidr, ip) && (e.port === undefined || e.port === targetPort));
}

/** The metadata endpoint needs an exact grant: a non-wildcard host entry or a /32 (/128), never a wide range. */
export function exactGrant(grants: readonly AllowEntry[]): boolean {
  return grants.some((g) => (g.kind === 'host' ? !g.wildcard : g.kind === 'cidr' && g.cidr.bits === (g.cidr.family === 4 ? 32 : 128)));
}
