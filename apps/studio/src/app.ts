import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '@plugway/core';
import type { PinoLogger } from '@plugway/runtime';
import { ADMIN_PAGE } from './admin-page.js';
import { tokenMatches } from './api-token.js';
import { toApiError } from './http-errors.js';
import type { StudioMetrics } from './metrics.js';
import { buildOpenApi } from './openapi.js';
import type { PluginService } from './plugin-service.js';
import { createEdgeRoutes } from './edge-routes.js';
import { createPluginSchema, idParamSchema, listQuerySchema, parseInput, updatePluginSchema } from './schemas.js';
import { StudioError } from './errors.js';

export interface AppDeps {
  service: PluginService;
  token: string;
  metrics: StudioMetrics;
  logger: Logger;
  pino: PinoLogger;
}

const parse = parseInput;

const idOf = (req: Request): number => parse(idParamSchema, req.params['id'], 'plugin id');

/** The studio's express app (no listening). */
export function createApp(d: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const openapi = buildOpenApi();

  // metrics + access log for every request
  app.use((req, res, next) => {
    const end = d.metrics.duration.startTimer();
    res.on('finish', () => {
      const route = (req.route?.path ? `${req.baseUrl}${req.route.path as string}` : req.path.startsWith('/api/') ? 'unmatched' : req.path).slice(0, 100);
      const labels = { method: req.method, route, status: String(res.statusCode) };
      d.metrics.requests.inc(labels);
      end(labels);
      d.pino.debug({ method: req.method, route, status: res.statusCode }, 'request');
    });
    next();
  });

  app.get('/', (_req, res) => { res.type('html').set('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'").send(ADMIN_PAGE); });
  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/metrics', async (_req, res) => { res.type(d.metrics.registry.contentType).send(await d.metrics.registry.metrics()); });

  app.use('/api', (req, res, next) => {
    const h = req.headers.authorization;
    res.set('www-authenticate', 'Bearer realm="plugway"');
    if (!h) { res.status(401).json({ error: { code: 'AUTH_REQUIRED', message: 'send Authorization: Bearer <token>' } }); return; }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    if (!m || !tokenMatches(m[1]!, d.token)) {
      d.logger.warn('rejected API token', { method: req.method, path: req.path.slice(0, 200) });
      res.status(401).json({ error: { code: 'AUTH_INVALID', message: 'the token is not valid' } });
      return;
    }
    res.removeHeader('www-authenticate');
    next();
  });
  const api = express.Router();
  api.use(express.json({ limit: '256kb' }));

  api.get('/openapi.json', (_req, res) => { res.json(openapi); });
  api.get('/plugins', async (req, res) => {
    const q = parse(listQuerySchema, req.query, 'query');
    const { items, total } = await d.service.list(q.page, q.page_size);
    res.json({ data: items, meta: { page: q.page, page_size: q.page_size, total, total_pages: Math.ceil(total / q.page_size) } });
  });
  api.post('/plugins', async (req, res) => {
    if (!req.is('application/json')) throw new StudioError({ code: 'STUDIO_VALIDATION_FAILED', message: 'send a JSON body (Content-Type: application/json)', details: { issues: [{ path: '', code: 'invalid_type', message: 'expected a JSON object' }] } });
    const body = parse(createPluginSchema, req.body, 'plugin');
    const { plugin, warnings } = await d.service.create(body);
    res.status(201).location(`/api/v1/plugins/${plugin.id}`).json({ data: plugin, warnings });
  });
  api.get('/plugins/:id', async (req, res) => { res.json({ data: await d.service.get(idOf(req)) }); });
  api.patch('/plugins/:id', async (req, res) => {
    const id = idOf(req);
    const body = parse(updatePluginSchema, req.body ?? {}, 'plugin update');
    const { plugin, warnings } = await d.service.update(id, body);
    res.json({ data: plugin, warnings });
  });
  api.delete('/plugins/:id', async (req, res) => { await d.service.remove(idOf(req)); res.status(204).end(); });
  api.post('/plugins/:id/reload', async (req, res) => {
    const { plugin, warnings } = await d.service.reload(idOf(req));
    res.json({ data: plugin, warnings });
  });
  api.get('/plugins/:id/health', async (req, res) => { res.json({ data: await d.service.health(idOf(req)) }); });
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
