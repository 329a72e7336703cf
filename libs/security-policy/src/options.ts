import { z } from 'zod';

/** Where plugins normally live; a file:// plugin elsewhere gets a warning. */
export const DEFAULT_PLUGIN_DIRS: readonly string[] = ['/usr/local/plugins', '/opt/plugins', '/var/lib/microgateway/plugins', '/usr/lib/plugway/plugins'];

export const policyOptionsSchema = z.object({
  /** ALLOW_INTERNAL_NETWORK_ACCESS: internal targets are allowed (with a warning). Metadata addresses stay blocked. */
  allowInternalNetworkAccess: z.boolean().default(false),
  /** PLUGIN_BLOCK_INTERNAL_URLS: block internal grpc:// and registry targets (default true). */
  blockInternalUrls: z.boolean().default(true),
  /** PLUGIN_COMMAND_ALLOWLIST entries: path globs, grpc://CIDR, grpc://host[:port], grpc://host/*, oci://registry/*. */
  allowlist: z.array(z.string()).default([]),
  /** OCI_PLUGINS_ALLOWED_REGISTRIES: when non-empty, oci:// registries must match one (host, host:port, *.domain). */
  allowedRegistries: z.array(z.string()).default([]),
  /** Standard plugin directories (no warning inside them). */
  pluginDirs: z.array(z.string().startsWith('/')).default([...DEFAULT_PLUGIN_DIRS]),
}).strict();

export type PolicyOptions = z.input<typeof policyOptionsSchema>;
export type ResolvedPolicyOptions = z.output<typeof policyOptionsSchema>;
