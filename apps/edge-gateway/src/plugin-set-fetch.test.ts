// The plugin-set answer carries a studio plugin's own go-plugin handshake and sandbox into the edge's plugin spec.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchPluginSet } from './plugin-sync.js';

let answer: unknown;
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const plugin = (over: Record<string, unknown>) => ({ id: 1, name: 'P', slug: 'p', command: 'file:///x', hook_type: 'pre_auth', is_active: true, config: {}, plugin_type: 'gateway', ...over });

describe('fetchPluginSet', () => {
  it('passes handshake and sandbox to the spec, and leaves them out when null', async () => {
    const handshake = { magicCookieKey: 'MY_COOKIE', magicCookieValue: 'v', appProtocolVersion: 2 };
    const sandbox = { user: 'nobody', limits: { openFiles: 64 } };
    answer = { version: 3, data: [plugin({ handshake, sandbox }), plugin({ id: 2, slug: 'q', handshake: null, sandbox: null })] };
    const r = await fetchPluginSet({ url, token: 't' });
    expect(r.changed && r.plugins.map((p) => p.spec)).toEqual([
      expect.objectContaining({ id: 'studio-1', handshake, sandbox }),
      expect.not.objectContaining({ handshake: expect.anything() }),
    ]);
  });
  it('refuses an invalid handshake with EDGE_SYNC_FAILED', async () => {
    answer = { version: 4, data: [plugin({ handshake: { magicCookieKey: '1 bad', magicCookieValue: 'v' } })] };
    await expect(fetchPluginSet({ url, token: 't' })).rejects.toMatchObject({ code: 'EDGE_SYNC_FAILED', details: { issues: [expect.objectContaining({ path: 'data.0.handshake.magicCookieKey' })] } });
  });
});
