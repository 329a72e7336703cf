// Maps an environment record (passed in; this lib never reads process.env) onto RegistryAuthConfig:
//   OCI_PLUGINS_REGISTRY_<HOST>_<FIELD>  per registry host (ghcr.io → GHCR_IO, localhost:5000 → LOCALHOST_5000)
//   OCI_PLUGINS_AUTH_<NAME>_<FIELD>      named credentials for the `auth=<name>` option
import { join } from 'node:path';
import { RegistryAuthError } from './error.js';
import type { RegistryAuthConfig, RegistryCredential } from './types.js';

export const REGISTRY_ENV_PREFIX = 'OCI_PLUGINS_REGISTRY_';
export const NAMED_AUTH_ENV_PREFIX = 'OCI_PLUGINS_AUTH_';

type Field = 'ENTITLEMENT' | 'ENTITLEMENTENV' | 'ENTITLEMENTUSERNAME' | 'USERNAME' | 'PASSWORD' | 'PASSWORDENV' | 'TOKEN' | 'TOKENENV';
// `_` is ambiguous between host and field, so the longest known suffix wins.
const FIELDS: readonly Field[] = (['ENTITLEMENTUSERNAME', 'ENTITLEMENTENV', 'PASSWORDENV', 'ENTITLEMENT', 'TOKENENV', 'USERNAME', 'PASSWORD', 'TOKEN'] as Field[]);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ConfigIssue {
  /** The environment variable concerned (a name, never a value). */
  variable: string;
  message: string;
}

interface Group { vars: Partial<Record<Field, { name: string; value: string }>> }

function splitField(rest: string): { key: string; field: Field } | undefined {
  for (const f of FIELDS) {
    if (rest === f) return { key: '', field: f };
    if (rest.endsWith(`_${f}`)) return { key: rest.slice(0, -(f.length + 1)), field: f };
  }
  return undefined;
}

function collect(env: Readonly<Record<string, string | undefined>>, prefix: string, issues: ConfigIssue[]): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || value === '') continue;
    const parsed = splitField(name.slice(prefix.length));
    if (!parsed) {
      issues.push({ variable: name, message: `${name} does not end in a known field (${FIELDS.join(', ')})` });
      continue;
    }
    if (!parsed.key) {
      issues.push({ variable: name, message: `${name} has no ${prefix === REGISTRY_ENV_PREFIX ? 'registry host' : 'credential name'} before _${parsed.field}` });
      continue;
    }
    const g = groups.get(parsed.key) ?? { vars: {} };
    g.vars[parsed.field] = { name, value };
    groups.set(parsed.key, g);
  }
  return groups;
}

function indirect(env: Readonly<Record<string, string | undefined>>, ref: { name: string; value: string }, issues: ConfigIssue[]): string | undefined {
  if (!ENV_NAME.test(ref.value)) {
    issues.push({ variable: ref.name, message: `${ref.name} must name another environment variable` });
    return undefined;
  }
  if (ref.value === ref.name) {
    issues.push({ variable: ref.name, message: `${ref.name} refers to itself` });
    return undefined;
  }
  const v = env[ref.value];
  if (v === undefined || v === '') {
    issues.push({ variable: ref.name, message: `${ref.name} names ${ref.value}, which is not set` });
    return undefined;
  }
  return v;
}

function toCredential(env: Readonly<Record<string, string | undefined>>, g: Group, issues: ConfigIssue[]): RegistryCredential | undefined {
  const v = g.vars;
  const before = issues.length;
  const conflict = (a: Field, b: Field): void => {
    if (v[a] && v[b]) issues.push({ variable: v[b].name, message: `${v[a].name} and ${v[b].name} cannot both be set` });
  };
  conflict('ENTITLEMENT', 'ENTITLEMENTENV');
  const entVar = v.ENTITLEMENT ?? v.ENTITLEMENTENV;
  if (entVar) {
    for (const f of ['USERNAME', 'PASSWORD', 'PASSWORDENV', 'TOKEN', 'TOKENENV'] as Field[]) {
      if (v[f]) issues.push({ variable: v[f].name, message: `${entVar.name} and ${v[f].name} cannot both be set` });
    }
    const entitlement = v.ENTITLEMENT ? v.ENTITLEMENT.value : indirect(env, entVar, issues);
    if (issues.length > before || entitlement === undefined) return undefined;
    return { kind: 'entitlement', username: v.ENTITLEMENTUSERNAME?.value ?? 'token', entitlement };
  }
  if (v.ENTITLEMENTUSERNAME) issues.push({ variable: v.ENTITLEMENTUSERNAME.name, message: `${v.ENTITLEMENTUSERNAME.name} is set without the matching _ENTITLEMENT or _ENTITLEMENTENV` });
  conflict('TOKEN', 'TOKENENV');
  conflict('PASSWORD', 'PASSWORDENV');
  const tokenVar = v.TOKEN ?? v.TOKENENV;
  if (tokenVar) {
    for (const f of ['USERNAME', 'PASSWORD', 'PASSWORDENV'] as Field[]) {
      if (v[f]) issues.push({ variable: v[f].name, message: `${tokenVar.name} cannot be combined with ${v[f].name}` });
    }
    const token = v.TOKEN ? v.TOKEN.value : v.TOKENENV ? indirect(env, v.TOKENENV, issues) : undefined;
    if (issues.length > before || token === undefined) return undefined;
    return { kind: 'bearer', token };
  }
  const pwVar = v.PASSWORD ?? v.PASSWORDENV;
  if (v.USERNAME && !pwVar) issues.push({ variable: v.USERNAME.name, message: `${v.USERNAME.name} is set without _PASSWORD or _PASSWORDENV` });
  if (pwVar && !v.USERNAME) issues.push({ variable: pwVar.name, message: `${pwVar.name} is set without _USERNAME` });
  const password = v.PASSWORD ? v.PASSWORD.value : v.PASSWORDENV ? indirect(env, v.PASSWORDENV, issues) : undefined;
  if (issues.length > before || !v.USERNAME || password === undefined) return undefined;
  return { kind: 'basic', username: v.USERNAME.value, password };
}

/**
 * Parses registry credentials from an environment record.
 * Fields: ENTITLEMENT | ENTITLEMENTENV (+ ENTITLEMENTUSERNAME, default user `token`), USERNAME + PASSWORD | PASSWORDENV, TOKEN | TOKENENV.
 * `*ENV` fields name another variable of the same record. Empty values count as unset.
 * Throws REGISTRY_AUTH_INVALID_CONFIG listing every issue (variable names only, never values).
 */
export function registryAuthFromEnv(env: Readonly<Record<string, string | undefined>>): RegistryAuthConfig {
  const issues: ConfigIssue[] = [];
  const config: RegistryAuthConfig = { registries: {}, named: {} };
  for (const [prefix, target] of [[REGISTRY_ENV_PREFIX, config.registries], [NAMED_AUTH_ENV_PREFIX, config.named]] as const) {
    for (const [key, group] of collect(env, prefix, issues)) {
      const cred = toCredential(env, group, issues);
      if (cred) target[key] = cred;
    }
  }
  if (issues.length) {
    throw new RegistryAuthError({
      code: 'REGISTRY_AUTH_INVALID_CONFIG',
      message: `invalid registry credentials in the environment: ${issues.map((i) => i.message).join('; ')}`,
      details: { issues },
    });
  }
  return config;
}

/** `$DOCKER_CONFIG/config.json`, else `<home>/.docker/config.json` (pure: env and home are passed in). */
export function dockerConfigPathFromEnv(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const dir = env['DOCKER_CONFIG'];
  return dir ? join(dir, 'config.json') : join(home, '.docker', 'config.json');
}
