// auth example: accepts requests whose credential (or x-api-key / Bearer header) is one of the configured keys.
import { servePlugin } from '@plugway/plugin-sdk';
import { timingSafeEqual } from 'node:crypto';

let keys: Array<{ key: string; userId: string }> = [];

const same = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

await servePlugin({
  manifest: { name: 'api-key-auth', version: '1.0.0', hooks: ['auth'] },
  configSchema: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object', properties: { key: { type: 'string' }, user_id: { type: 'string' } } } } } },
  hooks: {
    async initialize(req) {
      const cfg = req.configJson ? (JSON.parse(req.configJson) as { keys?: Array<{ key: string; user_id?: string }> }) : {};
      keys = (cfg.keys ?? []).map((k, i) => ({ key: k.key, userId: k.user_id ?? `user-${i + 1}` }));
    },
    async authenticate(req) {
      const headers = req.request?.headers ?? {};
      const bearer = (headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      const presented = req.credential || headers['x-api-key'] || bearer;
      const match = presented ? keys.find((k) => same(k.key, presented)) : undefined;
      return match
        ? { authenticated: true, userId: match.userId, claims: { method: 'api-key' } }
        : { authenticated: false, errorMessage: presented ? 'unknown API key' : 'missing API key' };
    },
  },
});
