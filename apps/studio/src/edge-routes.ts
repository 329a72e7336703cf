// The edges' side of the API: the whole plugin set with its version (ETag, If-None-Match → 304, optional long-poll),
// and the list of edges that fetched it (id, the set version each one applied, last seen).
import express, { type Request } from 'express';
import { z } from 'zod';
import type { PluginService } from './plugin-service.js';
import { parseInput as parse } from './schemas.js';

const edgeHeadersSchema = z.object({
  'x-plugway-edge-id': z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits, . _ : - (at most 128)').optional(),
  'x-plugway-edge-applied': z.coerce.number().int().nonnegative().max(2 ** 31).optional(),
  'x-plugway-edge-status': z.enum(['ok', 'degraded']).optional(),
}).loose();
const setQuerySchema = z.object({ wait: z.coerce.number().int().min(0).max(60).default(0) }).strict();

/** `"v12"` → 12 (also `W/"v12"`); anything else → undefined. */
function versionOf(ifNoneMatch: string | undefined): number | undefined {
  const m = /^(?:W\/)?"v(\d{1,10})"$/.exec(ifNoneMatch?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Routes mounted under `/api/v1` (after the Bearer check). */
export function createEdgeRoutes(service: PluginService): express.Router {
  const r = express.Router();
  r.get('/plugin-set', async (req: Request, res) => {
    const q = parse(setQuerySchema, req.query, 'query');
    const edge = parse(edgeHeadersSchema, req.headers, 'edge headers');
    if (edge['x-plugway-edge-id']) {
      await service.recordEdge({
        id: edge['x-plugway-edge-id'], applied_version: edge['x-plugway-edge-applied'] ?? 0, status: edge['x-plugway-edge-status'] ?? 'ok', last_seen: new Date().toISOString(),
      });
    }
    const known = versionOf(req.headers['if-none-match']);
    let set = await service.pluginSet(res.locals['reveal'] === true);
    if (known === set.version && q.wait > 0) {
      // Long-poll: answer as soon as this replica applies a change (its own or another replica's), or at `wait` s.
      let timer: NodeJS.Timeout | undefined;
      const closed = new Promise<void>((resolve) => { res.once('close', resolve); timer = setTimeout(resolve, q.wait * 1000); });
      await Promise.race([service.nextChange(), closed]);
      clearTimeout(timer);
      if (res.writableEnded || res.destroyed) return;
      set = await service.pluginSet(res.locals['reveal'] === true);
    }
    res.set({ etag: `"v${set.version}"`, 'cache-control': 'no-cache' });
    if (known === set.version) { res.status(304).end(); return; }
    res.json({ version: set.version, data: set.plugins });
  });
  r.get('/edges', async (_req, res) => { res.json({ data: await service.listEdges() }); });
  return r;
}
