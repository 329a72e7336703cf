import { z } from 'zod';

/** Where plugins normally live; a file:// plugin elsewhere (and not allowlisted) gets a warning. */
export const DEFAULT_PLUGIN_DIRS: readonly string[] = ['/usr/local/plugins', '/opt/plugins', '/var/lib/microgateway/plugins', '/opt/microgateway/plugins'];

export const policyOptionsSchema = z.object({
  /** ALLOW_INTERNAL_NETWORK_ACCESS: internal targets are allowed (with a warning). Metadata addresses stay blocked. */
  allowInternalNetworkAccess: z.boolean().default(false),
  /** PLUGIN_BLOCK_INTERNAL_URLS: block internal grpc:// and registry targets (default true; false = warn only). */
  blockInternalUrls: z.boolean().default(true),
  /** PLUGIN_COMMAND_ALLOWLIST entries: path globs, grpc://CIDR, grpc://host[:port], grpc://host/*, grpc://*.domain, oci://registry/*. */
  allowlist: z.array(z.string()).default([]),
  /**
   * `enforce` (default): when the allowlist has path entries, file:// commands must match one; when it has grpc://
   * entries, grpc:// targets must match one (POLICY_NOT_ALLOWLISTED). `warn`: AI Studio's legacy behaviour, a
   * non-matching command is allowed with POLICY_WARN_NOT_ALLOWLISTED. Entries always grant internal access.
   */
  allowlistMode: z.enum(['enforce', 'warn']).default('enforce'),
  /** OCI_PLUGINS_ALLOWED_REGISTRIES: when non-empty, oci:// registries must match one (host, host:port, *.domain). */
  allowedRegistries: z.array(z.string()).default([]),
  /** Standard plugin directories (no warning inside them); the caller adds its OCI cache directory. */
  pluginDirs: z.array(z.string().startsWith('/', { error: 'must be an absolute path' })).default([...DEFAULT_PLUGIN_DIRS]),
}).strict();

export type PolicyOptions = z.input<typeof policyOptionsSchema>;
export type ResolvedPolicyOptions = z.output<typeof policyOptionsSchema>;
