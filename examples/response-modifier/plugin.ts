// on_response example: adds a response header and rewrites a word in text/JSON bodies.
import { servePlugin } from '@plugway/plugin-sdk';

let cfg = { header: 'x-plugway-modified', from: 'upstream', to: 'plugway' };

await servePlugin({
  manifest: { name: 'response-modifier', version: '1.0.0', hooks: ['on_response'] },
  hooks: {
    async initialize(req) {
      if (req.configJson) cfg = { ...cfg, ...(JSON.parse(req.configJson) as Partial<typeof cfg>) };
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
