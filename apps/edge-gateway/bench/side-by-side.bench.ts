// The edge next to its floors, in one run with interleaved rounds and medians (`npm run bench side-by-side`):
// nginx (Debian) as a proxy and with auth_request to a small Go auth service, a minimal node:http proxy without and
// with one gRPC call per request (raw node:http2 framing, plugway's node:http2 hook client, @grpc/grpc-js and @connectrpc/connect-node),
// for reference the same minimal proxy forwarding through undici (the edge's upstream client), and the edge with 0 hooks, 10 hooks on
// another route, 1 Go go-plugin hook, 1 TypeScript SDK hook and 10 Go hooks, and one more edge process switched by
// reloads between no plugins and 10 hooks on another route (the route goal with the process held constant). wrk drives each target with keep-alive
// connections against the same nginx upstream; CPU per request is read from /proc for the proxy process and,
// separately, for what it calls (plugins, the auth service). Asserts nothing; prints a table and the issue's ratios.
// Knobs: BENCH_ROUNDS (5), BENCH_SECONDS (4), BENCH_SLICES (4), BENCH_CONNECTIONS (8), BENCH_FRESH (default 1: a new Node process per round; 0: one long-lived process per target), BENCH_WARMUP (5 s per process: the hooked edge's JIT takes seconds to settle), BENCH_SAMPLES (1: print every sample), BENCH_ONLY (target names, ';'-separated; the
// diagnostic targets "edge, 10 hooks on another route, plugins SIGSTOPped" and those ending in "(diag)" — one hook on
// another route, ten remote (grpc://) hooks on another route, and "edge A/A, no plugins (diag)", a second plugin-less
// edge as an A/A control — run only when named there),
// BENCH_CPU_PROF (a directory: the Node targets run with --cpu-prof and write their profiles there when stopped),
// BENCH_NODE_ARGS (extra node options for the Node targets, space-separated), BENCH_AB_NODE_ARGS (';'-separated
// variants of node options: every Node target runs again with each, interleaved, named "… [options]" — an A/B in one
// run; bench/preload-*.mjs are preloads for it, see the README).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { request, type Dispatcher } from 'undici';
import { z } from 'zod';
import { DEFAULT_HANDSHAKE } from '@plugway/plugin-host';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 8);
const ONLY = process.env['BENCH_ONLY']?.split(';').filter(Boolean);
const PROF_DIR = process.env['BENCH_CPU_PROF'];
// By default every Node target (minimal proxies, edges) is restarted after each of its samples, so each round measures
// another process and the median is over processes: separately started Node processes with the same code and config
// differ widely in CPU per request here (BENCH_SAMPLES=1 shows each; the edge README quotes runs).
// BENCH_FRESH=0 keeps one process per target.
const FRESH = process.env['BENCH_FRESH'] !== '0';
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 5);
// BENCH_SAMPLES=1: every sample is printed as it is taken (which process, req/s, CPU per request), not only the medians.
const SAMPLES = process.env['BENCH_SAMPLES'] === '1';
// BENCH_SLICES=n (default 4): each round's sample of a target is taken in n slices of BENCH_SECONDS / n, the round's
// targets taking turns slice by slice (all of them started and warmed first), so the two samples a paired ratio
// compares are seconds apart instead of a restart and a warm-up per target: the machine's drift within a round cancels
// out of the ratio. BENCH_SLICES=1 takes each sample in one piece, as the bench did before 2026-12-02.
const SLICES = Number(process.env['BENCH_SLICES'] ?? 4);
// wrk takes whole seconds.
if (!Number.isInteger(SLICES) || SLICES < 1 || !Number.isInteger(SECONDS / SLICES)) throw new Error(`BENCH_SLICES must divide BENCH_SECONDS (${SECONDS}) into whole seconds`);
const words = (v: string | undefined): string[] => v?.split(' ').filter(Boolean) ?? [];
const NODE_ARGS = [...(PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`] : []), ...words(process.env['BENCH_NODE_ARGS'])];
const AB_VARIANTS = (process.env['BENCH_AB_NODE_ARGS'] ?? '').split(';').map(words).filter((a) => a.length > 0);
const tagOf = (a: string[], n: string): string => `${n} [${a.join(' ')}]`;
// BENCH_AB_EDGE=<directory of another checkout, built>: every edge target runs again from that checkout's build (its
// apps/edge-gateway/dist and the libraries it resolves there), named "… [checkout]" — an A/B of two versions of the
// code in one run (e.g. `git worktree add /tmp/base HEAD~1`, node_modules copied or installed there, `npx nx run
// @plugway/edge-gateway:build` in it).
const AB_EDGE = process.env['BENCH_AB_EDGE']?.replace(/\/$/, '');
const API_KEY = 'bench-key-0123456789';
const TICK_US = 1e6 / Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

const work = mkdtempSync(join(tmpdir(), 'bench-side-'));
const children: ChildProcess[] = [];

function need(cmd: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0) return;
  if (process.getuid?.() === 0) spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (spawnSync('sh', ['-c', `command -v ${cmd} || test -x /usr/sbin/${cmd}`]).status !== 0) throw new Error(`${cmd} is missing (apt-get install ${pkg})`);
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Starts a process; resolves with the first stdout line matching `ready` (the rest of its output is drained). */
function start(cmd: string, args: string[], env: Record<string, string | undefined>, ready: RegExp): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(cmd, args, { cwd: REPO, env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const err: string[] = [];
  child.stderr!.on('data', (b: Buffer) => { if (err.length < 50) err.push(b.toString()); });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => { if (ready.test(l)) resolve({ child, line: l }); });
    child.once('exit', (c) => reject(new Error(`${cmd} ${args.join(' ')} exited ${c}: ${err.join('').slice(0, 2000)}`)));
  });
}

async function nginx(name: string, servers: string): Promise<ChildProcess> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'nginx.conf'), `daemon off; master_process on; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  keepalive_requests 1000000; ${servers} }\n`);
  const child = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'ignore', env: { PATH: `${process.env['PATH']}:/usr/sbin` } });
  children.push(child);
  return child;
}

// A control request on a connection of its own: wrk runs block this process's event loop for seconds, so a pooled
// keep-alive connection may have been closed by the edge before this process noticed.
const control = (method: 'GET' | 'POST', url: string): Promise<Dispatcher.ResponseData> => request(url, { method, reset: true });
const healthSchema = z.object({ plugins: z.array(z.object({ state: z.string() })) });

/** Polls `check` every 100 ms for up to 30 s; throws `failure` when it never holds. */
async function until(check: () => Promise<boolean>, failure: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(failure);
}

/** Waits until the edge at `url` runs `count` plugins, all of them running. */
const waitPlugins = (url: string, count: number): Promise<void> => until(async () => {
  const health = healthSchema.safeParse(await control('GET', `${url}/health`).then((r) => r.body.json(), () => undefined));
  return health.success && health.data.plugins.length === count && health.data.plugins.every((p) => p.state === 'running');
}, `${url} did not reach ${count} running plugins`);

const waitHttp = (url: string): Promise<void> => until(() => fetch(url).then((r) => r.ok, () => false), `${url} never answered`);

/** Stops a started process (SIGTERM: an edge stops its plugins), SIGKILL after 5 s. */
async function stop(pid: number): Promise<void> {
  const c = children.find((x) => x.pid === pid);
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), PROF_DIR ? 10_000 : 5_000);
  await exited;
  clearTimeout(t);
}

// Every process's parent and CPU (µs), from /proc/<pid>/stat (utime + stime).
function procStats(): Map<number, { ppid: number; us: number; sys: number }> {
  const stats = new Map<number, { ppid: number; us: number; sys: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      stats.set(Number(d), { ppid: Number(f[1]), us: (Number(f[11]) + Number(f[12])) * TICK_US, sys: Number(f[12]) * TICK_US });
    } catch { /* exited */ }
  }
  return stats;
}

// CPU (µs) of a process and of its descendants.
function cpu(pid: number): { self: number; sys: number; children: number } {
  const stats = procStats();
  let below = 0;
  const walk = (p: number): void => { for (const [c, s] of stats) if (s.ppid === p) { below += s.us; walk(c); } };
  walk(pid);
  return { self: stats.get(pid)?.us ?? 0, sys: stats.get(pid)?.sys ?? 0, children: below };
}

/** `pid`'s own CPU is the proxy's (with `tree`, its descendants too: nginx's workers); `aux`'s tree is the callee's. */
/** `freeze`: the target's child processes (its plugins) are stopped (SIGSTOP) while wrk runs, and continued after. */
/** `before`: run (awaited) before each of the target's wrk runs, its CPU not counted (the reloaded pair's config switch). */
interface Target { name: string; url: string; pid: number; tree?: boolean; aux?: number; headers?: string[]; freeze?: boolean; before?: (t: Target) => Promise<void>; restart?: () => Promise<Omit<Target, 'name'>> }
interface Sample { rps: number; p50: number; p99: number; cpu: number; aux: number; sys: number; requests: number }

function wrk(t: Target, seconds: number): Sample {
  const frozen = t.freeze ? [...procStats()].filter(([, s]) => s.ppid === t.pid).map(([p]) => p) : [];
  for (const p of frozen) process.kill(p, 'SIGSTOP');
  const before = cpu(t.pid);
  const auxBefore = t.aux ? cpu(t.aux) : undefined;
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...(t.headers ?? []).flatMap((h) => ['-H', h]), `${t.url}/bench`];
  const r = spawnSync('wrk', args, { encoding: 'utf8' });
  const after = cpu(t.pid);
  for (const p of frozen) process.kill(p, 'SIGCONT');
  const auxAfter = t.aux ? cpu(t.aux) : undefined;
  const out = r.stdout;
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (!total || non2xx) throw new Error(`${t.name}: wrk saw ${non2xx} bad answers of ${total}\n${out}${r.stderr}`);
  const lat = (p: string): number => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  };
  const own = after.self - before.self + (t.tree ? after.children - before.children : 0);
  const aux = t.aux ? (auxAfter!.self + auxAfter!.children - auxBefore!.self - auxBefore!.children) : t.tree ? 0 : after.children - before.children;
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), p50: lat('50'), p99: lat('99'), cpu: own / total, aux: aux / total, sys: (after.sys - before.sys) / total, requests: total };
}

const median = (xs: number[]): number => { const s = xs.slice().sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };

/** One sample from a target's slices of equal length: mean req/s, CPU per request over all their requests, median latencies. */
function merge(parts: Sample[]): Sample {
  if (parts.length === 1) return parts[0]!;
  const requests = parts.reduce((a, p) => a + p.requests, 0);
  const per = (f: (p: Sample) => number): number => parts.reduce((a, p) => a + f(p) * p.requests, 0) / requests;
  return { rps: parts.reduce((a, p) => a + p.rps, 0) / parts.length, p50: median(parts.map((p) => p.p50)), p99: median(parts.map((p) => p.p99)), cpu: per((p) => p.cpu), aux: per((p) => p.aux), sys: per((p) => p.sys), requests };
}

async function main(): Promise<void> {
  need('wrk', 'wrk');
  need('nginx', 'nginx-light');
  const goDir = join(work, 'go');
  const build = (target: string): string => {
    const r = spawnSync(`${REPO}/tools/go-plugins/build.sh`, [goDir, target], { encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`tools/go-plugins/build.sh ${target} failed: ${r.stderr.slice(-500)}`);
    return r.stdout.trim().split('\n').at(-1)!;
  };
  // Every Node target runs compiled JavaScript, as shipped: the edge from its dist/ and the TypeScript example plugin
  // from examples/dist/ (both built with Nx when stale: plugin-sdk's build compiles the examples), and the minimal
  // proxies bundled here with esbuild. tsx is not what a user runs.
  const { ensureBuilt } = (await import(new URL('../../../tools/ensure-built.mjs', import.meta.url).href)) as { ensureBuilt: (...names: string[]) => void };
  ensureBuilt('@plugway/edge-gateway', '@plugway/plugin-sdk');
  // Inside the repository (node_modules/.cache), so the bundle's bare imports resolve to the workspace packages.
  const minimalDir = join(REPO, 'node_modules/.cache/plugway-bench');
  await esbuild({ entryPoints: [join(REPO, 'apps/edge-gateway/bench/minimal-proxy.ts')], bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', outdir: minimalDir, logLevel: 'warning' });

  const echoPlugin = build('echo-plugin');
  const authService = build('auth-service');

  // The shared upstream and the nginx targets.
  const upPort = await freePort();
  await nginx('upstream', `server { listen 127.0.0.1:${upPort}; location / { return 200 "ok"; } }`);
  const auth = await start(authService, ['0'], { AUTH_API_KEY: API_KEY }, /^127\.0\.0\.1:\d+$/);
  const [proxyPort, authPort] = [await freePort(), await freePort()];
  const ngx = await nginx('proxy', `
    upstream up { server 127.0.0.1:${upPort}; keepalive 64; }
    upstream authsvc { server ${auth.line}; keepalive 64; }
    server { listen 127.0.0.1:${proxyPort}; location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; } }
    server { listen 127.0.0.1:${authPort};
      location = /_auth { internal; proxy_pass http://authsvc; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass_request_body off; proxy_set_header Content-Length ""; }
      location / { auth_request /_auth; proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; } }`);
  const upstreamUrl = `http://127.0.0.1:${upPort}`;
  await waitHttp(upstreamUrl);
  await waitHttp(`http://127.0.0.1:${proxyPort}`);

  // A bare go-plugin process (handshake by hand) for the minimal proxies' gRPC calls.
  const plugin = await start(echoPlugin, [], { [DEFAULT_HANDSHAKE.magicCookieKey]: DEFAULT_HANDSHAKE.magicCookieValue, PLUGIN_PROTOCOL_VERSIONS: DEFAULT_HANDSHAKE.appProtocolVersions.join(',') }, /^\d+\|\d+\|(unix|tcp)\|/);
  const pluginAddress = plugin.line.split('|')[3]!;
  const minimal = async (client?: string, nodeArgs: string[] = []): Promise<{ url: string; pid: number }> => {
    const p = await start(process.execPath, [...NODE_ARGS, ...nodeArgs, join(minimalDir, 'minimal-proxy.js'), upstreamUrl, ...(client ? [client, pluginAddress] : [])], {}, /^http:/);
    return { url: p.line, pid: p.child.pid! };
  };

  // The edges, each a real edge process (dist/main.js) with its plugins as children.
  const goHook = (i: number) => ({ id: `go-${i}`, name: `Go ${i}`, slug: `go-${i}`, command: `file://${echoPlugin}`, hookType: 'pre_auth', failMode: 'closed', order: i });
  const tsHook = { id: 'ts', name: 'TS', slug: 'ts', command: `file://${REPO}/examples/header-injector/plugin`, hookType: 'pre_auth', config: { 'x-team': 'bench' } };
  const edge = async (name: string, config: object, nodeArgs: string[] = [], root = REPO, env: Record<string, string> = {}): Promise<{ url: string; pid: number }> => {
    const file = join(work, `${name}.json`);
    writeFileSync(file, JSON.stringify(config));
    const p = await start(process.execPath, [...NODE_ARGS, ...nodeArgs, join(root, 'apps/edge-gateway/dist/main.js')], {
      PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', EDGE_CONFIG_FILE: file, EDGE_UPSTREAM_URL: upstreamUrl,
      PLUGIN_COMMAND_ALLOWLIST: `${goDir}/**,${REPO}/examples/**`, OCI_PLUGINS_CACHE_DIR: join(work, 'cache'), ...env,
    }, /edge gateway listening/);
    return { url: (JSON.parse(p.line) as { url: string }).url, pid: p.child.pid! };
  };
  const ten = Array.from({ length: 10 }, (_, i) => goHook(i));
  // For the remote diagnostic: the echo plugin as a plain gRPC server on loopback TCP (grpc://), started when first
  // needed; ten remote plugins on another route give an edge the same hooks with no child process and no spawner thread.
  let remoteEcho: Promise<string> | undefined;
  const remoteTen = async (): Promise<Array<{ id: string }>> => {
    remoteEcho ??= start(echoPlugin, [], { ECHO_PLUGIN_LISTEN: '127.0.0.1:0' }, /^listening /).then((p) => p.line.slice('listening '.length).trim());
    const address = await remoteEcho;
    return ten.map((h) => ({ ...h, command: `grpc://${address}` }));
  };

  type Def = [string, () => Promise<Target>];
  // The reloaded pair: one edge process per round whose config file is switched (POST /admin/reload, then the plugin
  // set awaited on /health and 1 s of traffic not counted) between no plugins and 10 hooks on another route before each
  // slice, so the route goal is also measured with the process held constant; the separate edges above compare two
  // processes, whose CPU per request differs by more than the goal's 5 % (see the README).
  const reloadedPair = (a: string[], tag: string, root: string): Def[] => {
    const name = `reloaded${tag}`;
    let proc: { url: string; pid: number } | undefined;
    let config: 'none' | 'routed' = 'none';
    const alive = (pid: number): boolean => children.some((c) => c.pid === pid && c.exitCode === null && c.signalCode === null);
    const make = async (): Promise<{ url: string; pid: number }> => {
      if (!proc || !alive(proc.pid)) { config = 'none'; proc = await edge(name, { plugins: [] }, a, root); }
      return proc;
    };
    const switchTo = (want: 'none' | 'routed') => async (t: Target): Promise<void> => {
      if (config === want) return;
      writeFileSync(join(work, `${name}.json`), JSON.stringify(want === 'none' ? { plugins: [] } : routed(ten)));
      config = want;
      const r = await control('POST', `${t.url}/admin/reload`);
      if (r.statusCode !== 200) throw new Error(`${t.name}: reload answered ${r.statusCode}: ${await r.body.text()}`);
      await r.body.dump();
      await waitPlugins(t.url, want === 'none' ? 0 : ten.length);
      wrk(t, 1);
    };
    return [
      ['edge reloaded, no plugins', async () => ({ name: '', ...(await make()), before: switchTo('none') })],
      ['edge reloaded, 10 hooks on another route', async () => ({ name: '', ...(await make()), before: switchTo('routed') })],
    ];
  };
  const routed = (hooks: Array<{ id: string }>) => ({ plugins: hooks, routes: [{ id: 'llm', match: { llm: 'other' }, plugins: hooks.map((p) => p.id) }] });
  // The plugin-less edge: `edge, no plugins` and its A/A twin, one definition.
  const plainEdge = (a: string[], tag: string, root: string) => async (): Promise<Target> => ({ name: '', ...(await edge(`none${tag}`, { plugins: [] }, a, root)) });
  // The Node targets, started with extra node options `a` (config file names and target names tagged with `tag`), the
  // edges from checkout `root`.
  const nodeDefs = (a: string[], tag: string, root = REPO): Def[] => [
    ['node minimal proxy', async () => ({ name: '', ...(await minimal(undefined, a)) })],
    ['node undici proxy (reference)', async () => ({ name: '', ...(await minimal('undici', a)) })],
    ['node minimal + raw-h2 gRPC', async () => ({ name: '', ...(await minimal('h2', a)), aux: plugin.child.pid! })],
    ['node minimal + plugway-h2 gRPC', async () => ({ name: '', ...(await minimal('plugway-h2', a)), aux: plugin.child.pid! })],
    ['node minimal + grpc-js gRPC', async () => ({ name: '', ...(await minimal('grpc-js', a)), aux: plugin.child.pid! })],
    ['node minimal + connect-node gRPC', async () => ({ name: '', ...(await minimal('connect', a)), aux: plugin.child.pid! })],
    ['edge, no plugins', plainEdge(a, tag, root)],
    // The route goal's edges get config file names of one length (`none`, `rout`, `remo`, whose env also allows
    // internal addresses; the A/A twin shares `none`'s file), so the plain and routed edges' environments are equal.
    // (This was done for a suspected layout bias that does not hold here: with ASLR on, every process's stack starts
    // at a random 16-byte-aligned offset anyway — see the README.)
    ['edge, 10 hooks on another route', async () => ({ name: '', ...(await edge(`rout${tag}`, routed(ten), a, root)) })],
    // A diagnostic, only when BENCH_ONLY names it: is the route-with-no-plugins cost the plugin processes' own activity?
    ['edge, 10 hooks on another route, plugins SIGSTOPped', async () => ({ name: '', freeze: true, ...(await edge(`routed-stopped${tag}`, routed(ten), a, root)) })],
    ['edge, 1 hook on another route (diag)', async () => ({ name: '', ...(await edge(`routed1${tag}`, routed([goHook(0)]), a, root)) })],
    // Another, only when named: the same ten hooks on another route as remote grpc:// plugins (one Go server on loopback
    // TCP; the edge allows the internal address): connections and plugin manager without any plugin process.
    ['edge, 10 remote hooks on another route (diag)', async () => {
      const e = await edge(`remo${tag}`, routed(await remoteTen()), a, root, { ALLOW_INTERNAL_NETWORK_ACCESS: 'true' });
      await waitPlugins(e.url, ten.length);
      return { name: '', ...e };
    }],
    // An A/A control, only when BENCH_ONLY names it: a second plugin-less edge, the same program and config as `edge,
    // no plugins` in processes of its own, so its ratio to that one shows what two fresh processes differ by in a run.
    ['edge A/A, no plugins (diag)', plainEdge(a, tag, root)],
    ...reloadedPair(a, tag, root),
    ['edge + 1 Go hook', async () => ({ name: '', ...(await edge(`go1${tag}`, { plugins: [goHook(0)] }, a, root)) })],
    ['edge + 1 TS hook', async () => ({ name: '', ...(await edge(`ts1${tag}`, { plugins: [tsHook] }, a, root)) })],
    ['edge + 10 Go hooks', async () => ({ name: '', ...(await edge(`go10${tag}`, { plugins: ten }, a, root)) })],
  ];
  const defs: Def[] = [
    ['nginx proxy', async () => ({ name: '', url: `http://127.0.0.1:${proxyPort}`, pid: ngx.pid!, tree: true })],
    ['nginx + auth_request (Go)', async () => ({ name: '', url: `http://127.0.0.1:${authPort}`, pid: ngx.pid!, tree: true, aux: auth.child.pid!, headers: [`x-api-key: ${API_KEY}`] })],
    ...nodeDefs([], ''),
    // BENCH_AB_NODE_ARGS: every Node target again per variant of node options, interleaved with the rest.
    ...AB_VARIANTS.flatMap((a, i) => nodeDefs(a, `-ab${i}`).map(([n, make]): Def => [tagOf(a, n), make])),
    // BENCH_AB_EDGE: the edge targets again from the other checkout.
    ...(AB_EDGE ? nodeDefs([], '-abedge', AB_EDGE).filter(([n]) => n.startsWith('edge')).map(([n, make]): Def => [`${n} [${AB_EDGE}]`, make]) : []),
  ];
  const targets: Target[] = [];
  const optIn = (name: string): boolean => name.includes('SIGSTOPped') || name.includes('(diag)');
  const restartable = (name: string): boolean => name.startsWith('node ') || name.startsWith('edge');
  for (const [name, make] of defs) {
    // An opt-in target runs only when an entry naming it is itself opt-in ("SIGSTOPped", "… (diag)"), so naming
    // `edge, 10 hooks on another route` does not also start the SIGSTOPped variant.
    if (ONLY ? ONLY.some((o) => name.includes(o) && (!optIn(name) || optIn(o))) : !optIn(name)) targets.push({ ...(await make()), name, ...(restartable(name) ? { restart: make } : {}) });
  }

  const run = async (t: Target, seconds: number): Promise<Sample> => { await t.before?.(t); return wrk(t, seconds); };
  for (const t of targets) await run(t, WARMUP);   // warm-up (JIT, connection pools)
  const samples = new Map<string, Sample[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Interleaved: every target runs once per round (in slices: once per slice), in a rotated order, so drifting
    // background load hits all alike.
    const order = targets.map((_, i) => (i + round) % targets.length);
    const parts = new Map<number, Sample[]>(order.map((k) => [k, []]));
    for (let slice = 0; slice < SLICES; slice++) for (const k of order) parts.get(k)!.push(await run(targets[k]!, SECONDS / SLICES));
    for (const k of order) {
      const t = targets[k]!;
      const sample = merge(parts.get(k)!);
      samples.get(t.name)!.push(sample);
      if (SAMPLES) console.log(`round ${round + 1}, ${t.name} (pid ${t.pid}): ${Math.round(sample.rps)} req/s, ${sample.cpu.toFixed(1)} µs/req (${sample.sys.toFixed(1)} in the kernel)${sample.aux ? ` + ${sample.aux.toFixed(1)}` : ''}`);
    }
    // A fresh process per Node target for the next round, each warmed up before the round starts.
    if (FRESH && round < ROUNDS - 1) {
      for (const k of order) {
        const t = targets[k]!;
        if (!t.restart) continue;
        await stop(t.pid);
        targets[k] = { ...(await t.restart()), name: t.name, restart: t.restart };
        await run(targets[k]!, WARMUP);
      }
    }
  }

  const rows = targets.map((t) => {
    const s = samples.get(t.name)!;
    return { target: t.name, rps: median(s.map((x) => x.rps)), p50: median(s.map((x) => x.p50)), p99: median(s.map((x) => x.p99)), cpu: median(s.map((x) => x.cpu)), aux: median(s.map((x) => x.aux)) };
  });
  console.log(`wrk -t1 -c${CONNECTIONS}, ${ROUNDS} interleaved rounds of ${SECONDS} s${SLICES > 1 ? ` (${SLICES} slices, the targets taking turns)` : ''}${FRESH ? ', a fresh process per Node target and round' : ''}, medians; node ${process.version}, ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()} cores`);
  console.table(Object.fromEntries(rows.map((r) => [r.target, {
    'req/s': Math.round(r.rps), 'p50 ms': r.p50.toFixed(2), 'p99 ms': r.p99.toFixed(2), 'CPU µs/req': r.cpu.toFixed(1), '+ callee µs/req': r.aux ? r.aux.toFixed(1) : '',
  }])));
  // Two views of each ratio: measured req/s, and the CPU view (1 / proxy CPU per request), which is what req/s
  // tends to on a dedicated core and moves far less when other work shares the machine.
  const by = (n: string) => rows.find((r) => r.target === n);
  // A third view, "paired": the CPU ratio within each round (the two samples minutes apart at most), so drift of the
  // machine's speed between rounds cancels out of it; printed as the geometric mean over rounds with its 95 %
  // confidence interval (normal approximation on the logs), which says whether the rounds can resolve a goal at all.
  const paired = (a: string, b: string): string => {
    const sa = samples.get(a)!, sb = samples.get(b)!;
    const logs = sa.map((s, i) => Math.log(sb[i]!.cpu / s.cpu));
    const mean = logs.reduce((x, y) => x + y, 0) / logs.length;
    if (logs.length < 2) return Math.exp(mean).toFixed(2);
    const se = Math.sqrt(logs.reduce((x, y) => x + (y - mean) ** 2, 0) / (logs.length - 1) / logs.length);
    return `${Math.exp(mean).toFixed(2)} (95 % CI ${Math.exp(mean - 1.96 * se).toFixed(2)}–${Math.exp(mean + 1.96 * se).toFixed(2)})`;
  };
  const ratio = (label: string, a: string, b: string, goal: string): void => {
    const x = by(a), y = by(b);
    if (x && y) console.log(`${label}: req/s ${(x.rps / y.rps).toFixed(2)}, CPU ${(y.cpu / x.cpu).toFixed(2)}, paired CPU ${paired(a, b)} (goal ${goal})`);
  };
  ratio('edge no plugins / node minimal proxy', 'edge, no plugins', 'node minimal proxy', '≥ 0.9');
  ratio('edge no plugins / nginx proxy', 'edge, no plugins', 'nginx proxy', '≥ 0.35');
  ratio('edge no plugins / node undici proxy', 'edge, no plugins', 'node undici proxy (reference)', 'for reference');
  ratio('edge + 1 Go hook / nginx + auth_request', 'edge + 1 Go hook', 'nginx + auth_request (Go)', '≥ 0.3');
  ratio('node + raw-h2 call (transport floor) / nginx + auth_request', 'node minimal + raw-h2 gRPC', 'nginx + auth_request (Go)', 'the floor');
  // The raw-h2 row is the transport floor; the plugway-h2 row makes the same call with the edge's own hook client
  // (plugin-host's H2UnaryClient: deadline, answer decoded, a block honoured), the issue's "same client".
  ratio('edge + 1 Go hook / node minimal + raw-h2 gRPC (transport floor)', 'edge + 1 Go hook', 'node minimal + raw-h2 gRPC', '≥ 0.9');
  ratio('edge + 1 Go hook / node minimal + plugway-h2 gRPC (same client)', 'edge + 1 Go hook', 'node minimal + plugway-h2 gRPC', '≥ 0.95');
  ratio('edge + 1 Go hook / node minimal + grpc-js gRPC', 'edge + 1 Go hook', 'node minimal + grpc-js gRPC', 'for reference');
  ratio('node minimal + raw-h2 / node minimal + connect-node (choice of hook client)', 'node minimal + raw-h2 gRPC', 'node minimal + connect-node gRPC', 'for reference');
  ratio('edge, route with no plugins / edge, no plugins configured', 'edge, 10 hooks on another route', 'edge, no plugins', '1.00 ± 0.05');
  ratio('edge, 10 remote hooks on another route (diag) / edge, no plugins', 'edge, 10 remote hooks on another route (diag)', 'edge, no plugins', '1.00 ± 0.05');
  ratio('A/A control: edge, no plugins / a second edge, no plugins (diag)', 'edge A/A, no plugins (diag)', 'edge, no plugins', '1.00: what two processes of one program differ by');
  ratio('the same, one edge process reloaded between the two', 'edge reloaded, 10 hooks on another route', 'edge reloaded, no plugins', '1.00 ± 0.05');
  if (AB_EDGE) {
    ratio(`[${AB_EDGE}] edge + 1 Go hook / node minimal + raw-h2 gRPC (transport floor)`, `edge + 1 Go hook [${AB_EDGE}]`, 'node minimal + raw-h2 gRPC', '≥ 0.9');
    for (const r of rows) if (by(`${r.target} [${AB_EDGE}]`)) ratio(`A/B ${r.target}: this checkout / ${AB_EDGE}`, r.target, `${r.target} [${AB_EDGE}]`, '> 1: this checkout faster');
  }
  for (const a of AB_VARIANTS) {
    const ab = (n: string): string => tagOf(a, n);
    ratio(ab('edge, route with no plugins / edge, no plugins configured'), ab('edge, 10 hooks on another route'), ab('edge, no plugins'), '1.00 ± 0.05');
    ratio(ab('edge + 1 Go hook / node minimal + raw-h2 gRPC (transport floor)'), ab('edge + 1 Go hook'), ab('node minimal + raw-h2 gRPC'), '≥ 0.9');
    for (const r of rows) if (by(ab(r.target))) ratio(`A/B ${r.target}: as is / [${a.join(' ')}]`, r.target, ab(r.target), '> 1: faster as is');
  }
}

try {
  await main();
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  // Profiles are written on exit, which takes a while; otherwise half a second is enough.
  for (let i = 0; i < (PROF_DIR ? 100 : 5) && children.some((c) => c.exitCode === null && c.signalCode === null); i++) await new Promise((r) => setTimeout(r, 100));
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
