// zod schemas of the API's answers. The handlers type their bodies with them (`satisfies`), and the OpenAPI document's
// response schemas are generated from them, so the document cannot drift from what the code sends.
import { z } from 'zod';
import { failModeSchema, HOOK_TYPES } from '@plugway/runtime';
import { PLUGIN_TYPES, pluginHandshakeSchema, pluginSandboxSchema } from './store/plugin-store.js';

/** Every response schema, by its OpenAPI component name. */
export const responseRegistry = z.registry<{ id: string }>();

const details = z.record(z.string(), z.unknown());
const finding = z.object({ code: z.string(), message: z.string(), details: details.optional() }).strict().register(responseRegistry, { id: 'Finding' });
const statusError = z.object({ code: z.string(), message: z.string(), causeCode: z.string().optional() }).strict();

const digest = z.string().regex(/^sha256:[a-f0-9]{64}$/);
const sandbox = z.object({
  user: z.string(), uid: z.number().int(), group: z.string(), gid: z.number().int(),
  limits: z.object({ addressSpaceBytes: z.number().int(), openFiles: z.number().int(), processes: z.number().int(), cpuSeconds: z.number().int() }).partial().strict(),
  workDir: z.string().describe('private working directory, also HOME and TMPDIR'), umask: z.literal('0077'), fds: z.literal('stdio-only'),
  staged: z.string().optional().describe('root-owned copy that ran because the plugin user could not reach the checked file'),
}).strict().describe('what the running plugin process got (least privilege)');

const registeredStatus = z.object({
  state: z.enum(['starting', 'running', 'restarting', 'failed', 'error', 'inactive', 'stopped']),
  scheme: z.enum(['file', 'grpc', 'oci']),
  failMode: failModeSchema,
  order: z.number().int(),
  pid: z.number().int().optional(),
  restarts: z.number().int(),
  target: z.string().optional().describe('resolved address (grpc) or binary path (file, oci)'),
  digest: digest.optional().describe('sha256 of the plugin file that runs (oci://)'),
  artifactDigest: digest.optional().describe('oci://: the digest the reference resolved to (what plugway push printed)'),
  verifiedBy: z.string().optional(),
  resolved: z.object({ digest, resolvedAt: z.string(), ageSeconds: z.number().int(), ttlSeconds: z.number().int() }).strict().optional()
    .describe('oci:// by tag: the digest the tag resolved to, when, and the age of that answer (asked again after the tag TTL)'),
  sandbox: sandbox.optional(),
  runtime: z.string().optional().describe('a packaged plugin: the runtime it asked for, e.g. node >= 20.19.0'),
  warnings: z.array(finding).describe('policy warnings of the command'),
  error: statusError.optional(),
}).strict();
const unregisteredStatus = z.object({ state: z.literal('unregistered'), error: statusError.optional() }).strict()
  .describe('stored but not running: refused by the current policy, or created with load_immediately false');

export const pluginResponseSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  slug: z.string(),
  description: z.string(),
  command: z.string().describe('as stored; userinfo and secret-looking query values redacted (not for an edge credential)'),
  hook_type: z.enum(HOOK_TYPES),
  hook_types: z.array(z.enum(HOOK_TYPES)),
  plugin_type: z.enum(PLUGIN_TYPES),
  is_active: z.boolean(),
  oci_reference: z.string().nullable(),
  namespace: z.string(),
  checksum: z.string().nullable(),
  config: details.describe('secrets redacted (real values only for an edge credential)'),
  handshake: pluginHandshakeSchema.nullable().describe("the plugin's own go-plugin handshake (null: AI Studio's default)"),
  sandbox: pluginSandboxSchema.nullable().describe("the plugin's own sandbox overrides (null: the runtime's defaults)"),
  created_at: z.string(),
  updated_at: z.string(),
  version: z.number().int().describe("the plugin-set version of this plugin's last change"),
  status: z.union([registeredStatus, unregisteredStatus]),
}).strict().register(responseRegistry, { id: 'Plugin' });

export const pluginOneSchema = z.object({ data: pluginResponseSchema, warnings: z.array(finding).optional() }).strict().register(responseRegistry, { id: 'PluginResponse' });
export const pluginReloadSchema = z.object({
  data: pluginResponseSchema, warnings: z.array(finding),
  reload: z.object({ from: digest.optional(), to: digest.optional(), changed: z.boolean() }).strict().describe('oci://: the artifact digest before and after'),
}).strict().register(responseRegistry, { id: 'PluginReload' });
export const pluginSetSchema = z.object({ version: z.number().int(), data: z.array(pluginResponseSchema) }).strict().register(responseRegistry, { id: 'PluginSet' });
export const edgeListSchema = z.object({
  data: z.array(z.object({ id: z.string(), applied_version: z.number().int(), status: z.string(), last_seen: z.string() }).strict()),
}).strict().register(responseRegistry, { id: 'EdgeList' });
export const pluginListSchema = z.object({
  data: z.array(pluginResponseSchema),
  meta: z.object({ page: z.number().int(), page_size: z.number().int(), total: z.number().int(), total_pages: z.number().int() }).strict(),
  links: z.object({ next: z.string().nullable() }).strict(),
}).strict().register(responseRegistry, { id: 'PluginList' });
export const healthSchema = z.object({
  data: z.object({
    id: z.number().int(),
    state: z.string(),
    health: z.enum(['SERVING', 'NOT_SERVING', 'UNKNOWN']),
    pid: z.number().int().optional(),
    restarts: z.number().int(),
  }).strict(),
  history: z.array(z.object({ time: z.string(), state: z.string(), health: z.string(), pid: z.number().int().optional(), restarts: z.number().int() }).strict())
    .describe("this replica's recent health checks of the plugin, oldest first (at most 50)"),
}).strict().register(responseRegistry, { id: 'PluginHealth' });
export const logsSchema = z.object({
  data: z.array(z.object({ time: z.string(), level: z.enum(['debug', 'info', 'warn', 'error']), msg: z.string(), fields: details }).strict())
    .describe("this replica's recent log lines of the plugin (its output and lifecycle events, redacted), oldest first (at most 200)"),
}).strict().register(responseRegistry, { id: 'PluginLogs' });

const configInfo = (field: 'schema' | 'manifest', what: string) => z.object({
  data: z.object({
    id: z.number().int(),
    [field]: z.unknown().describe(what),
    via: z.string().describe('`config`: read config-only through the go-plugin `config` service; `plugin`: PluginService\'s own RPC'),
  }).strict(),
}).strict();
export const configSchemaSchema = configInfo('schema', 'the plugin\'s JSON config schema').register(responseRegistry, { id: 'PluginConfigSchema' });
export const manifestSchema = configInfo('manifest', 'the plugin\'s manifest (JSON)').register(responseRegistry, { id: 'PluginManifest' });

const credential = z.object({ id: z.number().int(), name: z.string(), created_at: z.string(), revoked_at: z.string().nullable() }).strict().register(responseRegistry, { id: 'EdgeCredential' });
export const credentialCreatedSchema = z.object({ data: credential, token: z.string().describe('shown only in this answer') }).strict().register(responseRegistry, { id: 'EdgeCredentialCreated' });
export const credentialListSchema = z.object({ data: z.array(credential) }).strict().register(responseRegistry, { id: 'EdgeCredentialList' });
export const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: details.optional() }).strict() }).strict().register(responseRegistry, { id: 'Error' });
export const healthzSchema = z.object({ status: z.literal('ok') }).strict().register(responseRegistry, { id: 'Liveness' });
