// The edge gateway end to end: a real upstream on port 0, the example plugins as real child processes over go-plugin,
// real HTTP traffic through the proxy.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginSpecInput } from '@plugway/runtime';
import { startEdgeApp, type EdgeApp, type EdgeAppSettings } from './index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const EXAMPLE = (name: string) => `file://${REPO}/examples/${name}/plugin`;
const FIXTURE = `file://${REPO}/apps/edge-gateway/src/__fixtures__/proxy-log-plugin`;
const SLOW = `file://${REPO}/apps/edge-gateway/src/__fixtures__/slow-plugin`;
const API_KEY = 'k-test-0123456789';

let work: string;
let upstream: http.Server;
let upstreamUrl: string;
const apps: EdgeApp[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edge-'));
  // Plugins run as an unprivileged user when the tests run as root: the log-collecting plugin must be able to write here.
  chmodSync(work, 0o1777);
  // Echoes what it received, in a JSON body containing the word "upstream" (the response modifier rewrites it).
  upstream = http.createServer((req, res) => {
    // 8 MiB in 64 KiB writes, for backpressure through the proxy.
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < 128; i++) res.write(Buffer.alloc(64 * 1024, i));
      return void res.end();
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ from: 'upstream', method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes', 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'], 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterEach(async () => { for (const a of apps.splice(0)) await a.close(); });
afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
  rmSync(work, { recursive: true, force: true });
});

function settings(extra: Partial<EdgeAppSettings> = {}): EdgeAppSettings {
  return {
    runtime: {
      policy: { allowlist: [`${REPO}/examples/**`, `${REPO}/apps/edge-gateway/src/__fixtures__/**`] },
      pluginHost: { startupTimeoutMs: 30_000, callTimeoutMs: 5_000, shutdownTimeoutMs: 2_000, maxRestarts: 5, restartWindowMs: 60_000, restartBackoffMs: 50 },
    },
    http: { host: '127.0.0.1', port: 0 }, configFile: undefined, upstreamUrl, studio: undefined,
    ...extra,
  };
}

async function start(plugins: PluginSpecInput[], extra: Partial<EdgeAppSettings> = {}): Promise<EdgeApp> {
  const file = join(work, `edge-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ plugins }));
  const app = await startEdgeApp(settings({ configFile: file, ...extra }), { hostEnv: process.env, defaultMetrics: false });
  apps.push(app);
  return app;
}

const injector = (failMode: 'open' | 'closed' = 'closed'): PluginSpecInput => ({ id: 'inject', name: 'Injector', slug: 'inject', command: EXAMPLE('header-injector'), hookType: 'pre_auth', config: { 'x-team': 'blue' }, failMode });
const auth: PluginSpecInput = { id: 'auth', name: 'Auth', slug: 'auth', command: EXAMPLE('api-key-auth'), hookType: 'auth', config: { keys: [{ key: API_KEY, user_id: 'alice' }] }, order: 1 };
const modifier: PluginSpecInput = { id: 'modify', name: 'Modifier', slug: 'modify', command: EXAMPLE('response-modifier'), hookType: 'on_response', config: { header: 'x-plugway-modified', from: 'upstream', to: 'plugway' } };

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) as Record<string, unknown> : {} };
}

describe('edge gateway with the example plugins', { timeout: 120_000 }, () => {
  it('injects a header, authenticates, modifies the response and collects a log after it', async () => {
    const logFile = join(work, 'proxy.log');
    const app = await start([injector(), auth, modifier, { id: 'collect', name: 'Collect', slug: 'collect', command: FIXTURE, hookType: 'data_collection', config: { file: logFile } }]);

    const ok = await get(`${app.url}/v1/chat?x=1`, { 'x-api-key': API_KEY, 'x-plugway-user-id': 'mallory' });
    expect(ok.status).toBe(200);
    const seen = ok.json['headers'] as Record<string, string>;
    expect(seen['x-team']).toBe('blue');                  // pre_auth header injector
    expect(seen['x-plugway-user-id']).toBe('alice');       // from the auth plugin, not the spoofed client header
    expect(ok.json['url']).toBe('/v1/chat?x=1');
    expect(ok.json['from']).toBe('plugway');               // on_response body rewrite
    expect(ok.headers.get('x-plugway-modified')).toBe('true');
    expect(ok.headers.get('x-upstream')).toBe('yes');
    expect(ok.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);   // repeated headers survive the plugin map

    const bad = await get(`${app.url}/v1/chat`, { 'x-api-key': 'wrong-key' });
    expect(bad.status).toBe(401);
    expect(bad.json).toMatchObject({ error: { code: 'EDGE_AUTH_REJECTED', message: 'unknown API key' } });
    expect(JSON.stringify(bad.json)).not.toContain('wrong-key');
    expect((await get(`${app.url}/v1/chat`)).json).toMatchObject({ error: { code: 'EDGE_AUTH_REJECTED', message: 'missing API key' } });

    // Data collection runs after the response; poll for the line (bounded).
    for (let i = 0; i < 100 && !(existsSync(logFile) && readFileSync(logFile, 'utf8').split('\n').length > 3); i++) await new Promise((r) => setTimeout(r, 100));
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { statusCode: number; responseBody: string });
    expect(lines.map((l) => l.statusCode).sort()).toEqual([200, 401, 401]);
    expect(lines.find((l) => l.statusCode === 200)?.responseBody).toContain('"from":"plugway"');
    // ProxyLogRequest carries no request headers, so no credential (the upstream's echo in the response body aside).
    for (const l of lines) expect(JSON.stringify({ ...l, responseBody: '' })).not.toContain(API_KEY);

    // Least privilege (issue #15): started by the edge as root, the plugins run as nobody.
    expect(app.manager.getStatus('inject').sandbox).toMatchObject({ uid: process.getuid!() === 0 ? 65534 : process.getuid!(), umask: '0077' });
    const health = await get(`${app.url}/health`);
    expect(health.json).toMatchObject({ status: 'ok' });
    expect((health.json['plugins'] as unknown[]).length).toBe(4);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/edge_plugin_hook_calls_total\{plugin="inject",hook="processPreAuth",outcome="ok"\} \d/);
    expect(metrics).toMatch(/edge_http_requests_total\{method="GET",status="401"\} 2/);
  });

  it('reloads every plugin under load with zero failed requests', async () => {
    const app = await start([injector(), auth]);
    const before = app.manager.list().map((p) => p.pid);
    let done = false;
    const failures: string[] = [];
    let sent = 0;
    const worker = async (): Promise<void> => {
      // Bounded: stops when the reload is over or after 1500 requests per worker.
      for (let i = 0; i < 1500 && !done; i++) {
        sent++;
        const r = await get(`${app.url}/load`, { 'x-api-key': API_KEY }).catch((e: unknown) => ({ status: 0, json: { error: String(e) } as Record<string, unknown> }));
        if (r.status !== 200 || (r.json['headers'] as Record<string, string> | undefined)?.['x-team'] !== 'blue') failures.push(`${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
      }
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);
    await new Promise((r) => setTimeout(r, 200));
    const res = await fetch(`${app.url}/admin/reload`, { method: 'POST' });
    expect(res.status).toBe(200);
    const body = await res.json() as { data: { reloaded: Array<{ id: string; state: string }> } };
    done = true;
    await load;
    expect(body.data.reloaded.map((r) => `${r.id}:${r.state}`).sort()).toEqual(['auth:running', 'inject:running']);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(4);
    const after = app.manager.list().map((p) => p.pid);
    for (const pid of after) expect(before).not.toContain(pid);
  });

  it.each([['open'], ['closed']] as const)('honours fail-%s when the plugin is SIGKILLed under load', async (mode) => {
    const app = await start([injector(mode)]);
    const pid = app.manager.getStatus('inject').pid!;
    const statuses = new Map<number, number>();
    const codes = new Set<string>();
    let stop = false;
    const worker = async (): Promise<void> => {
      for (let i = 0; i < 3000 && !stop; i++) {
        const r = await get(`${app.url}/crash`);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        const err = r.json['error'] as { code: string } | undefined;
        if (err) codes.add(err.code);
      }
    };
    const load = Promise.all([worker(), worker()]);
    await new Promise((r) => setTimeout(r, 100));
    process.kill(pid, 'SIGKILL');
    // Wait (bounded) until the supervisor has a new process serving again.
    for (let i = 0; i < 300; i++) {
      const s = app.manager.getStatus('inject');
      if (s.state === 'running' && s.pid !== pid && s.restarts > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    stop = true;
    await load;
    expect(app.manager.getStatus('inject')).toMatchObject({ state: 'running' });
    if (mode === 'open') {
      expect([...statuses.keys()]).toEqual([200]);
    } else {
      expect([...statuses.keys()].every((s) => s === 200 || s === 502 || s === 503)).toBe(true);
      expect((statuses.get(502) ?? 0) + (statuses.get(503) ?? 0)).toBeGreaterThan(0);
      expect([...codes].every((c) => c === 'EDGE_PLUGIN_FAILED' || c === 'EDGE_PLUGIN_UNAVAILABLE')).toBe(true);
    }
    // After the restart the header is injected again.
    expect(((await get(`${app.url}/after`)).json['headers'] as Record<string, string>)['x-team']).toBe('blue');
  });
});

describe('timeouts and blocking', { timeout: 120_000 }, () => {
  it('answers 503 EDGE_PLUGIN_TIMEOUT for a fail-closed plugin that is too slow and skips a fail-open one', async () => {
    const fast = { startupTimeoutMs: 30_000, callTimeoutMs: 1_500, shutdownTimeoutMs: 2_000, maxRestarts: 5, restartWindowMs: 60_000, restartBackoffMs: 50 };
    const runtime = { ...settings().runtime, pluginHost: fast };
    const closed = await start([{ id: 'slow', name: 'Slow', slug: 'slow', command: SLOW, hookType: 'pre_auth', config: { delayMs: 4000 }, failMode: 'closed' }], { runtime });
    expect(await get(`${closed.url}/t`, { 'x-slow': 'yes' })).toMatchObject({ status: 503, json: { error: { code: 'EDGE_PLUGIN_TIMEOUT', details: { plugin: 'slow', hook: 'processPreAuth' } } } });
    expect((await get(`${closed.url}/t`)).status).toBe(200);
    expect(await get(`${closed.url}/t`, { 'x-block': 'yes' })).toMatchObject({ status: 429, json: { error: { code: 'EDGE_REQUEST_BLOCKED', message: 'slow down' } } });

    const open = await start([{ id: 'slow', name: 'Slow', slug: 'slow', command: SLOW, hookType: 'pre_auth', config: { delayMs: 4000 }, failMode: 'open' }], { runtime });
    expect((await get(`${open.url}/t`, { 'x-slow': 'yes' })).status).toBe(200);
    expect(await (await fetch(`${open.url}/metrics`)).text()).toMatch(/edge_plugin_hook_calls_total\{plugin="slow",hook="processPreAuth",outcome="timeout"\} 1/);
  });
});

describe('client disconnects', { timeout: 120_000 }, () => {
  it('cancels a hook call in flight when the client goes away', async () => {
    const app = await start([{ id: 'slow', name: 'Slow', slug: 'slow', command: SLOW, hookType: 'pre_auth', config: { delayMs: 4000 }, failMode: 'closed' }]);
    const client = http.get(`${app.url}/t`, { agent: false, headers: { 'x-slow': 'yes' } });
    client.on('error', () => undefined);
    await new Promise((r) => setTimeout(r, 300));
    client.destroy();
    // Cancelled, the call ends as failed; uncancelled it would end ok after the plugin's 4 s (the poll gives up first).
    let metrics = '';
    for (let i = 0; i < 30 && !/hook="processPreAuth",outcome="failed"\} 1/.test(metrics); i++) {
      await new Promise((r) => setTimeout(r, 100));
      metrics = await (await fetch(`${app.url}/metrics`)).text();
    }
    expect(metrics).toMatch(/edge_plugin_hook_calls_total\{plugin="slow",hook="processPreAuth",outcome="failed"\} 1/);
  });
});

describe('edge gateway configuration', { timeout: 120_000 }, () => {
  it('streams without plugins and answers coded errors for a missing upstream', async () => {
    const app = await start([]);
    const res = await fetch(`${app.url}/post`, { method: 'POST', body: 'hello body', headers: { 'content-type': 'text/plain' } });
    expect(await res.json()).toMatchObject({ from: 'upstream', method: 'POST', body: 'hello body' });
    expect(res.headers.getSetCookie()).toHaveLength(2);
    // One keep-alive connection: a bodiless GET (sent upstream without piping the empty request) leaves it usable, and
    // a chunked body (no Content-Length) after it still streams upstream.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (method: string, chunks: string[]): Promise<{ json: { method: string; body: string }; socket: unknown }> => new Promise((resolve, reject) => {
      const u = new URL(app.url);
      const r = http.request({ agent, host: u.hostname, port: u.port, path: '/k', method, headers: chunks.length ? { 'transfer-encoding': 'chunked' } : {} }, (resp) => {
        let body = '';
        resp.on('data', (c: Buffer) => { body += c.toString(); });
        resp.on('end', () => resolve({ json: JSON.parse(body) as { method: string; body: string }, socket: resp.socket }));
      }).on('error', reject);
      for (const c of chunks) r.write(c);
      r.end();
    });
    const first = await send('GET', []);
    const second = await send('POST', ['chunk-1,', 'chunk-2']);
    const third = await send('GET', []);
    agent.destroy();
    expect(first.json).toMatchObject({ method: 'GET', body: '' });
    expect(second.json).toMatchObject({ method: 'POST', body: 'chunk-1,chunk-2' });
    expect(second.socket).toBe(first.socket);
    // The connection stays usable after a streamed body went upstream.
    expect(third.socket).toBe(first.socket);
    // Expect: 100-continue is answered by the edge (Node's server) and not forwarded; the body follows.
    const continued = await new Promise<{ status: number; json: { body: string; headers: Record<string, string> } }>((resolve, reject) => {
      const u = new URL(app.url);
      const r = http.request({ host: u.hostname, port: u.port, path: '/c', method: 'PUT', headers: { expect: '100-continue', 'content-length': 5 } }, (resp) => {
        let body = '';
        resp.on('data', (c: Buffer) => { body += c.toString(); });
        resp.on('end', () => resolve({ status: resp.statusCode ?? 0, json: JSON.parse(body) as { body: string; headers: Record<string, string> } }));
      }).on('error', reject);
      r.on('continue', () => r.end('12345'));
    });
    expect(continued).toMatchObject({ status: 200, json: { body: '12345' } });
    expect(continued.json.headers['expect']).toBeUndefined();
    // A large answer to a client that stops reading for a while arrives whole (the upstream is paused meanwhile).
    const big = await new Promise<Buffer>((resolve, reject) => {
      http.get(`${app.url}/big`, (resp) => {
        const parts: Buffer[] = [];
        resp.on('data', (c: Buffer) => { parts.push(c); if (parts.length === 1) { resp.pause(); setTimeout(() => resp.resume(), 300); } });
        resp.on('end', () => resolve(Buffer.concat(parts)));
      }).on('error', reject);
    });
    expect(big.length).toBe(8 * 1024 * 1024);
    expect(big[8 * 1024 * 1024 - 1]).toBe(127);
    const head = await fetch(`${app.url}/h`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    const abs = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const u = new URL(app.url);
      http.request({ host: u.hostname, port: u.port, path: 'http://example.com/x', method: 'GET' }, (r) => {
        let body = '';
        r.on('data', (c: Buffer) => { body += c.toString(); });
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      }).on('error', reject).end();
    });
    expect(abs.status).toBe(400);
    expect(JSON.parse(abs.body)).toMatchObject({ error: { code: 'EDGE_BAD_REQUEST' } });
    const none = await start([], { upstreamUrl: undefined });
    expect(await get(`${none.url}/x`)).toMatchObject({ status: 503, json: { error: { code: 'EDGE_NO_UPSTREAM' } } });
    const down = await start([], { upstreamUrl: 'http://127.0.0.1:1' });
    expect(await get(`${down.url}/x`)).toMatchObject({ status: 502, json: { error: { code: 'EDGE_UPSTREAM_UNAVAILABLE' } } });
  });

  it('gives data-collection plugins the start of a streamed request body', async () => {
    const logFile = join(work, 'stream.log');
    const app = await start([{ id: 'collect', name: 'Collect', slug: 'collect', command: FIXTURE, hookType: 'data_collection', config: { file: logFile } }]);
    const res = await fetch(`${app.url}/upload`, { method: 'POST', body: 'x'.repeat(200_000), headers: { 'content-type': 'text/plain', authorization: 'Bearer secret-token-value' } });
    expect(((await res.json()) as { body: string }).body).toHaveLength(200_000);
    for (let i = 0; i < 100 && !existsSync(logFile); i++) await new Promise((r) => setTimeout(r, 100));
    const text = readFileSync(logFile, 'utf8');
    const line = JSON.parse(text.trim().split('\n')[0]!) as { requestBytes: number; statusCode: number; responseBody: string };
    expect(line).toMatchObject({ requestBytes: 64 * 1024, statusCode: 200 });
    // The streamed response's first bytes are captured before the response finishes (the collector runs on finish).
    expect(line.responseBody.startsWith('{"from":"upstream"')).toBe(true);
    // No credential from the edge itself (the upstream's echo of the request headers in the response body aside).
    expect(JSON.stringify({ ...line, responseBody: '' })).not.toContain('secret-token-value');
  });

  it('rejects an invalid config file with every issue', async () => {
    const file = join(work, 'bad.json');
    writeFileSync(file, JSON.stringify({ plugins: [{ id: 'a', name: 'A', slug: 'Bad Slug', command: 'file://./x', hookType: 'nope' }], extra: 1 }));
    const err = await startEdgeApp(settings({ configFile: file }), { defaultMetrics: false }).then(() => undefined, (e: unknown) => e as { code: string; details: { issues: Array<{ path: string }> } });
    expect(err?.code).toBe('EDGE_CONFIG_INVALID');
    expect(err?.details.issues.map((i) => i.path).sort()).toEqual(['', 'plugins.0.hookType', 'plugins.0.slug']);
  });

  it('keeps going when one plugin is refused by the policy, reports its code, and a refused fail-closed plugin blocks', async () => {
    const app = await start([injector(), { id: 'evil', name: 'Evil', slug: 'evil', command: 'grpc://10.1.2.3:50051', hookType: 'pre_auth', failMode: 'open' }, { id: 'rel', name: 'Rel', slug: 'rel', command: 'file://./x', hookType: 'pre_auth' }]);
    // Refused plugins never silently disappear: they are listed with their error, and /health is degraded.
    expect(app.manager.list().map((p) => [p.id, p.state])).toEqual([['inject', 'running'], ['evil', 'error'], ['rel', 'error']]);
    const health = (await get(`${app.url}/health`)).json as { status: string; plugins: Array<{ id: string; error?: { code: string } }> };
    expect(health.status).toBe('degraded');
    expect(health.plugins.find((p) => p.id === 'evil')?.error?.code).toBe('RUNTIME_POLICY_DENIED');
    const r = await app.reload();
    expect(r.file?.failed).toEqual(expect.arrayContaining([
      expect.objectContaining({ id: 'evil', code: 'RUNTIME_POLICY_DENIED' }),
      expect.objectContaining({ id: 'rel', code: 'RUNTIME_COMMAND_INVALID', causeCode: expect.stringMatching(/^COMMAND_/) }),
    ]));
    // The fail-open refused plugin is skipped; the fail-closed one (the default) refuses the traffic it would have seen.
    const blocked = await get(`${app.url}/x`);
    expect(blocked.status).toBe(503);
    expect(blocked.json).toMatchObject({ error: { code: 'EDGE_PLUGIN_UNAVAILABLE' } });
    // With a request-side plugin the body is buffered for it, up to 10 MiB.
    const big = await fetch(`${app.url}/big`, { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'EDGE_BODY_TOO_LARGE' } });
  });
});

describe('per-route plugins', { timeout: 120_000 }, () => {
  it('runs a routed plugin only on its route and follows route changes on reload', async () => {
    const file = join(work, 'routes.json');
    const plugin = { ...injector(), config: { 'x-team': 'llm' } };
    const write = (routes: unknown[]) => writeFileSync(file, JSON.stringify({ plugins: [plugin], routes }));
    write([{ id: 'gpt', match: { llm: 'gpt-4o', methods: ['POST'] }, plugins: ['inject'] }, { id: 'free', match: { pathPrefix: '/free' }, plugins: [] }]);
    const app = await startEdgeApp(settings({ configFile: file }), { hostEnv: process.env, defaultMetrics: false });
    apps.push(app);
    const team = async (path: string, method = 'POST') => {
      const res = await fetch(`${app.url}${path}`, { method, body: method === 'POST' ? '{}' : null });
      return ((await res.json()) as { headers: Record<string, string> }).headers['x-team'];
    };
    expect(await team('/llm/rest/gpt-4o/v1/chat/completions')).toBe('llm');
    expect(await team('/llm/rest/gpt-4o/v1/models', 'GET')).toBeUndefined();
    expect(await team('/llm/rest/other/v1/chat/completions')).toBeUndefined();
    expect(await team('/free/x')).toBeUndefined();
    expect(await team('/elsewhere')).toBeUndefined();

    // Detached from every route, the plugin is global again; the cached chains follow the reload.
    write([{ id: 'free', match: { pathPrefix: '/free' }, plugins: [] }]);
    await app.reload();
    expect(await team('/elsewhere')).toBe('llm');
    expect(await team('/free/x')).toBe('llm');
  });

  it('answers a coded 502 when the upstream breaks off while a streamed body goes up', async () => {
    const broken = http.createServer((req) => { req.once('data', () => req.socket.destroy()); });
    await new Promise<void>((r) => broken.listen(0, '127.0.0.1', r));
    try {
      const app = await start([], { upstreamUrl: `http://127.0.0.1:${(broken.address() as AddressInfo).port}` });
      const body = Buffer.alloc(2 * 1024 * 1024, 1);
      const out = await new Promise<{ status: number; text: string; connection: string | undefined }>((resolve, reject) => {
        const u = new URL(app.url);
        const q = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/up', headers: { 'content-length': body.length }, agent: false }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => { text += c.toString(); });
          // The rest of the body is not read: the edge closes the connection after its answer.
          res.on('end', () => {
            const done = (): void => resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection });
            const socket = q.socket;
            if (!socket || socket.destroyed) done();
            else socket.once('close', done);
          });
        });
        q.on('error', reject);
        q.end(body);
      });
      expect(out).toMatchObject({ status: 502, connection: 'close' });
      expect(JSON.parse(out.text)).toMatchObject({ error: { code: 'EDGE_UPSTREAM_UNAVAILABLE' } });
    } finally {
      broken.closeAllConnections();
      await new Promise<void>((r) => broken.close(() => r()));
    }
  });

  it('cancels the upstream exchange when the client goes away (no hooks)', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((r) => { upstreamClosed = r; });
    let arrived!: () => void;
    const reached = new Promise<void>((r) => { arrived = r; });
    const hang = http.createServer((req) => { req.on('close', () => upstreamClosed()); arrived(); });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    try {
      const app = await start([], { upstreamUrl: `http://127.0.0.1:${(hang.address() as AddressInfo).port}` });
      const client = http.get(`${app.url}/hang`, { agent: false });
      client.on('error', () => undefined);
      await reached;
      client.destroy();
      await closed;
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  });
});

describe('studio sync', { timeout: 120_000 }, () => {
  it('adds, updates and removes plugins from GET /api/v1/plugin-set with the Bearer token, conditionally', async () => {
    const token = 'studio-token-0123456789';
    const agent = { id: 8, name: 'Agent', slug: 'agent', command: EXAMPLE('header-injector'), hook_type: 'pre_auth', plugin_type: 'agent', is_active: true, config: {} };
    let rows: unknown[] = [{ id: 7, name: 'Injector', slug: 'inj', command: EXAMPLE('header-injector'), hook_type: 'pre_auth', plugin_type: 'gateway', is_active: true, config: { 'x-team': 'green' } }, agent];
    let version = 1;
    const auths: string[] = [];
    const answers: number[] = [];
    const studio = http.createServer((req, res) => {
      auths.push(req.headers.authorization ?? '');
      if (req.headers.authorization !== `Bearer ${token}`) { res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"STUDIO_UNAUTHORIZED"}}'); return; }
      // Long-poll requests are held (the test drives syncs itself); plain ones answer 304 while the version is known.
      if (req.url?.includes('wait=')) return;
      const status = req.headers['if-none-match'] === `"v${version}"` ? 304 : 200;
      answers.push(status);
      if (status === 304) { res.writeHead(304, { etag: `"v${version}"` }).end(); return; }
      res.writeHead(200, { 'content-type': 'application/json', etag: `"v${version}"` }).end(JSON.stringify({ version, data: rows }));
    });
    await new Promise<void>((r) => studio.listen(0, '127.0.0.1', r));
    const studioUrl = `http://127.0.0.1:${(studio.address() as AddressInfo).port}`;
    try {
      const app = await startEdgeApp(settings({ studio: { url: studioUrl, token, syncIntervalMs: 3_600_000 } }), { hostEnv: process.env, defaultMetrics: false });
      apps.push(app);
      expect(app.manager.list().map((p) => p.id)).toEqual(['studio-7']);
      expect(((await get(`${app.url}/s`)).json['headers'] as Record<string, string>)['x-team']).toBe('green');

      expect(await app.syncStudio()).toMatchObject({ unchanged: ['studio-7'] });
      expect(answers).toEqual([200, 304]);
      rows = [{ ...(rows[0] as object), config: { 'x-team': 'red' } }, agent];
      version = 2;
      expect(await app.syncStudio()).toMatchObject({ updated: ['studio-7'] });
      expect(((await get(`${app.url}/s`)).json['headers'] as Record<string, string>)['x-team']).toBe('red');

      rows = [];
      version = 3;
      expect(await app.syncStudio()).toMatchObject({ removed: ['studio-7'] });
      expect(app.manager.list()).toEqual([]);
      expect(auths.every((a) => a === `Bearer ${token}`)).toBe(true);

      // A studio that refuses the token leaves the current set alone.
      const wrong = await startEdgeApp(settings({ studio: { url: studioUrl, token: 'wrong-token-0123456789', syncIntervalMs: 3_600_000 } }), { defaultMetrics: false });
      apps.push(wrong);
      expect(await wrong.syncStudio()).toBeUndefined();
      expect(await (await fetch(`${wrong.url}/metrics`)).text()).toMatch(/edge_plugin_syncs_total\{source="studio",result="error"\} [2-9]/);
    } finally {
      studio.closeAllConnections();
      await new Promise<void>((r) => studio.close(() => r()));
    }
  });
});
