// The compiled policy and the decision types every evaluator returns.
import { PolicyError } from './error.js';
import { compileEntry, compileRegistryPattern, type AllowEntry, type RegistryPattern } from './allowlist.js';
import { policyOptionsSchema, type PolicyOptions, type ResolvedPolicyOptions } from './options.js';

/** Every code a Finding can carry. Append-only; retired codes stay listed (never emitted again). */
export type PolicyFindingCode =
  | 'POLICY_INTERNAL_ADDRESS' | 'POLICY_LOOPBACK_ADDRESS' | 'POLICY_LOCALHOST' | 'POLICY_METADATA_ADDRESS' | 'POLICY_INVALID_ADDRESS'
  | 'POLICY_DNS_FAILED' | 'POLICY_NOT_ALLOWLISTED' | 'POLICY_REGISTRY_NOT_ALLOWED'
  | 'POLICY_PATH_INVALID' | 'POLICY_PATH_TRAVERSAL' | 'POLICY_PATH_NOT_FOUND' | 'POLICY_PATH_SYMLINK_ESCAPE' | 'POLICY_PATH_NOT_FILE' | 'POLICY_PATH_NOT_EXECUTABLE'
  | 'POLICY_WARN_INTERNAL_ALLOWED' | 'POLICY_WARN_INTERNAL_ALLOWLISTED' | 'POLICY_WARN_METADATA_ALLOWED' | 'POLICY_WARN_NOT_ALLOWLISTED'
  | 'POLICY_WARN_OUTSIDE_PLUGIN_DIRS' | 'POLICY_WARN_SYMLINK' | 'POLICY_WARN_REGISTRY_UNRESOLVED'
  // retired: a missing file is POLICY_PATH_NOT_FOUND now
  | 'POLICY_WARN_PATH_MISSING';

/** A coded reason in a decision. `details` is safe to log and return (no secrets). */
export interface Finding {
  /** One of PolicyFindingCode (typed as string so callers can pass findings through unchanged). */
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** What to connect to or run, as the policy checked it: callers use this and never resolve again. */
export type ResolvedTarget =
  | { kind: 'file'; path: string }
  | { kind: 'grpc'; host: string; port: number; address: string; family: 4 | 6; addresses: string[] }
  | { kind: 'oci'; registry: string; address?: string; addresses?: string[] };

export type Decision =
  | { allowed: true; warnings: Finding[]; target: ResolvedTarget }
  | { allowed: false; violations: Finding[]; warnings: Finding[] };

/** Resolves a host name to every address (the default is `dns.promises.lookup(host, { all: true, verbatim: true })`). */
export type Resolver = (host: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;

/** Injectable I/O for evaluateCommand. */
export interface EvaluateOptions {
  resolve?: Resolver;
  signal?: AbortSignal;
  /** Canonical path of a file (default `fs.promises.realpath`). */
  realpath?: (path: string) => Promise<string>;
}

/** A compiled, validated policy (create with createPolicy; treat as opaque). */
export interface Policy {
  readonly options: ResolvedPolicyOptions;
  readonly entries: readonly AllowEntry[];
  readonly registries: readonly RegistryPattern[];
}

/**
 * Validates and compiles policy options (zod schema, then every allowlist and registry entry).
 * @throws PolicyError POLICY_INVALID_CONFIG with every issue in `details.issues` ({ path, message })
 */
export function createPolicy(options: PolicyOptions = {}): Policy {
  const parsed = policyOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    throw new PolicyError({ code: 'POLICY_INVALID_CONFIG', message: `invalid policy options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, details: { issues } });
  }
  const issues: Array<{ path: string; message: string }> = [];
  const entries: AllowEntry[] = [];
  parsed.data.allowlist.forEach((raw, i) => {
    const c = compileEntry(raw);
    if (typeof c === 'string') issues.push({ path: `allowlist.${i}`, message: c });
    else entries.push(c);
  });
  const registries: RegistryPattern[] = [];
  parsed.data.allowedRegistries.forEach((raw, i) => {
    const c = compileRegistryPattern(raw);
    if (typeof c === 'string') issues.push({ path: `allowedRegistries.${i}`, message: c });
    else registries.push(c);
  });
  if (issues.length) {
    throw new PolicyError({ code: 'POLICY_INVALID_CONFIG', message: `invalid policy options: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, details: { issues } });
  }
  return Object.freeze({ options: parsed.data, entries, registries });
}
