// auth example: accepts requests whose credential (or x-api-key / Bearer header) is one of the configured keys.
import { createPluginLogger, parsePluginConfig, SdkError, servePlugin } from '@plugway/plugin-sdk';
import { timingSafeEqual } from 'node:crypto';

const log = createPluginLogger({ name: 'api-key-auth' });
let keys: Array<{ key: string; userId: string }> = [];

const same = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

await servePlugin({
  manifest: { name: 'api-key-auth', version: '1.0.0', hooks: ['auth'] },
  configSchema: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object', required: ['key'], properties: { key: { type: 'string' }, user_id: { type: 'string' } } } } } },
  logger: log,
  hooks: {
    async initialize(req) {
      const list = parsePluginConfig(req).keys ?? [];
      if (!Array.isArray(list) || !list.every((k) => typeof k?.key === 'string' && k.key.length > 0)) {
        throw new SdkError({ code: 'SDK_CONFIG_INVALID', message: 'keys must be a list of { key: string, user_id?: string }' });
      }
      keys = list.map((k: { key: string; user_id?: unknown }, i) => ({ key: k.key, userId: typeof k.user_id === 'string' ? k.user_id : `user-${i + 1}` }));
      // Never log the keys themselves.
      log.info('api keys loaded', { count: keys.length });
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
