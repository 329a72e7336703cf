// An AI Studio-style Go plugin (hashicorp go-plugin, AI_STUDIO_PLUGIN=v1, Go code generated from plugway's contract
// .proto: tools/go-plugins/echo-plugin) behind the edge via file://, grpc:// (its own plain gRPC server) and oci://.
// The plugin records every request it gets and answers what its config says, so every field of every hook message
// the edge sends and receives is checked here with distinct values, and context_updates must reach later hooks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pluginpb } from '@plugway/proto';
import { pushPlugin, RegistryClient } from '@plugway/oci';
import type { PluginSpecInput } from '@plugway/runtime';
import { startRegistry, type TestRegistry } from '../../../tools/test-registry/index.mjs';
import { startEdgeApp, type EdgeApp } from './index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const LLM = { id: 7, slug: 'gpt-test', vendor: 'openai' };

let work = '';
let binary = '';
let reg: TestRegistry;
let upstream: http.Server;
let upstreamUrl = '';
let seenUpstream: { headers: http.IncomingHttpHeaders; body: string } | undefined;
let remote: ChildProcess | undefined;
let remotePort = 0;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'edge-go-'));
  // Plugins run sandboxed (as nobody when the tests run as root): they write their records into a world-writable dir.
  chmodSync(work, 0o711);
  mkdirSync(join(work, 'rec'), { mode: 0o1777 });
  chmodSync(join(work, 'rec'), 0o1777);
  const r = spawnSync(`${REPO}/tools/go-plugins/build.sh`, [work, 'echo-plugin'], { encoding: 'utf8', timeout: 550_000 });
  if (r.status !== 0) throw new Error(`tools/go-plugins/build.sh failed (${r.status}): ${r.stderr}`);
  binary = r.stdout.trim().split('\n').at(-1)!;
  upstream = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seenUpstream = { headers: req.headers, body: Buffer.concat(chunks).toString() };
      if (req.url === '/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        setTimeout(() => res.end('data: two\n\n'), 50);
        return;
      }
      res.writeHead(201, { 'content-type': 'application/json', 'x-up': 'u1' }).end('{"from":"upstream"}');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  // grpc://: the same Go binary as a plain gRPC server with only plugin.PluginService (no go-plugin, no health service).
  remote = spawn(binary, [], { env: { ECHO_PLUGIN_LISTEN: '127.0.0.1:0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  remotePort = await new Promise<number>((resolve, reject) => {
    remote!.stdout!.once('data', (d: Buffer) => resolve(Number(/:(\d+)/.exec(d.toString())?.[1])));
    remote!.once('exit', (code) => reject(new Error(`remote plugin exited ${code}`)));
  });
  reg = await startRegistry();
  await pushPlugin({ client: new RegistryClient({ registry: reg.host }), repository: 'plugins/echo-go', tag: '1.0.0', file: binary });
}, 600_000);
afterAll(async () => {
  remote?.kill();
  upstream?.closeAllConnections();
  upstream?.close();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

// What each hook answers: distinct values in every field.
const ANSWERS = {
  ProcessPreAuth: pluginpb.PluginResponse.fromPartial({
    modified: true, headers: { 'x-api-key': 'key-from-pre', 'x-pre': 'p1', 'content-type': 'text/plain' }, body: Buffer.from('pre-body'),
    contextUpdates: { 'pre-key': 'pre-val', shared: 'from-pre' },
  }),
  Authenticate: pluginpb.AuthResponse.fromPartial({ authenticated: true, userId: '41', appId: '42', claims: { role: 'admin', team: 'red' } }),
  ProcessPostAuth: pluginpb.PluginResponse.fromPartial({
    modified: true, headers: { 'x-post': 'p2', 'content-type': 'text/plain' }, body: Buffer.from('post-body'),
    contextUpdates: { 'post-key': 'post-val', shared: 'from-post' },
  }),
  OnBeforeWriteHeaders: pluginpb.HeadersResponse.fromPartial({ modified: true, headers: { 'content-type': 'application/json', 'x-resp-h': 'h1' } }),
  OnBeforeWrite: pluginpb.ResponseWriteResponse.fromPartial({ modified: true, body: Buffer.from('final-body'), headers: { 'content-type': 'text/plain', 'x-resp-w': 'w1' } }),
};
const RESPONSE_CODECS = {
  ProcessPreAuth: pluginpb.PluginResponse, Authenticate: pluginpb.AuthResponse, ProcessPostAuth: pluginpb.PluginResponse,
  OnBeforeWriteHeaders: pluginpb.HeadersResponse, OnBeforeWrite: pluginpb.ResponseWriteResponse,
} as const;

function pluginConfig(record: string): Record<string, string> {
  const config: Record<string, string> = { record };
  for (const [rpc, answer] of Object.entries(ANSWERS)) config[`respond.${rpc}`] = JSON.stringify(RESPONSE_CODECS[rpc as keyof typeof ANSWERS].toJSON(answer as never));
  return config;
}

const HOOKS = [['pre', 'pre_auth'], ['auth', 'auth'], ['post', 'post_auth'], ['resp', 'on_response'], ['collect', 'data_collection']] as const;

async function startEdge(command: string, record: string, hooks: ReadonlyArray<readonly [string, PluginSpecInput['hookType']]> = HOOKS, answers: Record<string, string> = {}): Promise<EdgeApp> {
  const plugins: PluginSpecInput[] = hooks.map(([id, hookType]) => ({ id, name: id, slug: id, command, hookType, config: { ...pluginConfig(record), ...answers } }));
  const file = join(work, `edge-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ llm: LLM, plugins }));
  return startEdgeApp({
    runtime: {
      policy: { allowlist: [`${work}/**`, `grpc://127.0.0.1:${remotePort}`], allowedRegistries: [reg.host] },
      oci: { enabled: true, cacheDir: join(work, `cache-${Math.random().toString(36).slice(2)}`), requireSignature: false },
      pluginHost: { startupTimeoutMs: 30_000, callTimeoutMs: 10_000, shutdownTimeoutMs: 2_000, maxRestarts: 1, restartWindowMs: 60_000, restartBackoffMs: 50 },
    },
    http: { host: '127.0.0.1', port: 0 }, configFile: file, upstreamUrl, studio: undefined,
  }, { hostEnv: process.env, defaultMetrics: false });
}

function post(url: string, headers: Record<string, string>, body: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

type Recorded = Record<string, unknown[]>;
async function readRecord(file: string, until: (r: Recorded) => boolean): Promise<Recorded> {
  let out: Recorded = {};
  for (let i = 0; i < 100; i++) {
    out = {};
    if (existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').trim().split('\n')) {
        const { method, request } = JSON.parse(line) as { method: string; request: unknown };
        (out[method] ??= []).push(request);
      }
    }
    if (until(out)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return out;
}

async function roundTrip(command: string): Promise<void> {
  const record = join(work, 'rec', `record-${Math.random().toString(36).slice(2)}.jsonl`);
  const app = await startEdge(command, record);
  try {
    for (const [id] of HOOKS) expect(app.manager.getStatus(id)).toMatchObject({ state: 'running' });
    const url = new URL(app.url);
    const clientHeaders = { 'x-api-key': 'client-key', 'x-request-id': 'req-1', traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE', 'content-type': 'application/octet-stream' };
    const res = await post(`${app.url}/v1/chat?x=1`, clientHeaders, 'client-body');

    // What the client and the upstream got: every answer field the edge applies.
    expect(res.status).toBe(201);
    expect(res.body).toBe('final-body');
    expect(res.headers).toMatchObject({ 'x-resp-w': 'w1', 'content-type': 'text/plain', 'content-length': '10' });
    expect(seenUpstream?.body).toBe('post-body');
    expect(seenUpstream?.headers).toMatchObject({ 'x-post': 'p2', 'x-plugway-user-id': '41', 'x-plugway-app-id': '42', 'x-request-id': 'req-1' });
    expect(seenUpstream?.headers['x-pre']).toBeUndefined(); // post_auth replaced the headers pre_auth had set

    const rec = await readRecord(record, (r) => Boolean(r['HandleProxyLog'] && r['HandleAnalytics']));
    const ctx0 = { requestId: 'req-1', vendor: 'openai', llmId: 7, llmSlug: 'gpt-test', appId: 0, userId: 0, metadata: {}, traceContext: { traceparent: TRACEPARENT, tracestate: 'congo=t61rcWkgMzE' } };
    const ctxAuth = { ...ctx0, metadata: { 'pre-key': 'pre-val', shared: 'from-pre' } };
    const ctxPost = { ...ctxAuth, appId: 42, userId: 41 };
    const ctxFinal = { ...ctxPost, metadata: { 'pre-key': 'pre-val', 'post-key': 'post-val', shared: 'from-post' } };
    const remoteAddr = '127.0.0.1';

    expect(pluginpb.PluginRequest.fromJSON(rec['ProcessPreAuth']![0])).toEqual(pluginpb.PluginRequest.fromPartial({
      method: 'POST', path: '/v1/chat?x=1', body: Buffer.from('client-body'), remoteAddr, context: ctx0,
      headers: { ...clientHeaders, host: url.host, 'content-length': '11', connection: 'close' },
    }));
    const afterPre = { 'x-api-key': 'key-from-pre', 'x-pre': 'p1', 'content-type': 'text/plain', 'x-request-id': 'req-1' };
    expect(pluginpb.AuthRequest.fromJSON(rec['Authenticate']![0])).toEqual(pluginpb.AuthRequest.fromPartial({
      credential: 'key-from-pre', authType: 'api_key', context: ctxAuth,
      request: { method: 'POST', path: '/v1/chat?x=1', headers: afterPre, body: Buffer.from('pre-body'), remoteAddr, context: ctxAuth },
    }));
    expect(pluginpb.EnrichedRequest.fromJSON(rec['ProcessPostAuth']![0])).toEqual(pluginpb.EnrichedRequest.fromPartial({
      userId: '41', appId: '42', authClaims: { role: 'admin', team: 'red' }, authenticated: true,
      request: { method: 'POST', path: '/v1/chat?x=1', headers: afterPre, body: Buffer.from('pre-body'), remoteAddr, context: ctxPost },
    }));
    const upHeaders = pluginpb.HeadersRequest.fromJSON(rec['OnBeforeWriteHeaders']![0]);
    expect(upHeaders.context).toEqual(ctxFinal);
    expect(upHeaders.headers).toMatchObject({ 'content-type': 'application/json', 'x-up': 'u1' });
    expect(pluginpb.ResponseWriteRequest.fromJSON(rec['OnBeforeWrite']![0])).toEqual(pluginpb.ResponseWriteRequest.fromPartial({
      body: Buffer.from('{"from":"upstream"}'), headers: { 'content-type': 'application/json', 'x-resp-h': 'h1' }, isStreamChunk: false, context: ctxFinal,
    }));
    const log = pluginpb.ProxyLogRequest.fromJSON(rec['HandleProxyLog']![0]);
    expect(Number(log.timestamp)).toBeGreaterThan(Date.now() / 1000 - 120);
    expect(log).toEqual(pluginpb.ProxyLogRequest.fromPartial({
      appId: 42, userId: 41, vendor: 'openai', requestBody: Buffer.from('post-body'), responseBody: Buffer.from('final-body'), responseCode: 201,
      timestamp: log.timestamp, requestId: 'req-1', context: ctxFinal,
    }));
    const analytics = pluginpb.AnalyticsRequest.fromJSON(rec['HandleAnalytics']![0]);
    expect(analytics).toEqual(pluginpb.AnalyticsRequest.fromPartial({ llmId: 7, vendor: 'openai', appId: 42, userId: 41, timestamp: log.timestamp, requestId: 'req-1', context: ctxFinal }));
  } finally {
    await app.close();
  }
}

describe('an AI Studio-style Go plugin behind the edge', { timeout: 180_000 }, () => {
  it('file://: every field of every hook message round-trips; context_updates reach later hooks', async () => {
    await roundTrip(`file://${binary}`);
  });

  it('grpc:// (a plain gRPC server without go-plugin or grpc.health.v1): the same round trip, health from Ping', async () => {
    await roundTrip(`grpc://127.0.0.1:${remotePort}`);
  });

  it('oci:// (pulled from a real registry): the same round trip', async () => {
    await roundTrip(`oci://${reg.host}/plugins/echo-go:1.0.0`);
  });

  it('applies block, status_code, headers, body and error_message of a blocking answer, and an auth refusal', async () => {
    const record = join(work, 'rec', 'block.jsonl');
    const block = (answer: pluginpb.PluginResponse) => ({ 'respond.ProcessPreAuth': JSON.stringify(pluginpb.PluginResponse.toJSON(answer)) });
    const withBody = await startEdge(`file://${binary}`, record, [['pre', 'pre_auth']],
      block(pluginpb.PluginResponse.fromPartial({ block: true, statusCode: 429, headers: { 'x-blocked': 'yes' }, body: Buffer.from('blocked-body'), errorMessage: 'ignored with a body' })));
    try {
      const r = await post(`${withBody.url}/x`, {}, '');
      expect(r).toMatchObject({ status: 429, body: 'blocked-body', headers: { 'x-blocked': 'yes' } });
    } finally { await withBody.close(); }
    const noBody = await startEdge(`file://${binary}`, record, [['pre', 'pre_auth'], ['auth', 'auth']],
      block(pluginpb.PluginResponse.fromPartial({ block: true, statusCode: 451, errorMessage: 'not here' })));
    try {
      const r = await post(`${noBody.url}/x`, {}, '');
      expect(r.status).toBe(451);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'EDGE_REQUEST_BLOCKED', message: 'not here' } });
    } finally { await noBody.close(); }
    const refused = await startEdge(`file://${binary}`, record, [['auth', 'auth']],
      { 'respond.Authenticate': JSON.stringify(pluginpb.AuthResponse.toJSON(pluginpb.AuthResponse.fromPartial({ authenticated: false, errorMessage: 'key revoked' }))) });
    try {
      const r = await post(`${refused.url}/x`, { authorization: 'Bearer tok-1' }, '');
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'EDGE_AUTH_REJECTED', message: 'key revoked' } });
    } finally { await refused.close(); }
  });

  it('runs a streamed response through OnBeforeWrite per chunk and OnStreamComplete at the end', async () => {
    const record = join(work, 'rec', 'stream.jsonl');
    const app = await startEdge(`file://${binary}`, record, [['resp', 'on_response']], {
      'respond.OnBeforeWriteHeaders': '{}',
      'respond.OnBeforeWrite': JSON.stringify(pluginpb.ResponseWriteResponse.toJSON(pluginpb.ResponseWriteResponse.fromPartial({ modified: true, body: Buffer.from('chunk!') }))),
    });
    try {
      const r = await post(`${app.url}/sse`, { 'x-request-id': 'sse-1' }, 'question');
      const rec = await readRecord(record, (x) => Boolean(x['OnStreamComplete']));
      const chunks = rec['OnBeforeWrite']!.map((c) => pluginpb.ResponseWriteRequest.fromJSON(c));
      expect(chunks.length).toBeGreaterThanOrEqual(1);
      expect(chunks.map((c) => Buffer.from(c.body).toString()).join('')).toBe('data: one\n\ndata: two\n\n');
      const upHeaders = chunks[0]!.headers;
      expect(upHeaders['content-type']).toBe('text/event-stream');
      expect(chunks.every((c) => c.isStreamChunk && c.context?.requestId === 'sse-1' && c.context.llmSlug === 'gpt-test')).toBe(true);
      expect(r.body).toBe('chunk!'.repeat(chunks.length));
      const done = pluginpb.StreamCompleteRequest.fromJSON(rec['OnStreamComplete']![0]);
      expect(done).toEqual(pluginpb.StreamCompleteRequest.fromPartial({
        accumulatedResponse: Buffer.from('chunk!'.repeat(chunks.length)), headers: upHeaders, statusCode: 200,
        chunkCount: chunks.length, requestBody: Buffer.from('question'), context: chunks[0]!.context!,
      }));
    } finally { await app.close(); }
  });
});
