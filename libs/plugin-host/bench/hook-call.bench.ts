// Hook-call latency and CPU per call through @plugway/plugin-host vs a bare call with the same node:http2 client
// (H2UnaryClient), a bare grpc-js unary call and a bare @connectrpc/connect-node call (gRPC protocol) to the same plugin
// process (the one the host launched), and cold start (launch → handshake → healthy) vs a bare process start. Runs the SDK's header-injector example (compiled:
// plugin-sdk's build is brought up to date first, so examples/run-plugin.sh starts examples/dist/, not tsx) and, when
// tools/go-plugins/build.sh can build it, the Go go-plugin echo-plugin. Prints tables; asserts nothing. The host side
// (this process: the host path and the bare clients alike) runs through tsx.
// Also the callee's CPU per call: the plugin process's utime+stime from /proc/<pid>/stat over BENCH_CPU_CALLS bare
// node:http2 calls (the same client and request for the Go and the TS plugin).
// Knobs: BENCH_CALLS (default 2000, in interleaved blocks of 200 per client), BENCH_COLD (default 5), BENCH_CPU_CALLS
// (default 10000), BENCH_ONLY_GO=1 (the Go plugin only).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { pluginpb } from '@plugway/proto';
import { launchPlugin } from '@plugway/plugin-host';
import { H2UnaryClient } from '../src/h2-client.js';
import { connectPreAuth } from './connect-client.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const N = Number(process.env.BENCH_CALLS ?? 2000);
const BLOCK = 200;
const CPU_CALLS = Number(process.env.BENCH_CPU_CALLS ?? 10_000);
const TICK_US = 1e6 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);
// utime + stime of one process (the plugin: the example's sh wrapper execs node, so the pid is the plugin's).
const cpuUs = (pid: number): number => {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US;
};
const COLD = Number(process.env.BENCH_COLD ?? 5);
const REQ = { method: 'GET', path: '/v1/chat', headers: { accept: 'application/json', 'x-request-id': 'bench' } };

const pct = (xs: number[], p: number): number => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (x: number): string => `${x.toFixed(3)} ms`;

// The bare clients call the very process the host launched (its listening unix socket, found through /proc: the
// socket inodes among the process's descriptors, looked up in /proc/net/unix), so host and bare calls reach the same
// plugin process: separately started Node processes differ in CPU per call, which a second process would add.
function listeningSocket(pid: number): string {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try { const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`)); if (m) inodes.add(m[1]!); } catch { /* closed meanwhile */ }
  }
  // /proc/net/unix columns: Num RefCount Protocol Flags Type St Inode Path; flags 00010000 = __SO_ACCEPTCON (listening).
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 8 && f[3] === '00010000' && inodes.has(f[6]!)) return f[7]!;
  }
  throw new Error(`plugin process ${pid} has no listening unix socket`);
}

function joinBare(pid: number): { client: pluginpb.PluginServiceClient; h2: H2UnaryClient; connect: ReturnType<typeof connectPreAuth> } {
  const address = listeningSocket(pid);
  const client = new pluginpb.PluginServiceClient(`unix:${address}`, grpc.credentials.createInsecure());
  const h2 = new H2UnaryClient({ kind: 'unix', path: address });
  return { client, h2, connect: connectPreAuth(REPO, address) };
}

async function benchCalls(label: string, path: string): Promise<Record<string, Record<string, string>>> {
  const conn = await launchPlugin({ path, hostEnv: process.env, startupTimeoutMs: 60_000 });
  const pid = conn.pid;
  if (pid === undefined) throw new Error(`${label}: the launched plugin has no pid`);
  const bare = joinBare(pid);
  const request = pluginpb.PluginRequest.fromPartial(REQ);
  const def = pluginpb.PluginServiceService.processPreAuth;
  // What the host does per call, minus the host: encode the partial request, call, decode.
  const h2Call = async (): Promise<void> => {
    const out = await bare.h2.unary(def.path, def.requestSerialize(pluginpb.PluginRequest.fromPartial(REQ)), { deadlineMs: 5000 });
    if (!out.ok) throw new Error(out.details);
    def.responseDeserialize(out.message);
  };
  const clients: Array<[string, () => Promise<void>]> = [
    ['through host', async () => {
      const out = await conn.callHook('processPreAuth', REQ);
      if (out.status !== 'ok') throw out.error;
    }],
    ['bare node:http2 client', h2Call],
    ['bare grpc-js', () => new Promise((resolve, reject) => bare.client.processPreAuth(request, (err) => (err ? reject(err) : resolve())))],
    ['bare connect-node (gRPC)', () => bare.connect(REQ)],
  ];
  for (let i = 0; i < 200; i++) for (const [, call] of clients) await call(); // warm-up
  const lat = new Map<string, number[]>(clients.map(([n]) => [n, []]));
  const cpu = new Map<string, number>(clients.map(([n]) => [n, 0]));
  // Interleaved blocks of BLOCK calls per client, so background load hits every client alike; CPU is this process's
  // (user + system) over each block, the plugin's not included.
  for (let done = 0; done < N; done += BLOCK) {
    for (const [name, call] of clients) {
      const times = lat.get(name)!;
      const before = process.cpuUsage();
      for (let i = 0; i < BLOCK; i++) {
        const t = performance.now();
        await call();
        times.push(performance.now() - t);
      }
      const used = process.cpuUsage(before);
      cpu.set(name, cpu.get(name)! + used.user + used.system);
    }
  }
  // Callee CPU per call: only bare node:http2 calls in this window, so the plugin's CPU is theirs.
  const calleeUs = async (inFlight: number): Promise<number> => {
    const before = cpuUs(pid);
    let left = CPU_CALLS;
    await Promise.all(Array.from({ length: inFlight }, async () => { while (left-- > 0) await h2Call(); }));
    return (cpuUs(pid) - before) / CPU_CALLS;
  };
  const calleeSeq = await calleeUs(1);
  const calleeConc = await calleeUs(8);
  bare.client.close();
  bare.h2.close();
  await conn.close();
  const rows: Record<string, Record<string, string>> = {};
  for (const [name] of clients) {
    const xs = lat.get(name)!;
    rows[`${label}: ${name}`] = { p50: ms(pct(xs, 50)), p99: ms(pct(xs, 99)), 'CPU µs/call': (cpu.get(name)! / xs.length).toFixed(1) };
  }
  const p50 = (n: string): number => pct(lat.get(n)!, 50);
  const perCall = (n: string): number => cpu.get(n)! / lat.get(n)!.length;
  const ratio = (a: string, b: string): Record<string, string> => ({ p50: (p50(a) / p50(b)).toFixed(2), p99: (pct(lat.get(a)!, 99) / pct(lat.get(b)!, 99)).toFixed(2), 'CPU µs/call': (perCall(a) / perCall(b)).toFixed(2) });
  rows[`${label}: ratio host/bare (same client)`] = ratio('through host', 'bare node:http2 client');
  rows[`${label}: ratio bare http2/bare grpc-js`] = ratio('bare node:http2 client', 'bare grpc-js');
  rows[`${label}: ratio bare connect-node/bare http2`] = ratio('bare connect-node (gRPC)', 'bare node:http2 client');
  rows[`${label}: plugin CPU µs per call (1 in flight)`] = { p50: calleeSeq.toFixed(1), p99: '', 'CPU µs/call': '' };
  rows[`${label}: plugin CPU µs per call (8 in flight)`] = { p50: calleeConc.toFixed(1), p99: '', 'CPU µs/call': '' };
  return rows;
}

async function coldStart(label: string, path: string): Promise<Record<string, Record<string, string>>> {
  const cold: number[] = [];
  for (let i = 0; i < COLD; i++) {
    const t = performance.now();
    const c = await launchPlugin({ path, hostEnv: process.env, startupTimeoutMs: 60_000 });
    cold.push(performance.now() - t);
    await c.close();
  }
  return { [`${label}: launch → healthy`]: { p50: ms(pct(cold, 50)), max: ms(Math.max(...cold)) } };
}

// The TypeScript plugin runs as shipped: compiled (examples/dist/, written by plugin-sdk's build, run when stale).
if (!process.env.BENCH_ONLY_GO) {
  const { ensureBuilt } = (await import(new URL('../../../tools/ensure-built.mjs', import.meta.url).href)) as { ensureBuilt: (...names: string[]) => void };
  ensureBuilt('@plugway/plugin-sdk');
}
const plugins: Array<[string, string]> = process.env.BENCH_ONLY_GO ? [] : [['TS SDK', `${REPO}examples/header-injector/plugin`]];
const goDir = mkdtempSync(join(tmpdir(), 'bench-go-'));
const built = spawnSync(`${REPO}tools/go-plugins/build.sh`, [goDir, 'echo-plugin'], { encoding: 'utf8', timeout: 600_000 });
if (built.status === 0) plugins.push(['Go go-plugin', built.stdout.trim().split('\n').at(-1)!]);
else console.log(`(Go echo-plugin not built, exit ${built.status}: ${built.stderr.trim().split('\n').at(-1) ?? ''}; Go rows skipped)`);

try {
  const calls: Record<string, Record<string, string>> = {};
  const starts: Record<string, Record<string, string>> = {};
  for (const [label, path] of plugins) Object.assign(calls, await benchCalls(label, path));
  for (const [label, path] of plugins) Object.assign(starts, await coldStart(label, path));
  const bareStart: number[] = [];
  for (let i = 0; i < COLD; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '']);
    bareStart.push(performance.now() - t);
  }
  starts['bare node -e "" (spawn → exit)'] = { p50: ms(pct(bareStart, 50)), max: ms(Math.max(...bareStart)) };
  const tsCold = starts['TS SDK: launch → healthy'];
  if (tsCold) starts['ratio TS launch / bare node'] = { p50: (Number.parseFloat(tsCold.p50!) / pct(bareStart, 50)).toFixed(2), max: '' };

  console.log(`hook call (ProcessPreAuth, ${N} calls each, unix socket, interleaved blocks of ${BLOCK}; CPU: this process only)`);
  console.table(calls);
  for (const n of [1, 8]) {
    const cpuOf = (label: string): number => Number(calls[`${label}: plugin CPU µs per call (${n} in flight)`]?.p50);
    if (cpuOf('Go go-plugin') && cpuOf('TS SDK')) console.log(`plugin CPU per call, TS SDK / Go go-plugin, ${n} in flight: ${(cpuOf('TS SDK') / cpuOf('Go go-plugin')).toFixed(2)} (goal ≤ 1.5)`);
  }
  console.log(`cold start (${COLD} runs each)`);
  console.table(starts);
} finally {
  rmSync(goDir, { recursive: true, force: true });
}
