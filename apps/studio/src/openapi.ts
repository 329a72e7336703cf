import { z } from 'zod';
import { createPluginSchema, listQuerySchema, updatePluginSchema } from './schemas.js';

const errorSchema = {
  type: 'object', required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } } } },
};
const finding = { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' } } };
const sandbox = {
  type: 'object', description: 'what the running plugin process got (least privilege)',
  properties: {
    user: { type: 'string' }, uid: { type: 'integer' }, group: { type: 'string' }, gid: { type: 'integer' },
    workDir: { type: 'string', description: 'private working directory, also HOME and TMPDIR' }, umask: { type: 'string' }, fds: { type: 'string' },
    limits: { type: 'object', properties: { addressSpaceBytes: { type: 'integer' }, openFiles: { type: 'integer' }, processes: { type: 'integer' }, cpuSeconds: { type: 'integer' } } },
    staged: { type: 'string', description: 'root-owned copy that ran because the plugin user could not reach the checked file' },
  },
};
const digest = { type: 'string', pattern: '^sha256:[a-f0-9]{64}$' };
const plugin = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, name: { type: 'string' }, slug: { type: 'string' }, description: { type: 'string' }, command: { type: 'string' },
    hook_type: { type: 'string' }, plugin_type: { type: 'string' }, is_active: { type: 'boolean' }, oci_reference: { type: ['string', 'null'] },
    config: { type: 'object', description: 'secret-looking keys are redacted' }, created_at: { type: 'string' }, updated_at: { type: 'string' },
    status: { type: 'object', properties: { state: { type: 'string' }, pid: { type: 'integer' }, restarts: { type: 'integer' }, error: finding, sandbox,
      artifactDigest: { ...digest, description: 'oci://: the digest the reference resolved to (what plugway push printed)' }, digest: { ...digest, description: 'oci://: sha256 of the plugin file' }, runtime: { type: 'string', description: 'a packaged plugin: the runtime it asked for, e.g. node >= 20.19.0' } } },
  },
};
const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const one = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object', properties: { data: { $ref: '#/components/schemas/Plugin' }, warnings: { type: 'array', items: finding } } } } } });
const reloaded = { description: 'Reloaded; `reload` has the oci:// artifact digest before (`from`) and after (`to`)', content: { 'application/json': { schema: { type: 'object', properties: {
  data: { $ref: '#/components/schemas/Plugin' }, warnings: { type: 'array', items: finding },
  reload: { type: 'object', required: ['changed'], properties: { from: digest, to: digest, changed: { type: 'boolean' } } } } } } } };
const common = { 401: err('AUTH_REQUIRED / AUTH_INVALID'), 400: err('VALIDATION_FAILED, BODY_INVALID_JSON or a COMMAND_* code') };
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } };

/** The OpenAPI 3.1 document; request bodies come from the zod schemas the API validates with. */
export function buildOpenApi(): Record<string, unknown> {
  const query = z.toJSONSchema(listQuerySchema, { io: 'input' }) as { properties: Record<string, unknown> };
  return {
    openapi: '3.1.0',
    info: { title: 'plugway studio', version: '1.0.0', description: 'Plugin management API. Every /api route needs `Authorization: Bearer <token>`.' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: errorSchema, Plugin: plugin,
        CreatePlugin: z.toJSONSchema(createPluginSchema, { io: 'input' }),
        UpdatePlugin: z.toJSONSchema(updatePluginSchema, { io: 'input' }),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      '/api/v1/plugins': {
        get: {
          summary: 'List plugins', parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', schema })),
          responses: { 200: { description: 'A page of plugins', content: { 'application/json': { schema: { type: 'object', properties: { data: { type: 'array', items: { $ref: '#/components/schemas/Plugin' } }, meta: { type: 'object' } } } } } }, ...common },
        },
        post: {
          summary: 'Register a plugin (parse → policy → pull/verify → launch)',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreatePlugin' } } } },
          responses: { 201: one('Created; `warnings` lists policy warnings'), ...common, 403: err('POLICY_DENIED (details.violations)'), 409: err('SLUG_TAKEN'), 422: err('OCI_DISABLED') },
        },
      },
      '/api/v1/plugins/{id}': {
        parameters: [idParam],
        get: { summary: 'Get a plugin', responses: { 200: one('The plugin'), 404: err('NOT_FOUND'), ...common } },
        patch: {
          summary: 'Update a plugin (restarts it when needed)',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/UpdatePlugin' } } } },
          responses: { 200: one('Updated'), 404: err('NOT_FOUND'), 403: err('POLICY_DENIED'), 409: err('SLUG_TAKEN'), 422: err('OCI_DISABLED'), ...common },
        },
        delete: { summary: 'Delete a plugin (stops it)', responses: { 204: { description: 'Deleted' }, 404: err('NOT_FOUND'), ...common } },
      },
      '/api/v1/plugins/{id}/reload': { parameters: [idParam], post: { summary: 'Restart with a fresh instance (re-check the policy; an oci:// tag is re-resolved and pulled when its digest moved)', responses: { 200: reloaded, 404: err('NOT_FOUND'), 403: err('POLICY_DENIED'), ...common } } },
      '/api/v1/plugins/{id}/health': { parameters: [idParam], get: { summary: 'Plugin health (grpc.health.v1)', responses: { 200: { description: '{ data: { id, state, health, pid?, restarts } }' }, 404: err('NOT_FOUND'), ...common } } },
      '/api/v1/plugins/{id}/config-schema': { parameters: [idParam], get: { summary: 'Config schema, read config-only through the plugin\'s `config` service', responses: { 200: { description: '{ data: { id, schema, via: config|plugin } }' }, 404: err('NOT_FOUND'), 409: err('PLUGIN_UNREGISTERED'), 502: err('PLUGIN_CONFIG_INFO_FAILED'), ...common } } },
      '/api/v1/plugins/{id}/manifest': { parameters: [idParam], get: { summary: 'Manifest, read config-only through the plugin\'s `config` service', responses: { 200: { description: '{ data: { id, manifest, via: config|plugin } }' }, 404: err('NOT_FOUND'), 409: err('PLUGIN_UNREGISTERED'), 502: err('PLUGIN_CONFIG_INFO_FAILED'), ...common } } },
      '/healthz': { get: { security: [], summary: 'Liveness', responses: { 200: { description: 'ok' } } } },
      '/metrics': { get: { security: [], summary: 'Prometheus metrics', responses: { 200: { description: 'text/plain exposition' } } } },
    },
  };
}
