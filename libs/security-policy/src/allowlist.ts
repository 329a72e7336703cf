import { normalize } from 'node:path';
import { cidrContains, parseCidr, type Cidr, type Ip } from './ip.js';

export type AllowEntry =
  | { kind: 'path'; text: string; re: RegExp }
  | { kind: 'cidr'; text: string; cidr: Cidr; port?: number }
  | { kind: 'host'; text: string; host: string; wildcard: boolean; port?: number }
  | { kind: 'oci'; text: string; registry: RegExp; repository: RegExp };

function globToRegExp(glob: string): RegExp {
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

const HOST_RE = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** Compiles one allowlist entry; returns an error message for a malformed one (fail closed). */
export function compileEntry(raw: string): AllowEntry | string {
  const text = raw.trim();
  let path = text.startsWith('file://') ? text.slice('file://'.length) : text;
  if (path.startsWith('/')) {
    if (path.split('/').includes('..')) return `path pattern "${text}" contains ".."`;
    path = normalize(path);
    return { kind: 'path', text, re: globToRegExp(path) };
  }
  if (text.startsWith('grpc://')) {
    let rest = text.slice('grpc://'.length).toLowerCase();
    if (rest.endsWith('/*')) rest = rest.slice(0, -2);
    // CIDR or address, optionally with :port for a single address
    if (rest.includes('/') || /^[\d.]+(:\d+)?$/.test(rest) || rest.startsWith('[') || rest.includes('::')) {
      const portM = /^(\[[^\]]+\]|[\d.]+):(\d{1,5})$/.exec(rest);
      const cidr = parseCidr(portM ? portM[1]! : rest);
      const port = portM ? Number(portM[2]) : undefined;
      if (!cidr || (port !== undefined && (port < 1 || port > 65535))) return `"${text}" is not a valid grpc:// CIDR or address`;
      return { kind: 'cidr', text, cidr, ...(port !== undefined ? { port } : {}) };
    }
    const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(rest);
    const host = m?.[1]?.replace(/\.$/, '');
    const port = m?.[2] !== undefined ? Number(m[2]) : undefined;
    if (!host || !HOST_RE.test(host) || (port !== undefined && (port < 1 || port > 65535))) return `"${text}" is not a valid grpc:// host pattern`;
    return { kind: 'host', text, host: host.replace(/^\*\./, ''), wildcard: host.startsWith('*.'), ...(port !== undefined ? { port } : {}) };
  }
  if (text.startsWith('oci://')) {
    const rest = text.slice('oci://'.length).toLowerCase();
    const slash = rest.indexOf('/');
    const reg = slash === -1 ? rest : rest.slice(0, slash);
    const repo = slash === -1 ? '**' : rest.slice(slash + 1) || '**';
    if (!/^(\*\.)?[a-z0-9.-]+(:\d{1,5})?$/.test(reg) || !/^[a-z0-9._/*-]+$/.test(repo)) return `"${text}" is not a valid oci:// pattern`;
    return { kind: 'oci', text, registry: globToRegExp(reg.replace(/^\*\./, '*.')), repository: globToRegExp(repo === '*' ? '**' : repo) };
  }
  return `"${text}" is neither an absolute path glob, a grpc:// pattern nor an oci:// pattern`;
}

export function hostMatches(pattern: { host: string; wildcard: boolean }, host: string): boolean {
  return pattern.wildcard ? host.endsWith(`.${pattern.host}`) : host === pattern.host;
}

/** Allowlist entries that grant a grpc target (by name, or by any of its addresses). */
export function grpcGrants(entries: AllowEntry[], host: string, port: number, ip: Ip | undefined): AllowEntry[] {
  return entries.filter((e) =>
    (e.kind === 'host' && hostMatches(e, host) && (e.port === undefined || e.port === port)) ||
    (e.kind === 'cidr' && ip !== undefined && cidrContains(e.cidr, ip) && (e.port === undefined || e.port === port)));
}
