import { z } from 'zod';

/** Hook points a plugin attaches to (AI Studio's hook_type values). */
export const HOOK_TYPES = ['pre_auth', 'auth', 'post_auth', 'on_response', 'data_collection'] as const;
export type HookType = (typeof HOOK_TYPES)[number];

/** Default tag TTL: a tag's digest is asked again after 24 h (AI Studio's behaviour). */
export const DEFAULT_TAG_TTL_MS = 24 * 3600_000;

export const failModeSchema = z.enum(['open', 'closed']);
export type FailMode = z.infer<typeof failModeSchema>;

/** Resource limits for plugin processes (setrlimit through prlimit; soft = hard). Unset = inherited from the host. */
export const pluginLimitsSchema = z.object({
  addressSpaceBytes: z.number().int().positive().optional(),
  openFiles: z.number().int().positive().optional(),
  processes: z.number().int().positive().optional(),
  cpuSeconds: z.number().int().positive().optional(),
}).strict();

const account = z.union([z.string().min(1).max(64), z.number().int().nonnegative()]);

/**
 * Who plugin processes run as and with what (see @plugway/plugin-host resolveSandbox). `user` unset: `nobody` when the
 * host runs as root, else the host's own user. uid 0 needs `allowRoot`.
 */
export const sandboxSettingsSchema = z.object({
  user: account.optional(),
  group: account.optional(),
  allowRoot: z.boolean().default(false),
  /** Parent of the per-launch private working directories (default `<tmpdir>/plugway-plugins`). */
  workDir: z.string().startsWith('/').optional(),
  limits: pluginLimitsSchema.default({ openFiles: 1024 }),
}).strict();

/** A plugin's own sandbox settings: they replace the runtime's (limits field by field); root stays the runtime's call. */
export const pluginSandboxSchema = z.object({ user: account.optional(), group: account.optional(), limits: pluginLimitsSchema.optional() }).strict();

/**
 * Everything the plugin manager needs; libs/config builds it from the environment for each runtime.
 * `policy`, `registryAuth` and `publicKeys` are the domain libs' own option objects, passed through.
 */
export const runtimeSettingsSchema = z.object({
  policy: z.record(z.string(), z.unknown()).default({}),
  oci: z.object({
    enabled: z.boolean().default(false),
    cacheDir: z.string().optional(),
    requireSignature: z.boolean().default(false),
    maxCacheSize: z.number().int().positive().optional(),
    pullPolicy: z.enum(['IfNotPresent', 'Always']).default('IfNotPresent'),
    /** Registries spoken to over plain http (loopback test registries). */
    insecureRegistries: z.array(z.string()).default([]),
    /** Per registry request: time to headers and the longest stall in a body. */
    timeoutMs: z.number().int().positive().default(30_000),
    /** Retries of idempotent registry requests. */
    retries: z.number().int().nonnegative().default(3),
    /** How long a tag's resolved digest is trusted with the IfNotPresent pull policy. */
    tagTtlMs: z.number().int().nonnegative().default(DEFAULT_TAG_TTL_MS),
    /** Periodic cache GC (size budget and kept versions), besides the GC after each pull. */
    gcIntervalMs: z.number().int().positive().optional(),
    /** Versions kept per repository by GC. */
    keepVersions: z.number().int().positive().optional(),
  }).strict().default({ enabled: false, requireSignature: false, pullPolicy: 'IfNotPresent', insecureRegistries: [], timeoutMs: 30_000, retries: 3, tagTtlMs: DEFAULT_TAG_TTL_MS }),
  /** RegistryAuthConfig from @plugway/registry-auth (registryAuthFromEnv). */
  registryAuth: z.unknown().optional(),
  /** KeyRing from @plugway/oci (publicKeysFromEnv). */
  publicKeys: z.unknown().optional(),
  pluginHost: z.object({
    startupTimeoutMs: z.number().int().positive().default(15_000),
    callTimeoutMs: z.number().int().positive().default(5_000),
    shutdownTimeoutMs: z.number().int().positive().default(3_000),
    maxRestarts: z.number().int().nonnegative().default(5),
    restartWindowMs: z.number().int().positive().default(60_000),
    restartBackoffMs: z.number().int().positive().default(200),
    sandbox: sandboxSettingsSchema.default({ allowRoot: false, limits: { openFiles: 1024 } }),
  }).strict().default({ startupTimeoutMs: 15_000, callTimeoutMs: 5_000, shutdownTimeoutMs: 3_000, maxRestarts: 5, restartWindowMs: 60_000, restartBackoffMs: 200, sandbox: { allowRoot: false, limits: { openFiles: 1024 } } }),
  defaultFailMode: failModeSchema.default('closed'),
}).strict();

export type RuntimeSettings = z.output<typeof runtimeSettingsSchema>;
export type RuntimeSettingsInput = z.input<typeof runtimeSettingsSchema>;

/** A plugin as the apps describe it (studio rows, edge config entries). */
export const pluginSpecSchema = z.object({
  id: z.string().min(1).max(128),
  name: z.string().min(1).max(200),
  slug: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/, 'lowercase letters, digits and dashes'),
  command: z.string().min(1).max(4096),
  hookType: z.enum(HOOK_TYPES),
  isActive: z.boolean().default(true),
  config: z.record(z.string(), z.unknown()).default({}),
  failMode: failModeSchema.optional(),
  order: z.number().int().default(0),
  /** Run this plugin's process as another user or with other limits than the runtime's defaults. */
  sandbox: pluginSandboxSchema.optional(),
  /** go-plugin handshake of a plugin built with its own magic cookie (default: AI Studio's AI_STUDIO_PLUGIN=v1, app protocol 1). */
  handshake: z.object({
    magicCookieKey: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name'),
    magicCookieValue: z.string().min(1).max(256),
    appProtocolVersion: z.number().int().min(1).max(1000).default(1),
  }).strict().optional(),
}).strict();

export type PluginSpec = z.output<typeof pluginSpecSchema>;
export type PluginSpecInput = z.input<typeof pluginSpecSchema>;
