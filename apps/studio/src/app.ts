import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '@plugway/core';
import type { PinoLogger } from '@plugway/runtime';
import { ADMIN_CSS, ADMIN_HTML, ADMIN_JS } from './admin-page.js';
import { ADMIN_CSP, LoginThrottle, securityHeaders, type ThrottleOptions } from './security.js';
import { tokenMatches } from './api-token.js';
import type { EdgeCredentials } from './edge-credentials.js';
import { toApiError } from './http-errors.js';
import type { StudioMetrics } from './metrics.js';
import { buildOpenApi } from './openapi.js';
import type { PluginService } from './plugin-service.js';
import { createEdgeRoutes } from './edge-routes.js';
import { createCredentialSchema, createPluginSchema, idParamSchema, listQuerySchema, parseInput, updatePluginSchema } from './schemas.js';
import { StudioError } from './errors.js';
import type { configSchemaSchema, credentialCreatedSchema, credentialListSchema, healthSchema, healthzSchema, logsSchema, manifestSchema, pluginListSchema, pluginOneSchema, pluginReloadSchema } from './responses.js';
import type { z } from 'zod';

export interface AppDeps {
  service: PluginService;
  credentials: EdgeCredentials;
  token: string;
  metrics: StudioMetrics;
  logger: Logger;
  pino: PinoLogger;
  /** Bad-token throttle per client (default 20 per 5 minutes). */
  throttle?: ThrottleOptions;
}

/** A response body as its zod schema (responses.ts, the source of the OpenAPI response schemas) describes it. */
type Answer<S extends z.ZodType> = z.input<S>;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const parse = parseInput;

const idOf = (req: Request): number => parse(idParamSchema, req.params['id'], 'plugin id');

const hasBody = (req: Request): boolean => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

// The same list with another page, keeping the caller's other query parameters.
function nextLink(req: Request, page: number): string {
  const u = new URL(req.originalUrl, 'http://x');
  u.searchParams.set('page', String(page));
  return `${u.pathname}${u.search}`;
}

/** The studio's express app (no listening). */
export function createApp(d: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const openapi = buildOpenApi();

  app.use(securityHeaders);
  // metrics + access log for every request; labels are route templates, so unknown paths cannot grow /metrics
  app.use((req, res, next) => {
    const end = d.metrics.duration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path as string}` : 'unmatched';
      const labels = { method: METHODS.has(req.method) ? req.method : 'OTHER', route, status: String(res.statusCode) };
      d.metrics.requests.inc(labels);
      end(labels);
      d.pino.debug({ method: req.method, route, status: res.statusCode }, 'request');
    });
    next();
  });

  app.get('/', (_req, res) => { res.type('html').set('content-security-policy', ADMIN_CSP).send(ADMIN_HTML); });
  app.get('/admin.js', (_req, res) => { res.type('text/javascript').send(ADMIN_JS); });
  app.get('/admin.css', (_req, res) => { res.type('text/css').send(ADMIN_CSS); });
  app.get(['/healthz', '/health'], (_req, res) => { res.json({ status: 'ok' } satisfies Answer<typeof healthzSchema>); });
  app.get('/metrics', async (_req, res) => { res.type(d.metrics.registry.contentType).send(await d.metrics.registry.metrics()); });

  const throttle = new LoginThrottle(d.throttle);
  app.use('/api', async (req, res, next) => {
    const client = req.socket.remoteAddress ?? 'unknown';
    const wait = throttle.retryAfter(client);
    if (wait > 0) {
      res.set('retry-after', String(wait)).status(429).json({ error: { code: 'TOO_MANY_REQUESTS', message: `too many bad tokens from this client; retry in ${wait} s` } });
      return;
    }
    const h = req.headers.authorization;
    res.set('www-authenticate', 'Bearer realm="plugway"');
    if (!h) { res.status(401).json({ error: { code: 'AUTH_REQUIRED', message: 'send Authorization: Bearer <token>' } }); return; }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    const role = !m ? undefined : tokenMatches(m[1]!, d.token) ? 'admin' : (await d.credentials.verify(m[1]!)) ? 'edge' : undefined;
    if (!role) {
      throttle.fail(client);
      d.logger.warn('rejected API token', { method: req.method, path: req.path.slice(0, 200) });
      res.status(401).json({ error: { code: 'AUTH_INVALID', message: 'the token is not valid' } });
      return;
    }
    res.removeHeader('www-authenticate');
    // An edge credential reads plugins (the sync endpoints) and nothing else.
    if (role === 'edge' && !(req.method === 'GET' && /^\/v1\/(plugins(\/[^/]+)?|plugin-set)$/.test(req.path))) {
      res.status(403).json({ error: { code: 'AUTH_FORBIDDEN', message: 'an edge credential may only read plugins (GET /api/v1/plugins, GET /api/v1/plugin-set)' } });
      return;
    }
    res.locals['reveal'] = role === 'edge';
    next();
  });
  const api = express.Router();
  // AI Studio reads the body as JSON whatever the header says; curl's `-d` sends form-urlencoded. Other types are refused.
  api.use((req, _res, next) => {
    if (hasBody(req) && req.headers['content-type'] !== undefined && !req.is(['application/json', 'application/*+json', 'application/x-www-form-urlencoded'])) {
      throw new StudioError({ code: 'STUDIO_UNSUPPORTED_MEDIA_TYPE', message: 'send a JSON body (Content-Type: application/json, or none)', details: { contentType: String(req.headers['content-type']).slice(0, 100) } });
    }
    next();
  });
  api.use(express.json({ limit: '256kb', type: () => true }));

  api.get('/openapi.json', (_req, res) => { res.json(openapi); });
  api.get('/plugins', async (req, res) => {
    const q = parse(listQuerySchema, req.query, 'query');
    const pageSize = q.page_size ?? q.limit ?? 20;
    const { items, total } = await d.service.list({ ...q, pageSize }, res.locals['reveal'] === true);
    const pages = Math.ceil(total / pageSize);
    const next = q.page < pages ? nextLink(req, q.page + 1) : null;
    if (next) res.set('link', `<${next}>; rel="next"`);
    res.json({ data: items, meta: { page: q.page, page_size: pageSize, total, total_pages: pages }, links: { next } } satisfies Answer<typeof pluginListSchema>);
  });
  api.post('/plugins', async (req, res) => {
    const body = parse(createPluginSchema, req.body, 'plugin');
    const { plugin, warnings } = await d.service.create(body);
    res.status(201).location(`/api/v1/plugins/${plugin.id}`).json({ data: plugin, warnings } satisfies Answer<typeof pluginOneSchema>);
  });
  api.get('/plugins/:id', async (req, res) => { res.json({ data: await d.service.get(idOf(req), res.locals['reveal'] === true) } satisfies Answer<typeof pluginOneSchema>); });
  api.patch('/plugins/:id', async (req, res) => {
    const id = idOf(req);
    const body = parse(updatePluginSchema, req.body ?? {}, 'plugin update');
    const { plugin, warnings } = await d.service.update(id, body);
    res.json({ data: plugin, warnings } satisfies Answer<typeof pluginOneSchema>);
  });
  api.delete('/plugins/:id', async (req, res) => { await d.service.remove(idOf(req)); res.status(204).end(); });
  api.post('/plugins/:id/reload', async (req, res) => {
    const { plugin, warnings, reload } = await d.service.reload(idOf(req));
    res.json({ data: plugin, warnings, reload } satisfies Answer<typeof pluginReloadSchema>);
  });
  api.get('/plugins/:id/config-schema', async (req, res) => { res.json({ data: await d.service.configSchema(idOf(req)) } satisfies Answer<typeof configSchemaSchema>); });
  api.get('/plugins/:id/manifest', async (req, res) => { res.json({ data: await d.service.manifest(idOf(req)) } satisfies Answer<typeof manifestSchema>); });
  api.get('/plugins/:id/health', async (req, res) => {
    const id = idOf(req);
    res.json({ data: await d.service.health(id), history: d.service.activity.healthHistory(id) } satisfies Answer<typeof healthSchema>);
  });
  api.get('/plugins/:id/logs', async (req, res) => {
    const id = idOf(req);
    await d.service.get(id);
    res.json({ data: d.service.activity.logs(id) } satisfies Answer<typeof logsSchema>);
  });
  api.post('/edge-credentials', async (req, res) => {
    const { name } = parse(createCredentialSchema, req.body, 'edge credential');
    const { credential, token } = await d.credentials.create(name);
    res.status(201).json({ data: credential, token } satisfies Answer<typeof credentialCreatedSchema>);
  });
  api.get('/edge-credentials', async (_req, res) => { res.json({ data: await d.credentials.list() } satisfies Answer<typeof credentialListSchema>); });
  api.delete('/edge-credentials/:id', async (req, res) => { await d.credentials.revoke(idOf(req)); res.status(204).end(); });
  api.use(createEdgeRoutes(d.service));
  api.use((req, res) => { res.status(404).json({ error: { code: 'ROUTE_NOT_FOUND', message: `no route ${req.method} ${req.baseUrl}${req.path}`.slice(0, 300) } }); });
  app.use('/api/v1', api);

  app.use((req, res) => { res.status(404).json({ error: { code: 'ROUTE_NOT_FOUND', message: 'not found' } }); });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = toApiError(err);
    if (e.status >= 500) d.pino.error({ err: { name: (err as Error)?.name, message: (err as Error)?.message }, method: req.method, path: req.path.slice(0, 200) }, 'unhandled error');
    else d.logger.info('request rejected', { method: req.method, path: req.path.slice(0, 200), code: e.body.error.code });
    if (res.headersSent) return;
    res.status(e.status).json(e.body);
  });
  return app;
}
