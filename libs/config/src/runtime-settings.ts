// The runtime part both apps share: every domain lib's env mapper is one call here, and its issues join ours.
import { homedir } from 'node:os';
import { isPlugwayError } from '@plugway/core';
import { policyOptionsFromEnv, type PolicyOptions } from '@plugway/security-policy';
import { dockerConfigPathFromEnv, registryAuthFromEnv, type RegistryAuthConfig } from '@plugway/registry-auth';
import { parseSize, publicKeysFromEnv, type KeyRing } from '@plugway/oci';
import { failModeSchema, runtimeSettingsSchema, type RuntimeSettings } from '@plugway/runtime';
import { z } from 'zod';
import type { ConfigIssue } from './error.js';
import { cleanEnv, envBool, envDuration, envInt, envList, envPath, lower, parseEnv, type Env } from './env-schema.js';

/** Per-runtime defaults and variable names for the OCI part. */
export interface OciEnvNames {
  cacheDir: string;
  requireSignature: string;
  /** Default cache directory; undefined = OCI disabled unless the variable is set. */
  defaultCacheDir: string | undefined;
  defaultRequireSignature: boolean;
  /** The studio also takes AI Studio's `AI_STUDIO_OCI_<X>` form of the shared `OCI_PLUGINS_<X>` settings. */
  aliasPrefix?: string;
}

/** The shared OCI settings that AI Studio's studio spells `AI_STUDIO_OCI_<X>`. */
const OCI_ALIASED: readonly string[] = [
  'OCI_PLUGINS_MAX_CACHE_SIZE', 'OCI_PLUGINS_ALLOWED_REGISTRIES', 'OCI_PLUGINS_TIMEOUT', 'OCI_PLUGINS_RETRY_ATTEMPTS', 'OCI_PLUGINS_GC_INTERVAL',
  'OCI_PLUGINS_KEEP_VERSIONS', 'OCI_PLUGINS_INSECURE_REGISTRIES', 'OCI_PLUGINS_PULL_POLICY', 'OCI_PLUGINS_TAG_TTL', 'OCI_PLUGINS_DEFAULT_PUBKEYS',
];

/**
 * `AI_STUDIO_OCI_<X>` → `OCI_PLUGINS_<X>` (both set to different values is an issue), and any other variable under the
 * alias prefix that is not one of `own` is refused by name: an AI Studio setting is never silently ignored.
 */
function applyAliases(env: Env, prefix: string | undefined, own: readonly string[], issues: ConfigIssue[]): { env: Env; from: Map<string, string> } {
  const from = new Map<string, string>();
  if (!prefix) return { env, from };
  const out: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(prefix) || value === undefined || value === '' || own.includes(name)) continue;
    const shared = OCI_ALIASED.find((a) => a === `OCI_PLUGINS_${name.slice(prefix.length)}`);
    if (!shared) {
      issues.push({ path: name, message: `is not a setting plugway knows (known: ${[...own, ...OCI_ALIASED.map((a) => a.replace(/^OCI_PLUGINS_/, prefix))].join(', ')})` });
      continue;
    }
    if (env[shared] !== undefined && env[shared] !== '' && env[shared] !== value) issues.push({ path: name, message: `conflicts with ${shared}; set one of them` });
    else {
      out[shared] = value;
      from.set(shared, name);
    }
  }
  return { env: out, from };
}

/** The runtime's settings plus what only the apps need to build the OCI puller and registry auth. */
export interface RuntimePart {
  runtime: RuntimeSettings;
  policy: PolicyOptions;
  registryAuth: RegistryAuthConfig;
  publicKeys: KeyRing;
  dockerConfigPath: string;
}

/** Collects a domain mapper's coded issues (`details.issues[].variable|path`) as config issues. */
function domainCall<T>(fn: () => T, fallbackPath: string, issues: ConfigIssue[], env: Env): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (!isPlugwayError(e)) throw e;
    const list = (e.details?.['issues'] as unknown[] | undefined) ?? [];
    if (list.length === 0) issues.push({ path: fallbackPath, message: `${e.code}: ${e.message}` });
    for (const item of list) {
      if (typeof item === 'string') {
        // oci: "VAR: message"
        const m = /^([A-Z0-9_]+): (.*)$/s.exec(item);
        issues.push(m ? { path: m[1]!, message: m[2]! } : { path: keyVariable(item, env) ?? fallbackPath, message: item });
      } else if (item && typeof item === 'object') {
        const o = item as { variable?: string; path?: string; message?: string };
        issues.push({ path: o.variable ?? o.path ?? fallbackPath, message: o.message ?? e.message });
      }
    }
    return undefined;
  }
}

// oci reports a bad PEM as `key "<name>" …`: find the variable that defined that key name.
function keyVariable(message: string, env: Env): string | undefined {
  const name = /key "([^"]+)"/.exec(message)?.[1];
  if (!name) return undefined;
  return Object.keys(env).find((k) => /^OCI_PLUGINS_(PUBKEY|PUBLIC_KEY)_/.test(k) && k.replace(/^OCI_PLUGINS_(PUBKEY|PUBLIC_KEY)_/, '').toLowerCase() === name);
}

// A user or group: a name, or a numeric id.
const envAccount = z.string().trim().regex(/^([a-z_][a-z0-9_.-]{0,31}\$?|\d{1,10})$/i, { error: 'expected a user/group name or a numeric id' })
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : v)).optional();

/** A size variable (`500MiB`, `2GB`, bytes), greater than 0. */
function sizeVar(clean: Record<string, string>, name: string, issues: ConfigIssue[]): number | undefined {
  const text = clean[name];
  if (text === undefined) return undefined;
  try {
    const n = parseSize(text);
    if (n > 0) return n;
    issues.push({ path: name, message: 'must be greater than 0' });
  } catch {
    issues.push({ path: name, message: 'expected a size such as 500MiB, 2GB or a number of bytes' });
  }
  return undefined;
}

/** Builds the shared runtime settings from `env`; pushes every problem into `issues` (returns undefined then). */
export function buildRuntimePart(original: Env, originalClean: Record<string, string>, names: OciEnvNames, issues: ConfigIssue[]): RuntimePart | undefined {
  const before = issues.length;
  const aliased = applyAliases(original, names.aliasPrefix, [names.cacheDir, names.requireSignature], issues);
  const env = aliased.env;
  const clean = names.aliasPrefix ? cleanEnv(env) : originalClean;
  const part = build(env, clean, names, issues, before);
  // An issue names the variable the operator set (AI_STUDIO_OCI_TIMEOUT, not the OCI_PLUGINS_TIMEOUT it stands for).
  for (const i of issues.slice(before)) i.path = aliased.from.get(i.path) ?? i.path;
  return part;
}

function build(env: Env, clean: Record<string, string>, names: OciEnvNames, issues: ConfigIssue[], before: number): RuntimePart | undefined {
  const policy = domainCall(() => policyOptionsFromEnv(env), 'PLUGIN_COMMAND_ALLOWLIST', issues, clean);
  // With OCI off (the studio without AI_STUDIO_OCI_CACHE_DIR) registry credentials and keys are not used, so a copied
  // `…_PASSWORDENV=GITHUB_TOKEN` without GITHUB_TOKEN does not stop the process.
  const ociOn = clean[names.cacheDir] !== undefined || names.defaultCacheDir !== undefined;
  const registryAuth = ociOn ? domainCall(() => registryAuthFromEnv(env), 'OCI_PLUGINS_REGISTRY_', issues, clean) : { registries: {}, named: {} };
  const publicKeys = ociOn ? domainCall(() => publicKeysFromEnv(env), 'OCI_PLUGINS_PUBKEY_', issues, clean) : { keys: new Map() };

  const schema = z.object({
    [names.cacheDir]: envPath.optional(),
    [names.requireSignature]: envBool(names.defaultRequireSignature),
    OCI_PLUGINS_MAX_CACHE_SIZE: z.string().optional(),
    OCI_PLUGINS_INSECURE_REGISTRIES: envList,
    OCI_PLUGINS_PULL_POLICY: z.enum(['IfNotPresent', 'Always'], { error: 'expected IfNotPresent or Always' }).optional(),
    OCI_PLUGINS_TIMEOUT: envDuration(1000, 3_600_000),
    OCI_PLUGINS_RETRY_ATTEMPTS: envInt(3, 0, 20),
    OCI_PLUGINS_TAG_TTL: envDuration(0, 30 * 86_400_000),
    OCI_PLUGINS_GC_INTERVAL: envDuration(60_000, 30 * 86_400_000),
    OCI_PLUGINS_KEEP_VERSIONS: z.string().trim().regex(/^\d+$/, { error: 'expected a whole number between 1 and 1000' }).transform(Number).pipe(z.number().int().min(1).max(1000)).optional(),
    PLUGIN_STARTUP_TIMEOUT_MS: envInt(15_000, 100, 600_000),
    PLUGIN_CALL_TIMEOUT_MS: envInt(5_000, 10, 600_000),
    PLUGIN_SHUTDOWN_TIMEOUT_MS: envInt(3_000, 10, 600_000),
    PLUGIN_MAX_RESTARTS: envInt(5, 0, 1000),
    PLUGIN_FAIL_MODE: z.preprocess(lower, z.enum(failModeSchema.options, { error: 'expected open or closed' }).optional()),
    PLUGIN_RUN_AS_USER: envAccount,
    PLUGIN_RUN_AS_GROUP: envAccount,
    PLUGIN_ALLOW_ROOT: envBool(false),
    PLUGIN_WORK_DIR: envPath.refine((p) => p.startsWith('/'), { error: 'must be an absolute path' }).optional(),
    PLUGIN_LIMIT_OPEN_FILES: envInt(1024, 16, 1_048_576),
    PLUGIN_LIMIT_PROCESSES: envInt(0, 1, 4_194_304),
    PLUGIN_LIMIT_CPU_SECONDS: envInt(0, 1, 31_536_000),
    PLUGIN_LIMIT_ADDRESS_SPACE: z.string().optional(),
  });
  const raw = parseEnv(schema, clean, issues) as Record<string, unknown> | undefined;

  const maxCacheSize = sizeVar(clean, 'OCI_PLUGINS_MAX_CACHE_SIZE', issues);
  const addressSpaceBytes = sizeVar(clean, 'PLUGIN_LIMIT_ADDRESS_SPACE', issues);
  const runAs = clean['PLUGIN_RUN_AS_USER']?.trim();
  if ((runAs === 'root' || runAs === '0') && raw?.['PLUGIN_ALLOW_ROOT'] === false) {
    issues.push({ path: 'PLUGIN_RUN_AS_USER', message: 'running plugins as root needs PLUGIN_ALLOW_ROOT=true' });
  }
  if (!raw || !policy || !registryAuth || !publicKeys || issues.length > before) return undefined;
  const limit = (name: string): number | undefined => (raw[name] as number) || undefined;

  const cacheDir = (raw[names.cacheDir] as string | undefined) ?? names.defaultCacheDir;
  const input = {
    policy: { ...policy },
    oci: {
      enabled: cacheDir !== undefined,
      ...(cacheDir !== undefined ? { cacheDir } : {}),
      requireSignature: raw[names.requireSignature] as boolean,
      ...(maxCacheSize !== undefined ? { maxCacheSize } : {}),
      pullPolicy: (raw['OCI_PLUGINS_PULL_POLICY'] as 'IfNotPresent' | 'Always' | undefined) ?? 'IfNotPresent',
      insecureRegistries: raw['OCI_PLUGINS_INSECURE_REGISTRIES'] as string[],
      ...(raw['OCI_PLUGINS_TIMEOUT'] !== undefined ? { timeoutMs: raw['OCI_PLUGINS_TIMEOUT'] as number } : {}),
      retries: raw['OCI_PLUGINS_RETRY_ATTEMPTS'] as number,
      ...(raw['OCI_PLUGINS_TAG_TTL'] !== undefined ? { tagTtlMs: raw['OCI_PLUGINS_TAG_TTL'] as number } : {}),
      ...(raw['OCI_PLUGINS_GC_INTERVAL'] !== undefined ? { gcIntervalMs: raw['OCI_PLUGINS_GC_INTERVAL'] as number } : {}),
      ...(raw['OCI_PLUGINS_KEEP_VERSIONS'] !== undefined ? { keepVersions: raw['OCI_PLUGINS_KEEP_VERSIONS'] as number } : {}),
    },
    registryAuth,
    publicKeys,
    pluginHost: {
      startupTimeoutMs: raw['PLUGIN_STARTUP_TIMEOUT_MS'] as number,
      callTimeoutMs: raw['PLUGIN_CALL_TIMEOUT_MS'] as number,
      shutdownTimeoutMs: raw['PLUGIN_SHUTDOWN_TIMEOUT_MS'] as number,
      maxRestarts: raw['PLUGIN_MAX_RESTARTS'] as number,
      sandbox: {
        ...(raw['PLUGIN_RUN_AS_USER'] !== undefined ? { user: raw['PLUGIN_RUN_AS_USER'] as string | number } : {}),
        ...(raw['PLUGIN_RUN_AS_GROUP'] !== undefined ? { group: raw['PLUGIN_RUN_AS_GROUP'] as string | number } : {}),
        allowRoot: raw['PLUGIN_ALLOW_ROOT'] as boolean,
        ...(raw['PLUGIN_WORK_DIR'] !== undefined ? { workDir: raw['PLUGIN_WORK_DIR'] as string } : {}),
        limits: {
          openFiles: raw['PLUGIN_LIMIT_OPEN_FILES'] as number,
          ...(limit('PLUGIN_LIMIT_PROCESSES') ? { processes: limit('PLUGIN_LIMIT_PROCESSES') } : {}),
          ...(limit('PLUGIN_LIMIT_CPU_SECONDS') ? { cpuSeconds: limit('PLUGIN_LIMIT_CPU_SECONDS') } : {}),
          ...(addressSpaceBytes !== undefined ? { addressSpaceBytes } : {}),
        },
      },
    },
    defaultFailMode: (raw['PLUGIN_FAIL_MODE'] as 'open' | 'closed' | undefined) ?? 'closed',
  };
  const parsed = runtimeSettingsSchema.safeParse(input);
  if (!parsed.success) {
    for (const i of parsed.error.issues) issues.push({ path: `runtime.${i.path.map(String).join('.')}`, message: i.message });
    return undefined;
  }
  const home = env['HOME'] || homedir();
  return { runtime: parsed.data, policy, registryAuth, publicKeys, dockerConfigPath: dockerConfigPathFromEnv(env, home) };
}
