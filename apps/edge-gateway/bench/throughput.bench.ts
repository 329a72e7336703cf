// Gateway throughput and latency with no plugin vs one pre_auth hook (examples/header-injector as a real child process),
// over loopback with a bounded request loop. Run: `npm run bench edge-gateway` (or `npm run bench -w @plugway/edge-gateway`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEdgeApp, type EdgeApp } from '../src/index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 3000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 8);
const WARMUP = 300;

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function request(url: URL): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    http.get(url, { agent }, (res) => { res.resume(); res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`status ${res.statusCode}`)))); }).on('error', reject);
  });
}

async function run(base: string, n: number): Promise<{ rps: number; p50: number; p99: number }> {
  const url = new URL('/bench', base);
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next++ < n) lat.push(await request(url)); }));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
  return { rps: lat.length / secs, p50: q(0.5), p99: q(0.99) };
}

const upstream = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
const work = mkdtempSync(join(tmpdir(), 'edge-bench-'));

async function gateway(plugins: unknown[]): Promise<EdgeApp> {
  const file = join(work, `edge-${plugins.length}.json`);
  writeFileSync(file, JSON.stringify({ plugins }));
  return startEdgeApp({
    runtime: { policy: { allowlist: [`${REPO}/examples/**`] }, pluginHost: { startupTimeoutMs: 60_000, callTimeoutMs: 5_000, shutdownTimeoutMs: 2_000, maxRestarts: 5, restartWindowMs: 60_000, restartBackoffMs: 100 } },
    http: { host: '127.0.0.1', port: 0 }, configFile: file, upstreamUrl, studio: undefined,
  }, { hostEnv: process.env, defaultMetrics: false });
}

const rows: Array<{ case: string; rps: number; p50: number; p99: number }> = [];
try {
  const direct = await run(upstreamUrl, REQUESTS);
  rows.push({ case: 'upstream direct', ...direct });
  const bare = await gateway([]);
  await run(bare.url, WARMUP);
  rows.push({ case: 'gateway, no plugins', ...(await run(bare.url, REQUESTS)) });
  await bare.close();
  const hooked = await gateway([{ id: 'inject', name: 'Injector', slug: 'inject', command: `file://${REPO}/examples/header-injector/plugin`, hookType: 'pre_auth' }]);
  await run(hooked.url, WARMUP);
  rows.push({ case: 'gateway, 1 pre_auth hook', ...(await run(hooked.url, REQUESTS)) });
  await hooked.close();
} finally {
  agent.destroy();
  upstream.close();
  rmSync(work, { recursive: true, force: true });
}

console.log(`${REQUESTS} requests, concurrency ${CONCURRENCY}, loopback (node ${process.version})`);
console.table(rows.map((r) => ({ case: r.case, 'req/s': Math.round(r.rps), 'p50 ms': r.p50.toFixed(2), 'p99 ms': r.p99.toFixed(2) })));
const [, none, one] = rows;
if (none && one) {
  console.log(`throughput ratio (1 hook / none): ${(one.rps / none.rps).toFixed(2)}`);
  console.log(`added latency per pre_auth hook: p50 +${(one.p50 - none.p50).toFixed(2)} ms, p99 +${(one.p99 - none.p99).toFixed(2)} ms`);
}
