// Issue #10: every seed curl, as printed (host, port, token and the plugin's endpoint substituted), gets the answer
// the seed describes. The oci:// request is replayed against a real registry in oci.test.ts.
import * as grpc from '@grpc/grpc-js';
import { pluginpb } from '@plugway/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCurl, replay, seedRequests } from './testing/seed.js';
import { startHarness, TOKEN, type Harness } from './testing/harness.js';

let h: Harness;
let server: grpc.Server;
let subs: Record<string, string>;

beforeAll(async () => {
  ensureCurl();
  server = new grpc.Server();
  server.addService(pluginpb.PluginServiceService, {
    processPostAuth: (_c: unknown, cb: grpc.sendUnaryData<pluginpb.PluginResponse>) => cb(null, pluginpb.PluginResponse.fromPartial({})),
  } as unknown as pluginpb.PluginServiceServer);
  const port = await new Promise<number>((res, rej) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  h = await startHarness({ PLUGIN_COMMAND_ALLOWLIST: `grpc://127.0.0.1:${port}` });
  subs = { 'http://localhost:8080': h.url, YOUR_API_TOKEN: TOKEN, 'plugin-server.example.com:50051': `127.0.0.1:${port}` };
}, 60_000);
afterAll(async () => { await h?.stop(); server?.forceShutdown(); });

describe('the seed requests, replayed with curl', () => {
  const requests = seedRequests().filter((r) => !r.command.includes('oci://'));
  it('has the requests of the fixture', () => {
    expect(requests.length).toBeGreaterThanOrEqual(7);
  });
  it.each(requests.map((r) => [r.what, r] as const))('%s', async (_what, r) => {
    const res = await replay(r.command, subs);
    expect(res.status, res.body).toBe(r.expect);
    if (r.expect === 204) return;
    const body = JSON.parse(res.body) as { data: unknown };
    expect(body.data).toBeDefined();
    if (r.expect === 201) {
      expect(body.data).toMatchObject({ id: 1, slug: 'remote-rate-limiter', hook_type: 'post_auth', hook_types: ['post_auth'], namespace: '', status: { state: 'running', scheme: 'grpc' } });
    }
    if (r.command.includes('is_active=true')) expect(body).toMatchObject({ data: [{ id: 1 }], meta: { page_size: 10, total: 1 }, links: { next: null } });
  });
});
