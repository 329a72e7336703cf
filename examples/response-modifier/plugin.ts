// on_response example: adds a response header and rewrites a word in text/JSON bodies.
import { parsePluginConfig, SdkError, servePlugin } from '@plugway/plugin-sdk';

let cfg = { header: 'x-plugway-modified', from: 'upstream', to: 'plugway' };

await servePlugin({
  manifest: { name: 'response-modifier', version: '1.0.0', hooks: ['on_response'] },
  configSchema: { type: 'object', properties: { header: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } },
  hooks: {
    async initialize(req) {
      const next = { ...cfg, ...parsePluginConfig(req) };
      if (![next.header, next.from, next.to].every((v) => typeof v === 'string') || !next.from) {
        throw new SdkError({ code: 'SDK_CONFIG_INVALID', message: 'header, from and to must be strings, from non-empty' });
      }
      cfg = next;
    },
    async onBeforeWriteHeaders(req) {
      return { modified: true, headers: { ...req.headers, [cfg.header]: 'true' } };
    },
    async onBeforeWrite(req) {
      const type = req.headers['content-type'] ?? '';
      if (!/text|json/.test(type)) return { modified: false, body: req.body, headers: req.headers };
      const text = Buffer.from(req.body).toString('utf8');
      return { modified: true, body: Buffer.from(text.split(cfg.from).join(cfg.to)), headers: req.headers };
    },
  },
});
