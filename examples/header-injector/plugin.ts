// pre_auth example: adds the headers given in its config (default x-plugway-demo: hello) to every request.
import { servePlugin } from '@plugway/plugin-sdk';

let inject: Record<string, string> = { 'x-plugway-demo': 'hello' };

await servePlugin({
  manifest: { name: 'header-injector', version: '1.0.0', hooks: ['pre_auth'] },
  configSchema: { type: 'object', additionalProperties: { type: 'string' } },
  hooks: {
    async initialize(req) {
      if (req.configJson) inject = JSON.parse(req.configJson) as Record<string, string>;
      else if (Object.keys(req.config).length) inject = { ...req.config };
    },
    async preAuth(req) {
      return { modified: true, headers: { ...req.headers, ...inject } };
    },
  },
});
