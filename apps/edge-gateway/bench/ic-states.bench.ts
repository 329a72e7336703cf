// Why an edge with plugins configured on another route costs more per request than one without plugins: the state of
// V8's inline caches (ICs) in the edge's main thread after load (`npm run bench ic-states`). Two real edges (dist/main.js),
// one without plugins and one with ten Go echo plugins on a route no request takes, each run with `--log-ic`, warmed and
// driven by wrk as in side-by-side, then stopped; the main isolate's IC log is read back. Prints, per edge, how many IC
// sites ended megamorphic, the Node-core sites that every proxied request runs whose state differs between the two,
// and how many sites are megamorphic in the routed edge only. Asserts nothing; what the states cost is measured by
// side-by-side (a V8 flag that keeps most of these sites polymorphic did not change the route ratio: edge README).
// Knobs: BENCH_NODE_ARGS (extra node options for both edges, space-separated, e.g. a V8 flag to compare),
// BENCH_IC_B_NODE_ARGS (the second edge is then a plugin-less one run with these extra node options, e.g. one of
// side-by-side's A/B preloads, instead of the routed edge), BENCH_SECONDS (wrk seconds per edge, 5).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const REPO = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const NODE_ARGS = process.env['BENCH_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];
const B_NODE_ARGS = process.env['BENCH_IC_B_NODE_ARGS']?.split(' ').filter(Boolean);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const work = mkdtempSync(join(tmpdir(), 'bench-ic-'));

// Node-core functions on every proxied request's path (node:http server, streams, net), as the plugin-less edge's CPU
// profile shows them; their sites are listed when their state differs between the two edges.
const REQUEST_PATH = new Set(['ReadableState', 'Readable.push', 'Readable.read', 'flow', 'resume_', 'endReadable', 'emitReadable_', '_unrefTimer', 'hasEventListener', 'Readable.removeListener', 'onStreamRead', 'writeGeneric', 'writevGeneric', 'Writable.write', 'clearBuffer', 'onFinish', 'IncomingMessage', '_destroy', 'destroy']);
// V8's IC states in the log: 0 uninitialized, 1 monomorphic, P polymorphic, N megamorphic, X no feedback, ^ recompute handler.
const STATE: Record<string, string> = { '0': 'uninitialized', '1': 'monomorphic', 'P': 'polymorphic', 'N': 'megamorphic', 'X': 'no feedback', '^': 'monomorphic' };

const healthSchema = z.object({ plugins: z.array(z.object({ state: z.string() })) });

function need(cmd: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0) return;
  if (process.getuid?.() === 0) spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (spawnSync('sh', ['-c', `command -v ${cmd}`]).status !== 0) throw new Error(`${cmd} is missing (apt-get install ${pkg})`);
}

/** Starts an edge with `--log-ic` writing to `<work>/<name>.log` (V8 adds `isolate-<address>-<pid>-` per isolate). */
function startEdge(name: string, config: object, goDir: string, upstream: string, extra: readonly string[]): Promise<{ child: ChildProcess; url: string }> {
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const args = [...NODE_ARGS, ...extra, '--log-ic', `--logfile=${join(work, `${name}.log`)}`, join(REPO, 'apps/edge-gateway/dist/main.js')];
  const child = spawn(process.execPath, args, {
    cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', EDGE_CONFIG_FILE: file, EDGE_UPSTREAM_URL: upstream, PLUGIN_COMMAND_ALLOWLIST: `${goDir}/**`, OCI_PLUGINS_CACHE_DIR: join(work, 'cache') },
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => { if (/edge gateway listening/.test(l)) resolve({ child, url: z.object({ url: z.string() }).parse(JSON.parse(l)).url }); });
    child.once('exit', (c) => reject(new Error(`edge ${name} exited ${c}`)));
  });
}

async function waitPlugins(url: string, count: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const health = healthSchema.safeParse(await fetch(`${url}/health`).then((r) => r.json(), () => undefined));
    if (health.success && health.data.plugins.length === count && health.data.plugins.every((p) => p.state === 'running')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not reach ${count} running plugins`);
}

/** The final IC state of every site in one isolate's log: `<IC kind> <function> @<line>:<column> <key>` → state. */
async function icStates(log: string): Promise<Map<string, string>> {
  const code = new Map<number, { size: number; name: string }>();
  let starts: number[] | undefined;
  const owner = (pc: number): string => {
    starts ??= [...code.keys()].sort((a, b) => a - b);
    let lo = 0, hi = starts.length - 1, at = -1;
    while (lo <= hi) { const m = (lo + hi) >> 1; if (starts[m]! <= pc) { at = m; lo = m + 1; } else hi = m - 1; }
    const c = at < 0 ? undefined : code.get(starts[at]!);
    return c && pc < starts[at]! + c.size ? c.name.replace(/^"|"$/g, '').replace(/^[*~^+-]+/, '') : '?';
  };
  const states = new Map<string, string>();
  for await (const line of createInterface({ input: createReadStream(log) })) {
    const f = line.split(',');
    if (f[0] === 'code-creation') { code.set(parseInt(f[4]!, 16), { size: Number(f[5]), name: f[6] ?? '' }); starts = undefined; }
    else if (f[0] === 'code-move') { const c = code.get(parseInt(f[1]!, 16)); if (c) { code.delete(parseInt(f[1]!, 16)); code.set(parseInt(f[2]!, 16), c); starts = undefined; } }
    else if (f[0] === 'code-delete') { code.delete(parseInt(f[1]!, 16)); starts = undefined; }
    // <kind>IC,pc,time,line,column,old state,new state,map,key,modifier,slow reason
    else if (f[0]?.endsWith('IC') && f.length >= 10) states.set(`${f[0]} ${owner(parseInt(f[1]!, 16))} @${f[3]}:${f[4]} ${f[8]}`, f[6]!);
  }
  return states;
}

async function run(name: string, config: object, plugins: number, goDir: string, upstream: string, extra: readonly string[] = []): Promise<Map<string, string>> {
  const { child, url } = await startEdge(name, config, goDir, upstream, extra);
  await waitPlugins(url, plugins);
  for (const s of [5, SECONDS]) {   // warm-up as side-by-side's, then the measured load
    const r = spawnSync('wrk', ['-t1', '-c8', `-d${s}s`, `${url}/bench`], { encoding: 'utf8' });
    if (r.status !== 0 || !/requests in/.test(r.stdout)) throw new Error(`wrk against ${name} failed: ${r.stdout}${r.stderr}`);
  }
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  // The main thread's log is the one that compiled the edge's entry point (a worker thread's isolate logs to its own file).
  const logs = readdirSync(work).filter((f) => f.startsWith('isolate-') && f.endsWith(`-${child.pid}-${name}.log`)).map((f) => join(work, f));
  const mainLog = logs.find((f) => readFileSync(f, 'utf8').includes('apps/edge-gateway/dist/main.js'));
  if (!mainLog) throw new Error(`no main-isolate IC log for ${name} among ${logs.join(', ')}`);
  return icStates(mainLog);
}

async function main(): Promise<void> {
  need('wrk', 'wrk');
  const { ensureBuilt } = (await import(new URL('../../../tools/ensure-built.mjs', import.meta.url).href)) as { ensureBuilt: (...names: string[]) => void };
  ensureBuilt('@plugway/edge-gateway');
  const goDir = join(work, 'go');
  const built = spawnSync(`${REPO}/tools/go-plugins/build.sh`, [goDir, 'echo-plugin'], { encoding: 'utf8', timeout: 600_000 });
  if (built.status !== 0) throw new Error(`tools/go-plugins/build.sh echo-plugin failed: ${built.stderr.slice(-500)}`);
  const echo = built.stdout.trim().split('\n').at(-1)!;
  const upstream = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('ok')); });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  const hooks = Array.from({ length: 10 }, (_, i) => ({ id: `go-${i}`, name: `Go ${i}`, slug: `go-${i}`, command: `file://${echo}`, hookType: 'pre_auth', failMode: 'closed', order: i }));
  const none = await run('none', { plugins: [] }, 0, goDir, upstreamUrl);
  const label = B_NODE_ARGS ? `edge, no plugins [${B_NODE_ARGS.join(' ')}]` : 'edge, 10 hooks on another route';
  const routed = B_NODE_ARGS ? await run('other', { plugins: [] }, 0, goDir, upstreamUrl, B_NODE_ARGS)
    : await run('routed', { plugins: hooks, routes: [{ id: 'llm', match: { llm: 'other' }, plugins: hooks.map((h) => h.id) }] }, hooks.length, goDir, upstreamUrl);
  upstream.close();

  const mega = (s: Map<string, string>): number => [...s.values()].filter((v) => v === 'N').length;
  const fn = (site: string): string => site.split(' ')[1] ?? '';
  console.log(`node ${process.version}${NODE_ARGS.length ? `, ${NODE_ARGS.join(' ')}` : ''}; main-thread IC sites after ${SECONDS} s of wrk -t1 -c8`);
  console.log(`edge, no plugins: ${none.size} sites, ${mega(none)} megamorphic`);
  console.log(`${label}: ${routed.size} sites, ${mega(routed)} megamorphic`);
  const common = [...routed.keys()].filter((k) => none.has(k));
  const worse = common.filter((k) => none.get(k) !== 'N' && routed.get(k) === 'N');
  console.log(`sites in both: ${common.length}; megamorphic only in the second edge: ${worse.length} (in Node core: ${worse.filter((k) => / node:/.test(k)).length})`);
  console.log(`request-path Node-core sites whose state differs (no plugins → ${label}):`);
  for (const k of common.filter((k) => REQUEST_PATH.has(fn(k)) && / node:/.test(k) && none.get(k) !== routed.get(k)).sort()) {
    console.log(`  ${k.replace(/ \S+\/([^/ ]+:\d+:\d+)/, ' $1')}: ${STATE[none.get(k)!] ?? none.get(k)} → ${STATE[routed.get(k)!] ?? routed.get(k)}`);
  }
}

main().then(() => rmSync(work, { recursive: true, force: true }), (e: unknown) => { console.error(e); rmSync(work, { recursive: true, force: true }); process.exit(1); });
