// pre_auth fixture: sleeps `delayMs` (config) before answering; blocks with 429 when the request has `x-block: yes`.
import { parsePluginConfig, servePlugin } from '@plugway/plugin-sdk';

let delayMs = 0;

await servePlugin({
  manifest: { name: 'slow-fixture', version: '1.0.0', hooks: ['pre_auth'] },
  hooks: {
    async initialize(req) {
      delayMs = Number(parsePluginConfig(req).delayMs ?? 0);
    },
    async preAuth(req) {
      if (req.headers['x-block'] === 'yes') return { block: true, statusCode: 429, errorMessage: 'slow down' };
      if (req.headers['x-slow'] === 'yes') await new Promise((r) => setTimeout(r, delayMs));
      return { modified: false };
    },
  },
});
