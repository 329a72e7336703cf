// The OpenAPI 3.1 document: request schemas come from the zod schemas the API validates with, response schemas from
// the zod schemas the handlers type their answers with (responses.ts). `redocly lint` (recommended) passes with 0/0.
import { z } from 'zod';
import { responseRegistry } from './responses.js';
import { createCredentialSchema, createPluginSchema, listQuerySchema, updatePluginSchema } from './schemas.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (description: string, schema: string): Json => ({ description, content: { 'application/json': { schema: ref(schema) } } });
const err = (description: string): Json => json(description, 'Error');
const auth = { 401: err('AUTH_REQUIRED (no token) or AUTH_INVALID'), 403: err('AUTH_FORBIDDEN (an edge credential outside GET /api/v1/plugins and /api/v1/plugin-set)'), 429: err('TOO_MANY_REQUESTS: too many bad tokens from this client') };
const body = { 400: err('VALIDATION_FAILED (details.issues), BODY_INVALID_JSON or a COMMAND_* code'), 413: err('BODY_TOO_LARGE'), 415: err('UNSUPPORTED_MEDIA_TYPE') };
const notFound = { 404: err('NOT_FOUND') };
const idParam = (what: string): Json => ({ name: 'id', in: 'path', required: true, description: `${what} id, a canonical decimal`, schema: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } });
const requestBody = (schema: string): Json => ({
  required: true,
  description: 'JSON; also read as JSON when Content-Type is missing or application/x-www-form-urlencoded (curl -d)',
  content: { 'application/json': { schema: ref(schema) } },
});

function schemaOf(s: z.ZodType): Json {
  const { $schema: _s, ...rest } = z.toJSONSchema(s, { io: 'input' }) as Json;
  return rest;
}

/** Response components from responses.ts (refs between them point into components). */
function responseComponents(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(responseRegistry, { uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  return Object.fromEntries(Object.entries(schemas).map(([name, { $schema: _s, $id: _i, ...rest }]) => [name, rest]));
}

/** The OpenAPI 3.1 document served at /api/v1/openapi.json. */
export function buildOpenApi(): Json {
  const query = schemaOf(listQuerySchema) as { properties: Record<string, Json & { description?: string }> };
  return {
    openapi: '3.1.0',
    info: {
      title: 'plugway studio', version: '1.0.0',
      description: 'Plugin management API. Every /api route needs `Authorization: Bearer <token>`: the admin token, or an edge credential (read-only, plugins only, real config values).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: '{scheme}://{authority}', description: 'the studio', variables: { scheme: { default: 'http', enum: ['http', 'https'] }, authority: { default: '127.0.0.1:3000' } } }],
    tags: [
      { name: 'plugins', description: 'Register, run, reload and remove plugins' },
      { name: 'edges', description: 'The plugin set edge gateways sync, and the edges seen' },
      { name: 'edge-credentials', description: 'Credentials edge gateways sync plugins with' },
      { name: 'operations', description: 'Liveness, metrics and this document' },
    ],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the admin token, or an edge credential (pwe_…)' } },
      schemas: {
        ...responseComponents(),
        CreatePlugin: schemaOf(createPluginSchema),
        UpdatePlugin: schemaOf(updatePluginSchema),
        CreateEdgeCredential: schemaOf(createCredentialSchema),
      },
    },
    paths: {
      '/api/v1/plugins': {
        get: {
          tags: ['plugins'], operationId: 'listPlugins', summary: 'List plugins (the edge sync endpoint)',
          parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', ...(schema.description ? { description: schema.description } : {}), schema })),
          responses: { 200: json('A page of plugins; `links.next` and a Link header point to the next page', 'PluginList'), 400: err('VALIDATION_FAILED'), ...auth },
        },
        post: {
          tags: ['plugins'], operationId: 'createPlugin', summary: 'Register a plugin (parse → policy → checksum → pull/verify → launch)',
          requestBody: requestBody('CreatePlugin'),
          responses: {
            201: json('Created; `warnings` lists policy warnings', 'PluginResponse'), ...body, ...auth,
            409: err('SLUG_TAKEN'), 422: err('OCI_DISABLED or CHECKSUM_MISMATCH'),
          },
        },
      },
      '/api/v1/plugins/{id}': {
        parameters: [idParam('plugin')],
        get: { tags: ['plugins'], operationId: 'getPlugin', summary: 'Get a plugin', responses: { 200: json('The plugin', 'PluginResponse'), 400: err('VALIDATION_FAILED'), ...notFound, ...auth } },
        patch: {
          tags: ['plugins'], operationId: 'updatePlugin', summary: 'Update a plugin (restarts it when needed)',
          requestBody: requestBody('UpdatePlugin'),
          responses: { 200: json('Updated', 'PluginResponse'), ...body, ...notFound, ...auth, 409: err('SLUG_TAKEN'), 422: err('OCI_DISABLED or CHECKSUM_MISMATCH') },
        },
        delete: { tags: ['plugins'], operationId: 'deletePlugin', summary: 'Delete a plugin (stops it)', responses: { 204: { description: 'Deleted' }, 400: err('VALIDATION_FAILED'), ...notFound, ...auth } },
      },
      '/api/v1/plugins/{id}/reload': {
        parameters: [idParam('plugin')],
        post: { tags: ['plugins'], operationId: 'reloadPlugin', summary: 'Restart with a fresh instance (re-check the policy; an oci:// tag is re-resolved and pulled when its digest moved)', responses: { 200: json('Reloaded; `reload` has the oci:// artifact digest before (`from`) and after (`to`)', 'PluginReload'), 400: err('VALIDATION_FAILED'), ...notFound, ...auth, 422: err('CHECKSUM_MISMATCH') } },
      },
      '/api/v1/plugins/{id}/health': {
        parameters: [idParam('plugin')],
        get: { tags: ['plugins'], operationId: 'getPluginHealth', summary: 'Plugin health (grpc.health.v1) and its recent history', responses: { 200: json('Health of the running instance, and the recent checks', 'PluginHealth'), 400: err('VALIDATION_FAILED'), ...notFound, ...auth } },
      },
      '/api/v1/plugins/{id}/logs': {
        parameters: [idParam('plugin')],
        get: { tags: ['plugins'], operationId: 'getPluginLogs', summary: 'Recent log lines of a plugin (redacted)', responses: { 200: json("This replica's recent lines, oldest first", 'PluginLogs'), 400: err('VALIDATION_FAILED'), ...notFound, ...auth } },
      },
      '/api/v1/plugins/{id}/config-schema': {
        parameters: [idParam('plugin')],
        get: { tags: ['plugins'], operationId: 'getPluginConfigSchema', summary: 'Config schema, read config-only through the plugin\'s `config` service (a stopped plugin is started for it without Initialize)', responses: { 200: json('The schema', 'PluginConfigSchema'), 400: err('VALIDATION_FAILED'), ...notFound, ...auth, 409: err('PLUGIN_UNREGISTERED: the runtime refused the plugin'), 502: err('PLUGIN_CONFIG_INFO_FAILED: the plugin answered success=false or could not be read') } },
      },
      '/api/v1/plugins/{id}/manifest': {
        parameters: [idParam('plugin')],
        get: { tags: ['plugins'], operationId: 'getPluginManifest', summary: 'Manifest, read config-only through the plugin\'s `config` service', responses: { 200: json('The manifest', 'PluginManifest'), 400: err('VALIDATION_FAILED'), ...notFound, ...auth, 409: err('PLUGIN_UNREGISTERED: the runtime refused the plugin'), 502: err('PLUGIN_CONFIG_INFO_FAILED: the plugin answered success=false or could not be read') } },
      },
      '/api/v1/plugin-set': {
        get: {
          tags: ['edges'], operationId: 'getPluginSet', summary: 'The whole plugin set with its version (edges sync from it)',
          parameters: [
            { name: 'wait', in: 'query', description: 'long-poll up to this many seconds when If-None-Match is the current version', schema: { type: 'integer', minimum: 0, maximum: 60 } },
            { name: 'If-None-Match', in: 'header', description: 'the ETag (`"v<version>"`) of the set the edge has', schema: { type: 'string' } },
            { name: 'x-plugway-edge-id', in: 'header', description: 'the edge, recorded with its applied version', schema: { type: 'string' } },
            { name: 'x-plugway-edge-applied', in: 'header', schema: { type: 'integer', minimum: 0 } },
            { name: 'x-plugway-edge-status', in: 'header', schema: { type: 'string', enum: ['ok', 'degraded'] } },
          ],
          responses: { 200: json('The set; ETag `"v<version>"`', 'PluginSet'), 304: { description: 'The edge has the current version' }, 400: err('VALIDATION_FAILED'), ...auth },
        },
      },
      '/api/v1/edges': {
        get: { tags: ['edges'], operationId: 'listEdges', summary: 'Edges that fetched the plugin set, with the version each applied', responses: { 200: json('Every edge seen', 'EdgeList'), ...auth } },
      },
      '/api/v1/edge-credentials': {
        get: { tags: ['edge-credentials'], operationId: 'listEdgeCredentials', summary: 'List edge credentials (never their tokens)', responses: { 200: json('Every credential, revoked ones with revoked_at', 'EdgeCredentialList'), ...auth } },
        post: {
          tags: ['edge-credentials'], operationId: 'createEdgeCredential', summary: 'Create an edge credential (the token is shown once)',
          requestBody: requestBody('CreateEdgeCredential'),
          responses: { 201: json('Created', 'EdgeCredentialCreated'), ...body, ...auth },
        },
      },
      '/api/v1/edge-credentials/{id}': {
        parameters: [idParam('edge credential')],
        delete: { tags: ['edge-credentials'], operationId: 'revokeEdgeCredential', summary: 'Revoke an edge credential', responses: { 204: { description: 'Revoked' }, 400: err('VALIDATION_FAILED'), ...notFound, ...auth } },
      },
      '/api/v1/openapi.json': {
        get: { tags: ['operations'], operationId: 'getOpenApi', summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } }, ...auth } },
      },
      '/healthz': {
        get: { tags: ['operations'], operationId: 'getLiveness', summary: 'Liveness', security: [], responses: { 200: json('The studio is up', 'Liveness'), '4XX': { description: 'A malformed HTTP request' } } },
      },
      '/metrics': {
        get: {
          tags: ['operations'], operationId: 'getMetrics', summary: 'Prometheus metrics', security: [],
          responses: { 200: { description: 'Prometheus text exposition', content: { 'text/plain': { schema: { type: 'string' } } } }, '4XX': { description: 'A malformed HTTP request' } },
        },
      },
    },
  };
}
