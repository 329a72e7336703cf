// data_collection fixture: appends every HandleProxyLog call as a JSON line to the file named in its config.
import { appendFileSync } from 'node:fs';
import { parsePluginConfig, servePlugin } from '@plugway/plugin-sdk';

let file = '';

await servePlugin({
  manifest: { name: 'proxy-log-fixture', version: '1.0.0', hooks: ['data_collection'] },
  hooks: {
    async initialize(req) {
      file = String(parsePluginConfig(req).file ?? '');
    },
    async handleProxyLog(req) {
      if (file) appendFileSync(file, JSON.stringify({ requestId: req.requestId, statusCode: req.responseCode, requestBytes: req.requestBody.length, context: req.context, responseBody: Buffer.from(req.responseBody).toString('utf8') }) + '\n');
    },
  },
});
