// pre_auth example: adds the headers given in its config (default x-plugway-demo: hello) to every request.
import { parsePluginConfig, SdkError, servePlugin } from '@plugway/plugin-sdk';

let inject: Record<string, string> = { 'x-plugway-demo': 'hello' };

await servePlugin({
  manifest: { name: 'header-injector', version: '1.0.0', hooks: ['pre_auth'] },
  configSchema: { type: 'object', additionalProperties: { type: 'string' } },
  hooks: {
    async initialize(req) {
      const cfg = parsePluginConfig(req);
      const bad = Object.keys(cfg).filter((k) => typeof cfg[k] !== 'string');
      if (bad.length) throw new SdkError({ code: 'SDK_CONFIG_INVALID', message: `header values must be strings: ${bad.join(', ')}` });
      if (Object.keys(cfg).length) inject = cfg as Record<string, string>;
    },
    async preAuth(req) {
      return { modified: true, headers: { ...req.headers, ...inject } };
    },
  },
});
