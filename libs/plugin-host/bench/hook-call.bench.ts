// Hook-call latency through the plugin host vs a bare grpc-js unary call to the same plugin, and cold start
// (launch → handshake → healthy) vs a bare process start. Prints numbers; asserts nothing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { pluginpb } from '@plugway/proto';
import { launchPlugin } from '@plugway/plugin-host';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PLUGIN = `${REPO}examples/header-injector/plugin`;
const N = Number(process.env.BENCH_CALLS ?? 2000);
const COLD = Number(process.env.BENCH_COLD ?? 5);

const pct = (xs: number[], p: number): number => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (x: number): string => `${x.toFixed(3)} ms`;

const conn = await launchPlugin({ path: PLUGIN, hostEnv: process.env, startupTimeoutMs: 30_000 });
const req = { method: 'GET', path: '/v1/chat', headers: { accept: 'application/json', 'x-request-id': 'bench' } };

// Find the plugin's socket from its handshake by asking the host's channel target.
const target = (conn as unknown as { opts: { target: string } }).opts.target;
const bare = new pluginpb.PluginServiceClient(target, grpc.credentials.createInsecure());
const bareCall = (): Promise<void> => new Promise((resolve, reject) => bare.processPreAuth(pluginpb.PluginRequest.fromPartial(req), (err) => (err ? reject(err) : resolve())));

for (let i = 0; i < 200; i++) { await conn.callHook('processPreAuth', req); await bareCall(); } // warm-up

const host: number[] = [];
const raw: number[] = [];
for (let i = 0; i < N; i++) {
  let t = performance.now();
  await conn.callHook('processPreAuth', req);
  host.push(performance.now() - t);
  t = performance.now();
  await bareCall();
  raw.push(performance.now() - t);
}
bare.close();
await conn.close();

const cold: number[] = [];
for (let i = 0; i < COLD; i++) {
  const t = performance.now();
  const c = await launchPlugin({ path: PLUGIN, hostEnv: process.env, startupTimeoutMs: 30_000 });
  cold.push(performance.now() - t);
  await c.close();
}
const bareStart: number[] = [];
for (let i = 0; i < COLD; i++) {
  const t = performance.now();
  spawnSync(process.execPath, ['-e', '']);
  bareStart.push(performance.now() - t);
}

console.log(`hook call (ProcessPreAuth, ${N} calls, unix socket)`);
console.table({
  'through host': { p50: ms(pct(host, 50)), p99: ms(pct(host, 99)) },
  'bare grpc-js': { p50: ms(pct(raw, 50)), p99: ms(pct(raw, 99)) },
  'ratio host/bare': { p50: (pct(host, 50) / pct(raw, 50)).toFixed(2), p99: (pct(host, 99) / pct(raw, 99)).toFixed(2) },
});
console.log(`cold start (${COLD} runs; the example plugin runs TypeScript through tsx)`);
console.table({
  'launch → healthy': { p50: ms(pct(cold, 50)), max: ms(Math.max(...cold)) },
  'bare node -e ""': { p50: ms(pct(bareStart, 50)), max: ms(Math.max(...bareStart)) },
  ratio: { p50: (pct(cold, 50) / pct(bareStart, 50)).toFixed(2), max: '' },
});
